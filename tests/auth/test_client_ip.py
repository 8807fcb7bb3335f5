"""Client IP, scheme and host behind proxies (C5): X-Forwarded-* only from trusted peers."""

from __future__ import annotations

from typing import Any

from maju.auth.client_ip import UNIX_SOCKET, request_origin, resolve_peer

TRUSTED = ("10.0.0.1", "192.168.0.0/16", "fd00::/8")


def scope(peer: str | None, **headers: str) -> dict[str, Any]:
    return {
        "type": "http",
        "scheme": "http",
        "client": (peer, 5000) if peer else None,
        "server": ("testserver", 80),
        "headers": [(k.replace("_", "-").lower().encode(), v.encode()) for k, v in headers.items()],
    }


def test_c5_peer_address_when_untrusted() -> None:
    peer = resolve_peer(
        scope(
            "203.0.113.5",
            X_Forwarded_For="1.2.3.4",
            X_Forwarded_Proto="https",
            X_Forwarded_Host="evil.example",
        ),
        TRUSTED,
    )
    assert (peer.ip, peer.scheme, peer.host) == ("203.0.113.5", "http", None)
    assert resolve_peer(scope("203.0.113.5"), ()).ip == "203.0.113.5"


def test_c5_forwarded_for_read_right_to_left() -> None:
    headers = {"X_Forwarded_For": "6.6.6.6, 198.51.100.7, 192.168.3.4"}
    peer = resolve_peer(scope("10.0.0.1", **headers), TRUSTED)
    # The client may put anything on the left; the first untrusted hop from the right wins.
    assert peer.ip == "198.51.100.7" and peer.via_proxy
    assert (
        resolve_peer(scope("192.168.9.9", X_Forwarded_For="198.51.100.8"), TRUSTED).ip
        == "198.51.100.8"
    )


def test_c5_cidr_and_ipv6() -> None:
    peer = resolve_peer(scope("fd00::1", X_Forwarded_For="2001:db8::5"), TRUSTED)
    assert peer.ip == "2001:db8::5"
    assert resolve_peer(scope("10.0.0.2", X_Forwarded_For="1.1.1.1"), TRUSTED).ip == "10.0.0.2"


def test_c5_unix_socket_peer_reads_forwarded_headers() -> None:
    peer = resolve_peer(
        scope(
            None,
            X_Forwarded_For="198.51.100.9",
            X_Forwarded_Proto="https",
            X_Forwarded_Host="erp.example.com",
        ),
        (),
    )
    assert (peer.ip, peer.scheme, peer.host) == ("198.51.100.9", "https", "erp.example.com")
    assert resolve_peer(scope(None), ()).ip == UNIX_SOCKET


def test_c5_proto_and_host_honoured_only_from_trusted() -> None:
    trusted = scope(
        "10.0.0.1",
        Host="internal:8000",
        X_Forwarded_Proto="https",
        X_Forwarded_Host="erp.example.com",
    )
    assert request_origin(trusted, TRUSTED) == "https://erp.example.com"
    untrusted = scope(
        "203.0.113.1",
        Host="internal:8000",
        X_Forwarded_Proto="https",
        X_Forwarded_Host="erp.example.com",
    )
    assert request_origin(untrusted, TRUSTED) == "http://internal:8000"
    assert request_origin(scope("203.0.113.1", Host="site:80"), ()) == "http://site"


def test_c5_garbage_forwarded_values_are_not_trusted_hops() -> None:
    peer = resolve_peer(scope("10.0.0.1", X_Forwarded_For="not-an-ip"), TRUSTED)
    assert peer.ip == "not-an-ip"  # opaque, but only ever a counter key, never an address
    peer = resolve_peer(scope("10.0.0.1", X_Forwarded_Proto="gopher"), TRUSTED)
    assert peer.scheme == "http"
