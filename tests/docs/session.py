"""A reader's session, replayed: a project folder laid out as a maju checkout, a shell whose
exported variables last from one command to the next, and the `maju serve` of `make run`.

The project holds a copy of the repository's `config.toml` and `pyproject.toml`, the example
app (`apps/todo`) and `.venv` (both linked), so a page's commands behave as in a fresh
checkout after `make run`.
Commands run with bash in the project folder, with this virtualenv's `bin` first on PATH (so
`maju` and `python` are the ones a reader gets from `make install`). On PostgreSQL every command
gets `MAJU_DATABASE__URL` and `MAJU_DATABASE__SCHEMA` naming the test's own schema.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.docs.matching import Bindings
from tests.docs.record import Recorder

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
COMMAND_SECONDS = 300  # a guard against a hung command, not a timing expectation
START_SECONDS = 120
PAGE_PORT = "127.0.0.1:8000"  # where the pages' `make run` serves


@dataclass(frozen=True, slots=True)
class Result:
    status: int
    output: str


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Session:
    """One page's run on one database."""

    def __init__(self, root: Path, database_env: dict[str, str]) -> None:
        self.project = root / "project"
        self.project.mkdir(parents=True)
        (self.project / "apps").mkdir()
        (self.project / "apps" / "todo").symlink_to(REPO_ROOT / "apps" / "todo")
        for name in ("config.toml", "pyproject.toml"):
            shutil.copyfile(REPO_ROOT / name, self.project / name)
        (self.project / ".venv").symlink_to(BIN.parent)  # `source .venv/bin/activate` works
        self.port = _free_port()
        self.log = root / "server.log"
        self._state = root / "shell-state.sh"
        self._state.write_text("", encoding="utf-8")
        self.env = self._base_env(database_env)
        port = str(self.port)
        self.bindings = Bindings(
            literal={PAGE_PORT: f"127.0.0.1:{port}", "localhost:8000": f"localhost:{port}"}
        )
        # DOCS_RECORD=1: outputs that differ are written into the page instead (for authors).
        self.recorder = Recorder() if os.environ.get("DOCS_RECORD") == "1" else None
        self._server: subprocess.Popen[bytes] | None = None
        self._served = ""  # the fingerprint of the files the running server read
        self._set_up = False
        self._restart = False

    def _base_env(self, database_env: dict[str, str]) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("MAJU_", "PYTEST_", "PYTHON", "VIRTUAL_ENV"))
        }
        env.update(database_env)
        env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
        env["VIRTUAL_ENV"] = str(BIN.parent)
        env["MAJU_SERVER__PORT"] = str(self.port)
        env["LC_ALL"] = "C.UTF-8"
        return env

    # ---- files ---------------------------------------------------------------------------

    def path(self, relative: str) -> Path:
        target = (self.project / relative).resolve()
        if self.project.resolve() not in target.parents:
            raise ValueError(f"{relative} is outside the project")
        if (self.project / "apps" / "todo").resolve() in target.parents:
            raise ValueError(f"{relative} would change the repository's example app")
        return target

    def write(self, relative: str, text: str, *, append: bool = False) -> None:
        target = self.path(relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("a" if append else "w", encoding="utf-8") as out:
            out.write(text)

    def edit_toml(self, relative: str, text: str) -> None:
        """Set, in the file, each `key = value` the block shows under its `[section]`: the
        way a reader edits the lines a page tells them to."""
        target = self.path(relative)
        lines = target.read_text(encoding="utf-8").splitlines()
        section = ""
        for line in text.splitlines():
            header = re.match(r"^\s*\[([^\]]+)\]\s*$", line)
            if header:
                section = header.group(1).strip()
                continue
            setting = re.match(r"^\s*([A-Za-z_][\w-]*)\s*=", line)
            if setting is None:
                continue
            lines = _replace_key(lines, section, setting.group(1), line.strip(), relative)
        target.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def _fingerprint(self) -> str:
        """The files the server reads at start: the apps (the example app never changes) and
        the config."""
        digest = hashlib.sha256()
        files = [self.project / "config.toml", *sorted((self.project / "apps").rglob("*"))]
        for file in files:
            if file.is_file() and "__pycache__" not in file.parts:
                digest.update(str(file).encode())
                digest.update(file.read_bytes())
        return digest.hexdigest()

    # ---- commands ------------------------------------------------------------------------

    def run(self, command: str) -> Result:
        """Run one command (bound values substituted) as a reader's shell would."""
        if "curl" in command:  # only requests need the server up to date
            self.restart_if_changed()
        script = (
            "set -o pipefail\n"
            f'source "{self._state}"\n'
            f"{self.bindings.command(command)}\n"
            "__doc_status=$?\n"
            f'export -p > "{self._state}"\n'
            "exit $__doc_status\n"
        )
        done = subprocess.run(
            ["bash", "-c", script],
            cwd=self.project,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=COMMAND_SECONDS,
            check=False,
        )
        return Result(done.returncode, done.stdout.decode("utf-8", "replace"))

    def maju(self, *args: str) -> Result:
        done = subprocess.run(
            [str(BIN / "maju"), *args],
            cwd=self.project,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=COMMAND_SECONDS,
            check=False,
        )
        return Result(done.returncode, done.stdout.decode("utf-8", "replace"))

    # ---- the server ------------------------------------------------------------------------

    def make_run(self) -> None:
        """What `make run` does: `maju setup` (the first time: later ones change nothing once
        the page has run `maju migrate`), then `maju serve`, started when a request needs it."""
        if not self._set_up:
            setup = self.maju("setup")
            if setup.status != 0:
                raise AssertionError(f"maju setup failed:\n{setup.output}")
            self._set_up = True
        self._restart = True

    def restart_if_changed(self) -> None:
        """(Re)start the server if `make run` asked for it or the project's files changed since
        it started: what `make run`'s reloader does, but before the next request, not later."""
        if self._restart or (self._server is not None and self._fingerprint() != self._served):
            self.stop()
            self._serve()
            self._restart = False

    def _serve(self) -> None:
        self._served = self._fingerprint()
        with self.log.open("ab") as out:
            self._server = subprocess.Popen(
                [str(BIN / "maju"), "serve", "--port", str(self.port), "--no-access-log"],
                cwd=self.project,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_SECONDS
        url = f"http://127.0.0.1:{self.port}/api/method/ping"
        while True:
            try:
                if httpx.get(url, timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self._server.poll() is not None:
                raise AssertionError(f"maju serve exited:\n{self.server_log()}")
            if time.monotonic() > deadline:
                log = self.server_log()
                raise AssertionError(f"maju serve not up in {START_SECONDS} s:\n{log}")
            time.sleep(0.05)  # polling a starting process, not timing behaviour

    def server_log(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _replace_key(lines: list[str], section: str, key: str, new: str, where: str) -> list[str]:
    """Replace the key's line in the section; a commented-out one (`# key = ...`) is taken
    when the key is not set, as a reader uncomments it."""
    for pattern in (rf"^\s*{re.escape(key)}\s*=", rf"^\s*#\s*{re.escape(key)}\s*="):
        current = ""
        for index, line in enumerate(lines):
            header = re.match(r"^\s*\[([^\]]+)\]\s*$", line)
            if header:
                current = header.group(1).strip()
            elif current == section and re.match(pattern, line):
                return [*lines[:index], new, *lines[index + 1 :]]
    raise AssertionError(f"{where} has no `{key}` in [{section}] to edit")
