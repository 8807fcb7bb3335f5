"""C5: the client's address, scheme and host, trusting X-Forwarded-* only from known proxies."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import lru_cache

from starlette.datastructures import Headers
from starlette.types import Scope

from maju.context import NO_CLIENT

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# The peer of a UNIX-socket connection has no address.
UNIX_SOCKET = NO_CLIENT


@lru_cache(maxsize=32)
def parse_networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    """`proxy.trusted_proxies` as networks; a bare address is a /32 (or /128)."""
    return tuple(
        ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip()
    )


def _is_trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip.version == net.version and ip in net for net in networks)


@dataclass(frozen=True, slots=True)
class Peer:
    """Who sent the request, after C5's proxy rule."""

    ip: str
    scheme: str
    host: str | None  # X-Forwarded-Host from a trusted proxy, else None (use Host)
    via_proxy: bool


def resolve_peer(scope: Scope, trusted_proxies: tuple[str, ...]) -> Peer:
    """C5: the peer address, unless the peer is a trusted proxy or a UNIX socket.

    Then X-Forwarded-For is read right to left and the first address that is not a trusted
    proxy is the client; X-Forwarded-Proto and X-Forwarded-Host are honoured on that condition.
    Anyone else's X-Forwarded-* headers are ignored, so a client cannot pick its own IP.
    """
    client = scope.get("client")
    peer = str(client[0]) if client else UNIX_SOCKET
    scheme = str(scope.get("scheme", "http"))
    networks = parse_networks(trusted_proxies)
    if peer != UNIX_SOCKET and not _is_trusted(peer, networks):
        return Peer(peer, scheme, None, via_proxy=False)
    headers = Headers(scope=scope)
    hops = [h.strip() for h in headers.get("x-forwarded-for", "").split(",") if h.strip()]
    ip = peer
    for hop in reversed(hops):
        ip = hop
        if not _is_trusted(hop, networks):
            break
    proto = headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    host = headers.get("x-forwarded-host", "").split(",")[0].strip() or None
    return Peer(ip, proto if proto in ("http", "https") else scheme, host, via_proxy=True)


def request_origin(scope: Scope, trusted_proxies: tuple[str, ...]) -> str:
    """`scheme://host[:port]` of the request as the client addressed it (A10)."""
    peer = resolve_peer(scope, trusted_proxies)
    host = peer.host or Headers(scope=scope).get("host", "")
    if not host:
        server = scope.get("server")
        host = f"{server[0]}:{server[1]}" if server else "localhost"
    default_port = {"http": ":80", "https": ":443"}[
        peer.scheme if peer.scheme in ("http", "https") else "http"
    ]
    if host.endswith(default_port):
        host = host[: -len(default_port)]
    return f"{peer.scheme}://{host.lower()}"
