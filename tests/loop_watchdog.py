"""The event-loop watchdog (S12): a test fails when a request blocked the event loop > 100 ms.

Every asyncio callback on the test's thread is timed (`Handle._run` is wrapped); one that runs
while a request is inside the app (an `httpx.ASGITransport` call is in flight, or begins during
it) is the app's work, and is judged. Fixture and test-body work outside requests (migrations,
site building, hypothesis drawing examples) is not: only request handling must stay responsive.

Wall time alone would blame a loaded machine (two cores, several pytest workers) for waits that
are not the callback's doing, so a callback's blocking time is counted from Linux's per-thread
`/proc/self/task/<tid>/schedstat` instead: its time on the CPU (less garbage-collection pauses),
plus the time it slept (a sync file read, a lock, `time.sleep`, a network call) less what other
threads explain: `Thread.start` waiting for a new worker to be scheduled (anyio's and
aiosqlite's; a new event loop per test starts new ones), and the CPU time the process's other
threads used meanwhile, during which the loop may have waited for the GIL. Time spent waiting
for a CPU does not count at all. Without schedstat (not Linux), the wall time less GC pauses
and thread starts is used. A sampler thread copies the loop thread's stack once a callback has
run for half the limit, so the failure says where the loop was stuck.

`MAJU_LOOP_BLOCK_MS` sets the limit (default 100; 0 turns the watchdog off). A test that must
block on purpose says why: `@pytest.mark.allow_loop_blocking("reason")`.
"""

from __future__ import annotations

import asyncio
import gc
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

MARKER = "allow_loop_blocking"
SAMPLE_SECONDS = 0.01
_KEY = pytest.StashKey["LoopWatch"]()


@dataclass(frozen=True, slots=True)
class Block:
    blocked: float  # seconds on the CPU or blocked in the thread
    wall: float
    why: str  # how the wall time divides up
    callback: str
    stack: str | None


class _SchedStat:
    """The loop thread's nanoseconds on a CPU and waiting for one, from Linux's schedstat."""

    def __init__(self, native_id: int) -> None:
        try:
            self._fd: int | None = os.open(f"/proc/self/task/{native_id}/schedstat", os.O_RDONLY)
        except OSError:
            self._fd = None

    @property
    def known(self) -> bool:
        return self._fd is not None

    def read(self) -> tuple[int, int]:
        if self._fd is None:
            return 0, 0
        try:
            on_cpu, waiting = os.pread(self._fd, 128, 0).split()[:2]
            return int(on_cpu), int(waiting)
        except (OSError, ValueError):
            return 0, 0


@dataclass(frozen=True, slots=True)
class _Mark:
    """The clocks at one moment on the loop's thread."""

    at: float
    on_cpu_ns: int
    cpu_wait_ns: int
    process_cpu_ns: int
    gc_seconds: float
    thread_start_seconds: float


class LoopWatch:
    """Times the callbacks of the event loop on the thread that runs the tests.

    Only the part of a callback spent inside requests is judged: from its start if a request
    was in flight, else from the moment one began; to its end if one is still in flight, else
    to the moment the last one returned (the test body then carries on in the same callback).
    """

    def __init__(self, limit: float) -> None:
        self.limit = limit
        self.thread = threading.get_ident()
        self.schedstat = _SchedStat(threading.get_native_id())
        self.in_flight = 0
        self.blocks: list[Block] = []
        # Running totals of excused seconds; a callback's share is their growth while it ran.
        self.gc_seconds = 0.0
        self.thread_start_seconds = 0.0
        self._gc_began: float | None = None
        self._opened: _Mark | None = None  # the judged part of the running callback began
        self._closed: _Mark | None = None  # ... and ended, when no request is left in flight
        self._running_since: float | None = None
        self._stack: str | None = None

    def mark(self) -> _Mark:
        on_cpu, waiting = self.schedstat.read()
        return _Mark(
            time.perf_counter(),
            on_cpu,
            waiting,
            time.process_time_ns(),
            self.gc_seconds,
            self.thread_start_seconds,
        )

    def run(self, original: Callable[[asyncio.Handle], None], handle: asyncio.Handle) -> None:
        if threading.get_ident() != self.thread:
            original(handle)
            return
        self._opened = self.mark() if self.in_flight else None
        self._closed = None
        self._stack = None
        start = self._running_since = time.perf_counter()
        try:
            original(handle)
        finally:
            self._running_since = None
            opened = self._opened
            if opened is not None and time.perf_counter() - start >= self.limit:
                closed = self._closed if self.in_flight == 0 and self._closed else self.mark()
                self._judge(handle, opened, closed)

    def request_began(self) -> None:
        if threading.get_ident() == self.thread:
            if self._opened is None:
                self._opened = self.mark()
            self._closed = None
        self.in_flight += 1

    def request_ended(self) -> None:
        self.in_flight -= 1
        if self.in_flight == 0 and threading.get_ident() == self.thread:
            self._closed = self.mark()

    def _judge(self, handle: asyncio.Handle, opened: _Mark, closed: _Mark) -> None:
        wall = closed.at - opened.at
        gc_pauses = closed.gc_seconds - opened.gc_seconds
        thread_starts = closed.thread_start_seconds - opened.thread_start_seconds
        if self.schedstat.known:
            on_cpu = (closed.on_cpu_ns - opened.on_cpu_ns) / 1e9
            cpu_wait = (closed.cpu_wait_ns - opened.cpu_wait_ns) / 1e9
            others = (closed.process_cpu_ns - opened.process_cpu_ns) / 1e9 - on_cpu
            asleep = wall - on_cpu - cpu_wait
            blocked = max(0.0, on_cpu - gc_pauses) + max(0.0, asleep - thread_starts - others)
            why = (
                f"{on_cpu * 1000:.0f} ms on the CPU, {asleep * 1000:.0f} ms asleep while other "
                f"threads ran {others * 1000:.0f} ms, {cpu_wait * 1000:.0f} ms waiting for a CPU"
            )
        else:
            blocked = wall - gc_pauses - thread_starts
            why = "no schedstat: wall time"
        if gc_pauses or thread_starts:
            why += (
                f"; {gc_pauses * 1000:.0f} ms collecting garbage, "
                f"{thread_starts * 1000:.0f} ms starting threads"
            )
        if blocked >= self.limit:
            self.blocks.append(Block(blocked, wall, why, describe(handle), self._stack))

    def on_gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_began = time.perf_counter()
        elif self._gc_began is not None:
            self.gc_seconds += time.perf_counter() - self._gc_began
            self._gc_began = None

    def timed_thread_start(
        self, original: Callable[[threading.Thread], None], thread: threading.Thread
    ) -> None:
        if threading.get_ident() != self.thread:
            original(thread)
            return
        began = time.perf_counter()
        try:
            original(thread)
        finally:
            self.thread_start_seconds += time.perf_counter() - began

    def sample_forever(self) -> None:
        """The sampler thread: the loop thread's stack once a callback has run half the limit."""
        frames = sys._current_frames
        while True:
            time.sleep(SAMPLE_SECONDS)
            since = self._running_since
            if since is None or self._stack is not None:
                continue
            if time.perf_counter() - since >= self.limit / 2:
                frame = frames().get(self.thread)
                if frame is not None and self._running_since == since:
                    self._stack = "".join(traceback.format_stack(frame)[-12:])

    def take_blocks(self) -> list[Block]:
        blocks, self.blocks = self.blocks, []
        return blocks


