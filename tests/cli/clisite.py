"""A throw-away site driven through the real `maju` command, in subprocesses.

`CliSite` runs `python -m maju.cli ...` in the site's folder with its own environment (the
PostgreSQL URL and schema included, when the test runs on PostgreSQL); `serving` starts
`maju serve` and stops exactly that process.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx

from maju.config import Config, load_config
from tests.servers import START_SECONDS, free_port

T = TypeVar("T")

UP_TO_DATE = "Schema is up to date: nothing to change."
CLI = (sys.executable, "-m", "maju.cli")


@dataclass
class CliSite:
    root: Path
    env: dict[str, str]
    backend: str = "sqlite"

    @property
    def config_path(self) -> Path:
        return self.root / "config.toml"

    @property
    def todo_json(self) -> Path:
        return self.root / "apps" / "todo" / "doctype" / "todo" / "todo.json"

    def config(self) -> Config:
        return load_config(self.config_path, environ=self.env)

    def append_config(self, text: str) -> None:
        with self.config_path.open("a", encoding="utf-8") as config:
            config.write(text)

    def run(
        self, *args: str, stdin: str | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*CLI, *args],
            cwd=self.root,
            env={**self.env, **(env or {})},
            input=stdin if stdin else "",
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def ok(self, *args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> str:
        done = self.run(*args, stdin=stdin, env=env)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def fails(self, *args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> str:
        """Run a command that must fail with exactly one clean `Error: ...` line."""
        done = self.run(*args, stdin=stdin, env=env)
        assert done.returncode != 0
        assert "Traceback" not in done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), done.stderr
        return lines[0]


# Runs the command on a new pseudo-terminal (its controlling terminal, so getpass hides the
# typing there) and types each line of its own stdin once a prompt ("...: ") is showing: typing
# earlier would be flushed when getpass turns echo off. Prints the screen; exits as the command.
_ON_TERMINAL = """
import os, pty, sys
answers = sys.stdin.read().splitlines()
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.executable, [sys.executable, *sys.argv[1:]])
screen = b""
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    screen += chunk
    if answers and screen.rstrip(b" ").endswith(b":"):
        os.write(fd, answers.pop(0).encode() + b"\\n")
sys.stdout.write(screen.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
"""


def on_terminal(site: CliSite, *args: str, typed: str) -> subprocess.CompletedProcess[str]:
    """`maju ARGS` on a pseudo-terminal, typing the lines of `typed` at its prompts."""
    return subprocess.run(
        [sys.executable, "-c", _ON_TERMINAL, *CLI[1:], *args],
        cwd=site.root,
        env=site.env,
        input=typed,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def wait_for(probe: Callable[[], T | None], what: str, log: Path | None = None) -> T:
    """Poll `probe` until it returns a value; a starting or reloading server refuses
    connections meanwhile. Fails after START_SECONDS, showing the server's log."""
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            found = probe()
        except httpx.TransportError:
            found = None
        if found is not None:
            return found
        shown = log.read_text(encoding="utf-8", errors="replace") if log else ""
        assert time.monotonic() < deadline, f"{what} not seen in {START_SECONDS} s\n{shown}"
        time.sleep(0.1)  # polling a starting process, not timing behaviour


@dataclass(frozen=True)
class Served:
    """A running `maju serve`: where to reach it and where it logs."""

    url: str
    log: Path
    process: subprocess.Popen[bytes]

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@contextmanager
def serving(
    site: CliSite,
    *args: str,
    uds: Path | None = None,
    env: dict[str, str] | None = None,
    log_name: str = "serve.log",
) -> Iterator[Served]:
    """`maju serve ARGS` on a free port (or on the UNIX socket `uds`), once it answers ping;
    for a socket the URL is the one to send through `httpx.HTTPTransport(uds=...)`."""
    port = free_port()
    where = ["--uds", str(uds)] if uds else ["--port", str(port)]
    log = site.root / log_name
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*CLI, "serve", *where, *args],
            cwd=site.root,
            env={**site.env, **(env or {})},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = "http://maju" if uds else f"http://127.0.0.1:{port}"

    def ping() -> bool | None:
        assert process.poll() is None, log.read_text()
        # httpcore leaks the socket of a refused UNIX connection: wait for the file.
        if uds is not None and not uds.exists():
            return None
        with httpx.Client(transport=httpx.HTTPTransport(uds=str(uds) if uds else None)) as c:
            return c.get(f"{base}/api/method/ping", timeout=5).status_code == 200 or None

    try:
        wait_for(ping, "maju serve answering ping", log)
        yield Served(base, log, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
