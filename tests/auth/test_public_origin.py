"""S13: the origin of absolute URLs comes from site.base_url or an allowed host, never any Host."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from maju.auth.public_origin import HostPort, host_allowed, parse_host, public_origin
from maju.config import Config, ProxyConfig, SiteConfig


def scope(peer: str | None = "203.0.113.5", **headers: str) -> dict[str, Any]:
    return {
        "type": "http",
        "scheme": "http",
        "client": (peer, 5000) if peer else None,
        "server": ("10.1.1.1", 8000),
        "headers": [(k.replace("_", "-").lower().encode(), v.encode()) for k, v in headers.items()],
    }


def config(trusted: tuple[str, ...] = (), **site: Any) -> Config:  # Any: SiteConfig fields
    return Config(
        site=dataclasses.replace(SiteConfig(), **site),
        proxy=ProxyConfig(trusted_proxies=trusted),
    )


def test_s13_default_allowed_hosts_are_loopback_names() -> None:
    assert SiteConfig().allowed_hosts == ("localhost", "127.0.0.1", "[::1]")


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [
        ("localhost", HostPort("localhost", None)),
        ("LocalHost:8000", HostPort("localhost", 8000)),
        ("[::1]:8000", HostPort("[::1]", 8000)),
        ("::1", HostPort("[::1]", None)),
        ("erp.example.com.", HostPort("erp.example.com", None)),
        ("127.0.0.1:80", HostPort("127.0.0.1", 80)),
    ],
)
def test_s13_parse_host(raw: str, parsed: HostPort) -> None:
    assert parse_host(raw) == parsed


@pytest.mark.parametrize(
    "raw",
    ["", "evil.example/x", "user@evil.example", "a b", "localhost:", "localhost:99999", "x:0"],
)
def test_s13_malformed_hosts_are_none(raw: str) -> None:
    assert parse_host(raw) is None


def test_s13_host_port_forms() -> None:
    default = SiteConfig().allowed_hosts
    for host in ("localhost", "localhost:8000", "127.0.0.1:1", "[::1]:8000"):
        assert host_allowed(parse_host(host) or HostPort("", None), "http", default), host
    assert not host_allowed(HostPort("evil.example", None), "http", default)
    assert not host_allowed(HostPort("localhost.evil.example", None), "http", default)
    pinned = ("erp.example.com:8443", "api.example.com:80")
    assert host_allowed(HostPort("erp.example.com", 8443), "https", pinned)
    assert not host_allowed(HostPort("erp.example.com", 443), "https", pinned)
    assert not host_allowed(HostPort("erp.example.com", None), "https", pinned)
    # No port in the request means the scheme's default one.
    assert host_allowed(HostPort("api.example.com", None), "http", pinned)
    assert not host_allowed(HostPort("api.example.com", None), "https", pinned)
    domain = (".example.com",)
    assert host_allowed(HostPort("example.com", None), "http", domain)
    assert host_allowed(HostPort("a.b.example.com", 9000), "http", domain)
    assert not host_allowed(HostPort("badexample.com", None), "http", domain)
    assert host_allowed(HostPort("anything", None), "http", ("*",))
    assert not host_allowed(HostPort("localhost", None), "http", ())


def test_s13_base_url_wins_over_any_host() -> None:
    chosen = config(base_url="https://erp.example.com/")
    assert public_origin(scope(Host="evil.example"), chosen) == "https://erp.example.com"


def test_s13_request_origin_only_for_allowed_hosts(caplog: pytest.LogCaptureFixture) -> None:
    assert public_origin(scope(Host="localhost:8000"), config()) == "http://localhost:8000"
    assert public_origin(scope(Host="localhost:80"), config()) == "http://localhost"
    assert public_origin(scope(Host="[::1]:8000"), config()) == "http://[::1]:8000"
    with caplog.at_level("WARNING", logger="maju.auth.public_origin"):
        assert public_origin(scope(Host="evil.example"), config()) is None
    assert "'evil.example'" in caplog.text and "site.allowed_hosts" in caplog.text
    # Without a Host header the bound address stands in, and it is not allowed either.
    assert public_origin(scope(), config()) is None
    assert public_origin(scope(), config(allowed_hosts=("10.1.1.1",))) == "http://10.1.1.1:8000"


def test_s13_c5_forwarded_host_only_from_trusted_proxies() -> None:
    forwarded = {
        "Host": "localhost",
        "X_Forwarded_Host": "evil.example",
        "X_Forwarded_Proto": "https",
    }
    # From an untrusted peer the forwarded headers are ignored: Host (allowed) decides.
    assert public_origin(scope(**forwarded), config()) == "http://localhost"
    # From a trusted proxy X-Forwarded-Host is the host, and it must itself be allowed.
    assert public_origin(scope("10.0.0.1", **forwarded), config(("10.0.0.1",))) is None
    behind = {"Host": "127.0.0.1:8000", "X_Forwarded_Host": "erp.example.com"}
    allowed = config(("10.0.0.1",), allowed_hosts=("erp.example.com",))
    assert (
        public_origin(scope("10.0.0.1", X_Forwarded_Proto="https", **behind), allowed)
        == "https://erp.example.com"
    )
