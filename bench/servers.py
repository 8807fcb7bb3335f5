"""Start and stop the servers under test: maju (`maju serve`, else uvicorn) and the reference."""

from __future__ import annotations

import dataclasses
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from maju.config import ServerConfig

BENCH_DIR = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent
UVICORN_FLAGS = (
    "--workers",
    "2",
    "--loop",
    "uvloop",
    "--http",
    "httptools",
    "--no-access-log",
    "--log-level",
    "warning",
    "--host",
    "127.0.0.1",
)


class ServerError(RuntimeError):
    """A server did not come up; the message carries the tail of its log."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """One server process group (uvicorn's manager and its workers) listening on 127.0.0.1."""

    label: str
    argv: list[str]
    env: dict[str, str]
    port: int
    log_path: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def command(self) -> str:
        return " ".join(
            Path(a).name if a.startswith("/") and i == 0 else a for i, a in enumerate(self.argv)
        )

    def start(self, timeout_s: float = 60.0) -> None:
        """Launch in its own session (so stop() reaches the workers) and wait for HTTP."""
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.argv,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerError(
                    f"{self.label} exited {self.process.returncode} at start:\n{self.log_tail()}"
                )
            if _answers_http(f"{self.base_url}/api/method/ping") and self._workers_ready():
                return
            time.sleep(0.2)
        self.stop()
        raise ServerError(
            f"{self.label} did not answer within {timeout_s:.0f} s:\n{self.log_tail()}"
        )

    def _workers_ready(self) -> bool:
        # With --workers 2 the first worker may answer before the second has started.
        return len(self.worker_pids()) >= 2 or len(descendants(self.pid)) == 0

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def worker_pids(self) -> list[int]:
        """uvicorn's worker processes (the manager's Python children, not its helpers)."""
        return [p for p in descendants(self.pid) if _is_worker(p)]

    def stop(self) -> None:
        """SIGTERM the whole process group, SIGKILL it after 10 s."""
        if self.process is None or self.process.poll() is not None:
            return
        pgid = self.process.pid  # start_new_session: the group id is the leader's pid
        try:
            os.killpg(pgid, signal.SIGTERM)
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(pgid, signal.SIGKILL)
            self.process.wait(timeout=10)
        except ProcessLookupError:
            pass

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def descendants(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            found += [child, *descendants(child)]
    return found


def _is_worker(pid: int) -> bool:
    """A Python child that is not multiprocessing's resource tracker."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return False
    return "python" in Path(cmdline[0]).name and not any("resource_tracker" in a for a in cmdline)


def _answers_http(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True  # any status means the server is up
    except (urllib.error.URLError, OSError):
        return False


def _base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAJU_", "BENCH_REF_"))}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def maju_serve_flags(port: int) -> list[str] | None:
    """The `maju serve` options to use, read from its --help; None when there is no CLI yet."""
    maju = VENV_BIN / "maju"
    argv = [str(maju)] if maju.exists() else [sys.executable, "-m", "maju.cli"]
    try:
        done = subprocess.run(
            [*argv, "serve", "--help"],
            capture_output=True,
            text=True,
            timeout=30,
            env=_base_env(),
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0 or "Usage" not in done.stdout:
        return None
    help_text = done.stdout
    flags = [*argv, "serve"]
    for option, value in (("--host", "127.0.0.1"), ("--port", str(port)), ("--workers", "2")):
        if option in help_text:
            flags += [option, value]
    if "--no-access-log" in help_text:
        flags.append("--no-access-log")
    return flags


def maju_server(config_path: Path, port: int, log_path: Path, prefer_cli: bool = True) -> Server:
    """maju behind `maju serve` when the CLI exists, else uvicorn on maju.app:asgi_app."""
    env = _base_env() | {"MAJU_CONFIG": str(config_path)}
    server_keys = {f.name for f in dataclasses.fields(ServerConfig)}
    env |= {
        f"MAJU_SERVER__{key.upper()}": value
        for key, value in (
            ("host", "127.0.0.1"),
            ("port", str(port)),
            ("workers", "2"),
            ("access_log", "false"),
        )
        if key in server_keys
    }
    flags = maju_serve_flags(port) if prefer_cli else None
    if flags is not None:
        return Server("maju", flags, env, port, log_path)
    argv = [
        sys.executable,
        "-m",
        "uvicorn",
        "maju.app:asgi_app",
        "--factory",
        *UVICORN_FLAGS,
        "--port",
        str(port),
    ]
    return Server("maju", argv, env, port, log_path)


def reference_server(
    database_url: str, schema: str, pool_size: int, port: int, log_path: Path
) -> Server:
    env = _base_env() | {
        "BENCH_REF_URL": database_url,
        "BENCH_REF_SCHEMA": schema,
        "BENCH_REF_POOL": str(pool_size),
    }
    argv = [
        sys.executable,
        "-m",
        "uvicorn",
        "reference_app:create_app",
        "--factory",
        "--app-dir",
        str(BENCH_DIR),
        *UVICORN_FLAGS,
        "--port",
        str(port),
    ]
    return Server("reference", argv, env, port, log_path)
