"""Profile maju's workers with py-spy under the list and create loads; print the hot functions.

    .venv/bin/python bench/profiling.py [--rows 100000] [--duration 15] [--backend sqlite]

Both workers' raw stacks are folded into the shares written to bench/profile.md; a second
pass records the busier worker as a flame graph (bench/profile-<scenario>.svg).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import scenarios as sc
import wrk
from seed import Backend, create_site, drop_site
from servers import Server, free_port, maju_server

BENCH_DIR = Path(__file__).resolve().parent
PROFILED = ("list", "create")
RATE = 200  # samples per second
_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^():]+)(?::\d+)?\)$")
_PATH_TAILS = ("site-packages/", "/work/main/", "lib/python3.")
MAJU_PATHS = tuple(f"({room}" for room in ("maju/", "apps/", "bench/"))


def ensure_py_spy() -> str:
    """py-spy next to this interpreter, pip-installed into the venv when missing."""
    local = Path(sys.executable).parent / "py-spy"
    if not local.exists() and not shutil.which("py-spy"):
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "py-spy"], check=True, timeout=600
        )
    return str(local) if local.exists() else str(shutil.which("py-spy"))


def frame_label(frame: str) -> str:
    """`func (path:line)` -> `func (short/path.py)`: one name per function, lines merged."""
    match = _FRAME.match(frame.strip())
    if match is None:
        return frame.strip()
    path = match["file"]
    for tail in _PATH_TAILS:
        if tail in path:
            path = path.split(tail, 1)[1]
            break
    return f"{match['func']} ({path})"


def stacks(raw: str) -> Iterator[tuple[list[str], int]]:
    """py-spy's raw (collapsed) format: `frame;frame;... count`, outermost first."""
    for line in raw.splitlines():
        text, _, count = line.rpartition(" ")
        if text and count.isdigit():
            frames = [f for f in text.split(";") if not f.startswith(("process ", "thread "))]
            yield [frame_label(f) for f in frames], int(count)


@dataclass(frozen=True, slots=True)
class Hotspots:
    samples: int
    own: list[tuple[str, float]]  # (function, share of samples as the innermost frame)
    maju: list[tuple[str, float]]  # maju's own functions, share of samples anywhere on the stack


def hot_functions(raw: str, top: int) -> Hotspots:
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    samples = 0
    for frames, count in stacks(raw):
        if not frames:
            continue
        samples += count
        own[frames[-1]] += count
        for label in set(frames):
            inclusive[label] += count
    ours = [(f, n) for f, n in inclusive.most_common() if any(p in f for p in MAJU_PATHS)]
    return (
        Hotspots(
            samples,
            [(f, n / samples) for f, n in own.most_common(top)],
            [(f, n / samples) for f, n in ours[:top]],
        )
        if samples
        else Hotspots(0, [], [])
    )


def record(py_spy: str, pid: int, seconds: int, output: Path, fmt: str) -> subprocess.Popen[bytes]:
    argv = [
        py_spy,
        "record",
        "--pid",
        str(pid),
        "--duration",
        str(seconds),
        "--rate",
        str(RATE),
        "--gil",
        "--format",
        fmt,
        "--output",
        str(output),
    ]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def sampled_load(
    py_spy: str,
    wrk_binary: str,
    server: Server,
    scenario: sc.Scenario,
    authorization: str,
    seconds: int,
    outputs: list[tuple[int, Path, str]],
) -> wrk.WrkResult:
    """Run wrk for `seconds` while py-spy records each (pid, output, format)."""
    recorders = [record(py_spy, pid, seconds, output, fmt) for pid, output, fmt in outputs]
    result = wrk.run(
        wrk_binary,
        server.base_url + scenario.path,
        connections=32,
        threads=1,
        duration_s=seconds + 1,
        headers={"Authorization": authorization},
        script=scenario.script,
    )
    for recorder in recorders:
        _, errors = recorder.communicate(timeout=seconds + 60)
        if recorder.returncode != 0:
            raise RuntimeError(f"py-spy failed: {errors.decode(errors='replace')}")
    return result


