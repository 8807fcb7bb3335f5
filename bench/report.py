"""Fold the wrk rounds into medians and render them as markdown tables with the targets."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from wrk import WrkResult

# Issue 7's orientation targets: goals to report against, never assertions.
RATIO_TARGETS = {"ping": 0.8, "list": 0.5, "list_or_like": 0.5, "read": 0.5}
P99_TARGET_MS = 50.0
ONE_CONN_P50_TARGET_MS = 1.0


@dataclass(frozen=True, slots=True)
class Summary:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int


def summarise(results: Sequence[WrkResult]) -> Summary:
    return Summary(
        statistics.median(r.requests_per_s for r in results),
        statistics.median(r.p50_ms for r in results),
        statistics.median(r.p99_ms for r in results),
        sum(r.non_2xx + r.socket_errors for r in results),
    )


@dataclass
class Measured:
    """One scenario in one mode on one site: every round of maju and of the reference."""

    backend: str
    rows: int
    scenario: str  # Scenario.key
    title: str
    mode: str
    maju: list[WrkResult] = field(default_factory=list)
    reference: list[WrkResult] = field(default_factory=list)
    # The 1-minute load average after each round: how busy the shared machine was.
    load: list[float] = field(default_factory=list)
    note: str = ""  # why it was not measured ("not available yet", an error)

    @property
    def complete(self) -> bool:
        return bool(self.maju and self.reference)

    @property
    def ratio(self) -> float:
        return summarise(self.maju).requests_per_s / summarise(self.reference).requests_per_s


def _ms(value: float) -> str:
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def _rows(count: int) -> str:
    return f"{count // 1000}k" if count % 1000 == 0 else str(count)


HEADER = (
    "| scenario | mode | rows | maju req/s | ref req/s | maju/ref | maju p50 ms "
    "| maju p99 ms | ref p50 ms | ref p99 ms | errors | load |\n"
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
)


def table_row(m: Measured) -> str:
    head = f"| {m.title} | {m.mode} | {_rows(m.rows)} |"
    if not m.complete:
        return f"{head} {m.note or 'not measured'} | | | | | | | | |"
    a, b = summarise(m.maju), summarise(m.reference)
    return (
        f"{head} {a.requests_per_s:,.0f} | {b.requests_per_s:,.0f} | {m.ratio:.2f} | "
        f"{_ms(a.p50_ms)} | {_ms(a.p99_ms)} | {_ms(b.p50_ms)} | {_ms(b.p99_ms)} | "
        f"{a.errors + b.errors or ''} | {max(m.load, default=0):.1f} |"
    )


def tables(measured: Sequence[Measured]) -> str:
    """One table per database, its scenarios in run order."""
    parts: list[str] = []
    for backend in dict.fromkeys(m.backend for m in measured):
        parts += [
            f"### {backend}",
            "",
            HEADER,
            *(table_row(m) for m in measured if m.backend == backend),
            "",
        ]
    return "\n".join(parts)


def growth(measured: Sequence[Measured]) -> str:
    """The list scenarios side by side per size, so the cost of a bigger table shows."""
    lines = [
        "| database | scenario | rows | maju req/s | maju p99 ms | ref req/s | ref p99 ms |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for m in measured:
        if m.scenario in ("list", "list_or_like") and m.mode == "keep-alive" and m.complete:
            a, b = summarise(m.maju), summarise(m.reference)
            lines.append(
                f"| {m.backend} | {m.title} | {_rows(m.rows)} | {a.requests_per_s:,.0f} "
                f"| {_ms(a.p99_ms)} | {b.requests_per_s:,.0f} | {_ms(b.p99_ms)} |"
            )
    return "\n".join(lines)


def target_checks(measured: Sequence[Measured]) -> list[str]:
    """One line per target: where we land and whether it is met."""
    lines: list[str] = []
    for m in measured:
        if not m.complete:
            continue
        where = f"{m.backend} {_rows(m.rows)} {m.title} ({m.mode})"
        goal = RATIO_TARGETS.get(m.scenario)
        if goal is not None:
            lines.append(
                f"- {_mark(m.ratio >= goal)} {where}: maju/ref {m.ratio:.2f} (target >= {goal})"
            )
        maju = summarise(m.maju)
        if (
            m.backend == "sqlite"
            and m.scenario in ("list", "list_or_like", "read")
            and m.mode == "keep-alive"
            and m.rows >= 100_000
        ):
            lines.append(
                f"- {_mark(maju.p99_ms < P99_TARGET_MS)} {where}: maju p99 "
                f"{_ms(maju.p99_ms)} ms (target < {P99_TARGET_MS:.0f} ms)"
            )
        if m.mode == "1 conn":
            lines.append(
                f"- {_mark(maju.p50_ms < ONE_CONN_P50_TARGET_MS)} {where}: maju p50 "
                f"{_ms(maju.p50_ms)} ms (target < {ONE_CONN_P50_TARGET_MS:.0f} ms)"
            )
    return lines


def _mark(met: bool) -> str:
    return "met:" if met else "MISSED:"


def document(measured: Sequence[Measured], preamble: Sequence[str], notes: Sequence[str]) -> str:
    checks = target_checks(measured)
    return "\n".join(
        [
            "# maju benchmark",
            "",
            *preamble,
            "",
            "## Results",
            "",
            "Medians over the rounds; ratio = maju req/s / reference req/s; latencies from "
            "wrk's --latency distribution; errors = non-2xx answers plus socket errors; load = the "
            "highest 1-minute load average seen after a round (2 cores: above ~3, other work on "
            "the machine was competing with the servers).",
            "",
            tables(measured),
            "",
            "## List growth: 10k vs 100k rows",
            "",
            growth(measured),
            "",
            "## Targets (orientation, not assertions)",
            "",
            *(checks or ["- nothing measured"]),
            "",
            "## Notes",
            "",
            *(f"- {n}" for n in notes or ["none"]),
            "",
        ]
    )
