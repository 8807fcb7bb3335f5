"""`maju serve`: start-up refusals, proxy headers (C5, A13) and the log level."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.cli.clisite import CliSite, serving
from tests.servers import free_port


def test_serve_refuses_to_start_without_a_secret_key(cli_site: CliSite) -> None:
    # Production mode (the default) and a site never migrated: no generated key yet.
    line = cli_site.fails("serve", "--port", str(free_port()))
    assert "site.secret_key is empty" in line


@pytest.mark.parametrize("workers", ["0", "-2"])
def test_serve_refuses_fewer_than_one_worker(cli_site: CliSite, workers: str) -> None:
    """Issue 10 item 14: uvicorn would start with no worker and serve nothing."""
    cli_site.append_config('secret_key = "k"\n')  # still in [site]: refused for the workers
    line = cli_site.fails("serve", "--port", str(free_port()), "--workers", workers)
    assert line == f"Error: the number of workers must be at least 1, got {workers}"
    line = cli_site.fails("serve", "--port", str(free_port()), env={"MAJU_SERVER__WORKERS": "0"})
    assert line == "Error: the number of workers must be at least 1, got 0"


# ---------------------------------------------------------------------------------------- log


def test_log_level_from_config_and_from_the_command_line(migrated_site: CliSite) -> None:
    """[log] level = "warning" silences uvicorn's start-up lines and the access log;
    `--log-level info` brings them back for one run."""
    migrated_site.append_config('[log]\nlevel = "warning"\n')
    with serving(migrated_site, log_name="quiet.log") as served:
        httpx.get(f"{served.url}/api/method/ping")
    quiet = served.log_text()
    assert "Application startup complete" not in quiet and "GET /api/method/ping" not in quiet

    with serving(migrated_site, "--log-level", "INFO", log_name="loud.log") as served:
        httpx.get(f"{served.url}/api/method/ping")
    loud = served.log_text()
    assert "Application startup complete" in loud and '"GET /api/method/ping' in loud


def test_bad_log_levels_are_refused(migrated_site: CliSite) -> None:
    line = migrated_site.fails("serve", env={"MAJU_LOG__LEVEL": "loud"})
    assert line == (
        "Error: config key log.level must be one of debug, info, warning, error, critical, "
        "got 'loud'"
    )
    done = migrated_site.run("serve", "--log-level", "loud")
    assert done.returncode == 2 and "Invalid value for '--log-level'" in done.stderr


# ---------------------------------------------------------------------------------- C5, A13


def _fail_login(base: str, user: str, forwarded_for: str, uds: Path | None = None) -> int:
    with httpx.Client(transport=httpx.HTTPTransport(uds=str(uds) if uds else None)) as client:
        r = client.post(
            f"{base}/api/method/login",
            json={"usr": user, "pwd": "wrong"},
            headers={"X-Forwarded-For": forwarded_for},
        )
    return r.status_code


def _lock_after_three(site: CliSite) -> None:
    site.append_config("[auth]\nlogin_max_attempts = 3\nlogin_lock_seconds = 600\n")


@pytest.mark.parametrize("trusted", [False, True], ids=["default", "trusted_proxies"])
def test_c5_a13_serve_reads_x_forwarded_for_only_from_trusted_proxies(
    migrated_site: CliSite, trusted: bool
) -> None:
    """Issue 10 item 12: with the default `proxy.trusted_proxies = []`, a client on 127.0.0.1
    cannot dodge per-IP lockout by sending a new X-Forwarded-For each time (uvicorn's own proxy
    headers used to trust 127.0.0.1); listing 127.0.0.1 makes the forwarded address the client."""
    _lock_after_three(migrated_site)
    if trusted:
        migrated_site.append_config('[proxy]\ntrusted_proxies = ["127.0.0.1"]\n')
    with serving(migrated_site, "--no-access-log") as served:
        base = served.url
        # Three wrong passwords, for three unknown users, each "from" another address.
        for n in range(3):
            assert _fail_login(base, f"u{n}@example.com", f"198.51.100.{n}") == 401
        # A fourth user and address: the peer 127.0.0.1 is locked unless it is a proxy.
        fourth = _fail_login(base, "u3@example.com", "198.51.100.3")
        if not trusted:
            assert fourth == 429
            return
        assert fourth == 401
        for n in range(3):
            assert _fail_login(base, f"v{n}@example.com", "198.51.100.9") == 401
        # 198.51.100.9 has its three failures now; any user from it is locked ...
        assert _fail_login(base, "u5@example.com", "198.51.100.9") == 429
        # ... and the right-most untrusted hop is the client, whatever is on its left.
        assert _fail_login(base, "u6@example.com", "198.51.100.9, 198.51.100.7") == 401
        assert _fail_login(base, "u7@example.com", "198.51.100.7, 198.51.100.9") == 429


def test_c5_a13_serve_on_a_unix_socket_trusts_only_the_last_forwarded_hop(
    migrated_site: CliSite, tmp_path: Path
) -> None:
    """Behind nginx on `--uds` the socket peer is trusted (C5): the right-most X-Forwarded-For
    entry (the one nginx appends) is the client, never a left-hand one the client wrote."""
    _lock_after_three(migrated_site)
    socket = tmp_path / "maju.sock"
    with serving(migrated_site, "--no-access-log", uds=socket) as served:
        base = served.url
        for n in range(3):  # the client forges a new left-hand address each time
            forged = f"203.0.113.{n}, 198.51.100.1"
            assert _fail_login(base, f"u{n}@example.com", forged, socket) == 401
        assert _fail_login(base, "u3@example.com", "203.0.113.9, 198.51.100.1", socket) == 429
        assert _fail_login(base, "u4@example.com", "198.51.100.1, 198.51.100.2", socket) == 401