def profile_scenario(
    py_spy: str,
    wrk_binary: str,
    server: Server,
    scenario: sc.Scenario,
    authorization: str,
    seconds: int,
    workdir: Path,
) -> str:
    """Raw stacks of both workers under load, then a flame graph of the busier one.

    wrk's connections are accepted by whichever worker wakes first, so the split between the
    workers is uneven: the shares are computed over both workers' samples together.
    """
    title = f"### {scenario.title}"
    reason = sc.unavailable_reason(sc.probe(server.base_url, scenario, authorization))
    if reason is not None:
        return f"{title}\n\n{reason}\n"
    workers = server.worker_pids()[:2]
    if not workers:
        return f"{title}\n\nno worker process found to profile\n"
    raws = [(pid, workdir / f"{scenario.key}-{pid}.txt", "raw") for pid in workers]
    svg = BENCH_DIR / f"profile-{scenario.key}.svg"
    try:
        result = sampled_load(py_spy, wrk_binary, server, scenario, authorization, seconds, raws)
        texts = {pid: path.read_text() if path.exists() else "" for pid, path, _ in raws}
        per_worker = {pid: hot_functions(text, 0).samples for pid, text in texts.items()}
        busiest = max(per_worker, key=lambda pid: per_worker[pid])
        sampled_load(
            py_spy,
            wrk_binary,
            server,
            scenario,
            authorization,
            seconds,
            [(busiest, svg, "flamegraph")],
        )
    except RuntimeError as exc:
        return f"{title}\n\n{exc}\n"
    hot = hot_functions("\n".join(texts.values()), 15)
    busy = ", ".join(f"{n / (RATE * seconds):.0%}" for n in per_worker.values())
    lines = [
        f"{title} ({result.requests_per_s:,.0f} req/s under py-spy)",
        "",
        f"`{scenario.method} {unquote(scenario.path)}`",
        "",
        f"GIL held by each worker: {busy} of the time ({hot.samples} samples in all). "
        f"Flame graph of the busier worker: bench/{svg.name}.",
        "",
        "| self % | function (innermost Python frame) |",
        "| ---: | --- |",
    ]
    lines += [f"| {share:.1%} | {name} |" for name, share in hot.own]
    lines += ["", "| inclusive % | maju function (anywhere on the stack) |", "| ---: | --- |"]
    lines += [f"| {share:.1%} | {name} |" for name, share in hot.maju]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument(
        "--scenarios", default=",".join(PROFILED), help="scenario keys to profile, comma-separated"
    )
    args = parser.parse_args(argv)
    backend: Backend = args.backend
    py_spy, wrk_binary = ensure_py_spy(), wrk.ensure_wrk()
    sections: list[str] = []
    with tempfile.TemporaryDirectory(prefix="maju-profile-") as tmp:
        workdir = Path(tmp)
        port = free_port()
        site = asyncio.run(create_site(backend, args.rows, workdir, args.postgres_url, port, 8))
        server = maju_server(site.config_path, port, workdir / "maju.log")
        try:
            server.start()
            for scenario in sc.scenarios(site.sample_name):
                if scenario.key in args.scenarios.split(","):
                    sections.append(
                        profile_scenario(
                            py_spy,
                            wrk_binary,
                            server,
                            scenario,
                            site.authorization,
                            args.duration,
                            workdir,
                        )
                    )
        finally:
            server.stop()
            asyncio.run(drop_site(site))
    text = (
        f"# maju profile: {backend}, {args.rows:,} ToDo rows, 32 connections\n\n"
        "py-spy samples both maju workers at 200 Hz with --gil: only stacks holding the "
        "GIL, so this is the Python work; SQLite's and the network's own time runs without "
        "the GIL and does not show.\n\n" + "\n".join(sections)
    )
    (BENCH_DIR / "profile.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
