"""`make bench`: seed sites, start maju and the reference app, drive both with wrk, report.

.venv/bin/python bench/run.py             # full run: 3 rounds of 10 s, results.md
.venv/bin/python bench/run.py --quick     # smoke run: 1 round of 2 s, results-quick.md
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import functools
import os
import platform
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import cast
from urllib.parse import unquote

import report
import scenarios as sc
import wrk
from seed import Backend, BenchSite, create_site, drop_site, postgres_error
from servers import Server, ServerError, free_port, maju_server, reference_server

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


@dataclass(frozen=True, slots=True)
class Options:
    duration_s: int
    rounds: int
    warmup_s: int
    connections: int
    threads: int
    sizes: tuple[int, ...]
    backends: tuple[Backend, ...]
    only: tuple[str, ...]
    postgres_url: str
    pool_size: int
    output: Path
    max_minutes: float


def parse_args(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: one 2 s round, 1 s warm-up, writes results-quick.md",
    )
    parser.add_argument("--duration", type=int, help="seconds per wrk run (default 10)")
    parser.add_argument("--rounds", type=int, help="maju/reference rounds (default 3)")
    parser.add_argument("--warmup", type=int, help="warm-up seconds per server (default 2)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="wrk threads (default 1: leaves the 2 cores to the servers)",
    )
    parser.add_argument("--sizes", default="10000,100000", help="ToDo rows per site")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--only",
        default="",
        help="scenario keys, comma-separated: ping,list,list_or_like,read,method,create",
    )
    parser.add_argument(
        "--postgres-url", default=os.environ.get("MAJU_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    )
    parser.add_argument(
        "--pool-size", type=int, default=8, help="connections per worker, maju and reference alike"
    )
    parser.add_argument("--output", type=Path)
    parser.add_argument(
        "--max-minutes", type=float, default=90, help="skip the remaining runs after this long"
    )
    args = parser.parse_args(argv)
    backends = tuple(b.strip() for b in args.backends.split(",") if b.strip())
    for backend in backends:
        if backend not in ("sqlite", "postgresql"):
            parser.error(f"unknown backend {backend!r}")
    quick = bool(args.quick)
    return Options(
        duration_s=max(1, args.duration or (2 if quick else 10)),
        rounds=max(1, args.rounds or (1 if quick else 3)),
        warmup_s=args.warmup if args.warmup is not None else (1 if quick else 2),
        connections=args.connections,
        threads=max(1, args.threads),
        sizes=tuple(sorted(int(s) for s in args.sizes.split(",") if s.strip())),
        backends=cast(tuple[Backend, ...], backends),
        only=tuple(k.strip() for k in args.only.split(",") if k.strip()),
        postgres_url=args.postgres_url,
        pool_size=args.pool_size,
        output=args.output or BENCH_DIR / ("results-quick.md" if quick else "results.md"),
        max_minutes=args.max_minutes,
    )


@dataclass
class Bench:
    options: Options
    wrk_binary: str
    deadline: float
    measured: list[report.Measured] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    commands: dict[str, str] = field(default_factory=dict)
    load_before: str = field(default_factory=lambda: " ".join(f"{v:.2f}" for v in os.getloadavg()))

    def note(self, text: str) -> None:
        print(f"  note: {text}", flush=True)
        self.notes.append(text)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started ignoring it
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)
    started = dt.datetime.now().astimezone()
    bench = Bench(options, wrk.ensure_wrk(), time.monotonic() + options.max_minutes * 60)
    backends = list(options.backends)
    if "postgresql" in backends:
        problem = asyncio.run(postgres_error(options.postgres_url))
        if problem:
            bench.note(f"PostgreSQL skipped: {options.postgres_url} unreachable ({problem})")
            backends.remove("postgresql")
    interrupted = False
    try:
        with tempfile.TemporaryDirectory(prefix="maju-bench-") as workdir:
            for backend in backends:
                for rows in options.sizes:
                    bench_site(bench, backend, rows, rows == options.sizes[-1], Path(workdir))
    except KeyboardInterrupt:
        interrupted = True
        bench.note("interrupted: the results are partial")
    text = report.document(bench.measured, preamble(bench, started, argv), bench.notes)
    options.output.write_text(text, encoding="utf-8")
    print("\n" + report.tables(bench.measured))
    print("\n".join(report.target_checks(bench.measured)))
    print(f"\nwritten to {options.output}")
    return 130 if interrupted else 0


def bench_site(bench: Bench, backend: Backend, rows: int, full: bool, workdir: Path) -> None:
    """Seed one site, serve it twice (maju, reference), measure, stop both, drop the data."""
    options = bench.options
    root = workdir / f"{backend}-{rows}"
    root.mkdir()
    maju_port, ref_port = free_port(), free_port()
    began = time.monotonic()
    print(f"\n== {backend}, {rows:,} ToDo rows: seeding", flush=True)
    chosen = [
        s
        for s in sc.scenarios("")
        if (full or s.every_size) and (not options.only or s.key in options.only)
    ]
    try:
        site = asyncio.run(
            create_site(backend, rows, root, options.postgres_url, maju_port, options.pool_size)
        )
    except Exception as exc:  # a half-finished migration elsewhere in the tree: say so, go on
        not_measured(bench, backend, rows, chosen, f"seeding failed: {type(exc).__name__}")
        bench.note(f"{backend} {rows:,} rows: seeding failed: {type(exc).__name__}: {exc}")
        return
    print(f"   seeded in {time.monotonic() - began:.1f} s", flush=True)
    servers: list[Server] = []
    try:
        maju = start_maju(bench, site, maju_port, root, servers)
        reference = reference_server(
            site.database_url, site.schema, options.pool_size, ref_port, root / "reference.log"
        )
        servers.append(reference)
        reference.start()
        bench.commands["reference"] = reference.command
        for scenario in sc.scenarios(site.sample_name):
            if scenario.key in {c.key for c in chosen}:
                measure(bench, site, scenario, maju, reference)
    except ServerError as exc:
        bench.note(f"{backend} {rows:,} rows: {str(exc).splitlines()[0]}")
        print(exc, flush=True)
        not_measured(bench, backend, rows, chosen, "server did not start")
    finally:
        for server in reversed(servers):
            server.stop()
        asyncio.run(drop_site(site))


def not_measured(
    bench: Bench, backend: Backend, rows: int, chosen: list[sc.Scenario], why: str
) -> None:
    for scenario in chosen:
        if not any(
            m.backend == backend and m.rows == rows and m.scenario == scenario.key
            for m in bench.measured
        ):
            bench.measured += [
                report.Measured(backend, rows, scenario.key, scenario.title, mode.key, note=why)
                for mode in scenario.modes
            ]


def start_maju(
    bench: Bench, site: BenchSite, port: int, root: Path, servers: list[Server]
) -> Server:
    """`maju serve` when the CLI has it; if that does not come up, uvicorn directly."""
    server = maju_server(site.config_path, port, root / "maju.log")
    servers.append(server)
    try:
        server.start()
    except ServerError as exc:
        if "uvicorn" in server.argv:
            raise
        bench.note(
            f"`maju serve` did not come up ({str(exc).splitlines()[0]}); "
            "fell back to uvicorn maju.app:asgi_app"
        )
        server.stop()
        server = maju_server(site.config_path, port, root / "maju-uvicorn.log", prefer_cli=False)
        servers.append(server)
        server.start()
    bench.commands["maju"] = server.command
    return server


def measure(
    bench: Bench, site: BenchSite, scenario: sc.Scenario, maju: Server, reference: Server
) -> None:
    """Probe once, then per mode: warm up, and alternate maju and reference for the rounds."""
    entries = [
        report.Measured(site.backend, site.rows, scenario.key, scenario.title, mode.key)
        for mode in scenario.modes
    ]
    bench.measured += entries
    where = f"{site.backend} {site.rows:,} {scenario.title}"
    reason = check_answers(bench, where, scenario, site.authorization, maju, reference)
    if reason is not None:
        print(f"   {where}: {reason}", flush=True)
        for entry in entries:
            entry.note = reason
        return
    for mode, entry in zip(scenario.modes, entries, strict=True):
        if time.monotonic() > bench.deadline:
            entry.note = "skipped: --max-minutes reached"
            continue
        try:
            measure_mode(
                bench,
                f"{where} [{mode.key}]",
                scenario,
                mode,
                entry,
                site.authorization,
                (maju, reference),
            )
        except wrk.WrkError as exc:
            entry.maju.clear()
            entry.reference.clear()
            entry.note = "wrk failed"
            bench.note(f"{where} [{mode.key}]: {exc}")


def measure_mode(
    bench: Bench,
    where: str,
    scenario: sc.Scenario,
    mode: sc.Mode,
    entry: report.Measured,
    authorization: str,
    servers: tuple[Server, Server],
) -> None:
    options = bench.options
    headers = {"Authorization": authorization}
    if mode.close:
        headers["Connection"] = "close"
    drive = functools.partial(
        wrk.run,
        bench.wrk_binary,
        connections=mode.connections or options.connections,
        threads=options.threads,
        headers=headers,
        script=scenario.script,
    )
    maju_url, ref_url = (server.base_url + scenario.path for server in servers)
    if options.warmup_s:
        drive(maju_url, duration_s=options.warmup_s)
        drive(ref_url, duration_s=options.warmup_s)
    for number in range(1, options.rounds + 1):
        entry.maju.append(drive(maju_url, duration_s=options.duration_s))
        entry.reference.append(drive(ref_url, duration_s=options.duration_s))
        entry.load.append(os.getloadavg()[0])
        a, b = entry.maju[-1], entry.reference[-1]
        print(
            f"   {where} round {number}: maju {a.requests_per_s:,.0f}/s "
            f"p99 {a.p99_ms:.1f} ms | reference {b.requests_per_s:,.0f}/s "
            f"p99 {b.p99_ms:.1f} ms (load {entry.load[-1]:.1f})",
            flush=True,
        )


def check_answers(
    bench: Bench,
    where: str,
    scenario: sc.Scenario,
    authorization: str,
    maju: Server,
    reference: Server,
) -> str | None:
    """Why the scenario cannot be measured, or None; notes any difference between the answers."""
    try:
        answer = sc.probe(maju.base_url, scenario, authorization)
        reason = sc.unavailable_reason(answer)
        if reason is not None:
            return reason
        ref_answer = sc.probe(reference.base_url, scenario, authorization)
    except OSError as exc:
        return f"error: {type(exc).__name__}: {exc}"
    if ref_answer.status != 200:
        return f"reference answered HTTP {ref_answer.status}: {ref_answer.text[:200]}"
    found = sc.difference(answer.body, ref_answer.body, scenario.compare)
    if found:
        bench.note(f"{where}: maju and the reference answer differently: {found}")
    return None


def preamble(bench: Bench, started: dt.datetime, argv: list[str] | None) -> list[str]:
    options = bench.options
    args = " ".join(argv if argv is not None else sys.argv[1:])
    lines = [
        f"- Date: {started:%Y-%m-%d %H:%M %Z}",
        f"- Machine: {os.cpu_count()} cores (os.cpu_count()), {platform.machine()}, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}",
        f"- Command: `.venv/bin/python bench/run.py{' ' + args if args else ''}` (`make bench`)",
        f"- Load: {bench.wrk_binary and wrk.wrk_version(bench.wrk_binary)}, "
        f"{options.connections} connections, {options.threads} wrk thread(s), "
        f"{options.rounds} round(s) of {options.duration_s} s per server, alternating maju and "
        f"reference, after a {options.warmup_s} s warm-up each; all on 127.0.0.1",
        f"- Pools: {options.pool_size} connections per worker, 2 uvicorn workers per server",
        f"- Load average (1/5/15 min) before / after: {bench.load_before} / "
        f"{' '.join(f'{v:.2f}' for v in os.getloadavg())} (the servers, PostgreSQL and wrk "
        "share the cores; anything else running skews both sides alike, as they alternate)",
    ]
    for label, command in bench.commands.items():
        lines.append(f"- {label} server: `{command}`")
    lines += [
        "- Reference: `bench/reference_app.py`, plain Starlette + aiosqlite/asyncpg + orjson, "
        "the same SQL written out; token check = one SELECT joining User and Has Role, "
        "SHA-256 compare; reads in autocommit (maju runs each request in a transaction). "
        "Its `like` is SQLite's plain LIKE (ASCII case folding) and PostgreSQL's ILIKE.",
        "- Scenarios (all with `Authorization: token key:secret` of Administrator):",
    ]
    for scenario in sc.scenarios("<name>"):
        lines.append(f"  - {scenario.title}: `{scenario.method} {unquote(scenario.path)}`")
    return lines


if __name__ == "__main__":
    sys.exit(main())
