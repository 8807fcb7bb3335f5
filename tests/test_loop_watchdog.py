"""The event-loop watchdog itself (S12, tests/loop_watchdog.py): it fails a test whose request
blocks the loop, names it and the time, and lets everything else pass.

A small suite runs in its own pytest process against a bare Starlette app, so what it judges is
only what each case does.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.sites import REPO_ROOT

CASES = """
import asyncio
import time

import httpx
import pytest
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.responses import PlainTextResponse
from starlette.routing import Route


async def sleeps(request):
    time.sleep(0.3)
    return PlainTextResponse("slept")


async def spins(request):
    end = time.thread_time() + 0.3  # CPU time: a loaded machine cannot make it shorter
    while time.thread_time() < end:
        pass
    return PlainTextResponse("spun")


async def awaits(request):
    await asyncio.sleep(0.3)
    return PlainTextResponse("waited")


async def threads(request):
    await run_in_threadpool(time.sleep, 0.3)
    return PlainTextResponse("threaded")


app = Starlette(routes=[Route(f"/{f.__name__}", f) for f in (sleeps, spins, awaits, threads)])


async def get(path):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.get(path)


async def test_sleeping_request():
    assert (await get("/sleeps")).text == "slept"


async def test_spinning_request():
    assert (await get("/spins")).text == "spun"


async def test_awaiting_request():
    assert (await get("/awaits")).text == "waited"


async def test_request_using_a_thread():
    assert (await get("/threads")).text == "threaded"


async def test_blocking_outside_a_request():
    time.sleep(0.3)  # the test's own work before and after a request is not judged
    assert (await get("/threads")).text == "threaded"
    time.sleep(0.3)


@pytest.mark.allow_loop_blocking("this case blocks on purpose")
async def test_marked_request():
    assert (await get("/sleeps")).text == "slept"
"""


def run_cases(tmp_path: Path, **env: str) -> str:
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
        "addopts = -p tests.loop_watchdog -p no:cacheprovider --strict-markers\n",
        encoding="utf-8",
    )
    (tmp_path / "test_cases.py").write_text(CASES, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rfE", "-p", "no:xdist", str(tmp_path)],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT), "MAJU_LOOP_BLOCK_MS": "100", **env},
        capture_output=True,
        text=True,
        timeout=300,  # a guard against a hang, not a timing expectation
        check=False,
    )
    return result.stdout + result.stderr


def outcomes(output: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in output.splitlines():
        if line.startswith("FAILED test_cases.py::"):
            found[line.split("::", 1)[1].split(" ", 1)[0]] = "failed"
    return found


def test_s12_a_request_blocking_the_loop_fails_its_test(tmp_path: Path) -> None:
    output = run_cases(tmp_path)
    assert outcomes(output) == {
        "test_sleeping_request": "failed",
        "test_spinning_request": "failed",
    }, output
    assert "2 failed, 4 passed" in output, output
    assert "a request blocked the event loop for more than 100 ms" in output
    assert "time.sleep(0.3)" in output  # where the loop was stuck
    assert "@pytest.mark.allow_loop_blocking" in output


def test_s12_watchdog_can_be_turned_off(tmp_path: Path) -> None:
    output = run_cases(tmp_path, MAJU_LOOP_BLOCK_MS="0")
    assert "6 passed" in output, output