def describe(handle: asyncio.Handle) -> str:
    """The coroutine a task step ran, else the callback's repr."""
    owner = getattr(getattr(handle, "_callback", None), "__self__", None)
    if isinstance(owner, asyncio.Task):
        coro = owner.get_coro()
        return f"task {owner.get_name()} running {getattr(coro, '__qualname__', coro)!r}"
    return repr(handle)


def report(blocks: list[Block], limit: float) -> str:
    lines = [f"a request blocked the event loop for more than {limit * 1000:.0f} ms:"]
    for block in blocks:
        lines.append(
            f"- {block.blocked * 1000:.0f} ms (wall {block.wall * 1000:.0f} ms: {block.why}) "
            f"in {block.callback}"
        )
        if block.stack:
            lines.append("  where the loop was after half the limit:\n" + block.stack)
    lines.append(f"(a test that must block says so: @pytest.mark.{MARKER}('why'))")
    return "\n".join(lines)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{MARKER}(reason): this test's requests may block the event loop"
    )
    limit = float(os.environ.get("MAJU_LOOP_BLOCK_MS", "100")) / 1000
    if limit <= 0:
        return
    watch = LoopWatch(limit)
    config.stash[_KEY] = watch
    original_run: Callable[[asyncio.Handle], None] = asyncio.events.Handle._run

    def timed_run(handle: asyncio.Handle) -> None:
        watch.run(original_run, handle)

    asyncio.events.Handle._run = timed_run  # type: ignore[method-assign, assignment]
    original_send = httpx.ASGITransport.handle_async_request

    async def counted_send(self: httpx.ASGITransport, request: httpx.Request) -> httpx.Response:
        watch.request_began()
        try:
            return await original_send(self, request)
        finally:
            watch.request_ended()

    httpx.ASGITransport.handle_async_request = counted_send  # type: ignore[method-assign]
    original_start = threading.Thread.start

    def timed_start(thread: threading.Thread) -> None:
        watch.timed_thread_start(original_start, thread)

    threading.Thread.start = timed_start  # type: ignore[method-assign, assignment]
    gc.callbacks.append(watch.on_gc)
    threading.Thread(target=watch.sample_forever, name="loop-watchdog", daemon=True).start()


def _check(item: pytest.Item) -> None:
    watch = item.config.stash.get(_KEY, None)
    if watch is None:
        return
    blocks = watch.take_blocks()
    if blocks and item.get_closest_marker(MARKER) is None:
        pytest.fail(report(blocks, watch.limit), pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, Any, Any]:
    watch = item.config.stash.get(_KEY, None)
    if watch is not None:
        watch.take_blocks()  # anything before this test is not its doing
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, Any]:
    result = yield  # a failing test keeps its own failure
    _check(item)  # requests made by the test and by its fixtures' setup
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(
    item: pytest.Item, nextitem: pytest.Item | None
) -> Generator[None, Any, Any]:
    result = yield
    _check(item)  # requests made while tearing down
    return result
