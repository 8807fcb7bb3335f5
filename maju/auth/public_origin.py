"""S13: the public origin for absolute URLs maju sends, never taken blindly from `Host`.

A password-reset link (and later the OAuth issuer and redirects) built from the request's `Host`
header hands its secret to whoever chose that header. So the origin is `site.base_url` when set;
otherwise the request's own origin, but only when its host is listed in `site.allowed_hosts`.
`X-Forwarded-Host` and `X-Forwarded-Proto` count only from trusted proxies (C5, `resolve_peer`).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.types import Scope

from maju.auth.client_ip import resolve_peer
from maju.config import Config

log = logging.getLogger(__name__)

DEFAULT_PORTS = {"http": 80, "https": 443}
# A DNS name or IPv4 address, or a bracketed IPv6 address, then an optional port (as Django's
# host validation): anything else (spaces, `@`, `/`, a userinfo part) is never a host.
_HOST = re.compile(r"(?P<name>[a-z0-9.-]+|\[[a-f0-9]*:[a-f0-9.:]+\])(?::(?P<port>[0-9]{1,5}))?")


@dataclass(frozen=True, slots=True)
class HostPort:
    """A host name as compared (lower case, no trailing dot) and its port, if one was given."""

    name: str
    port: int | None


def parse_host(value: str) -> HostPort | None:
    """`name[:port]` from a `Host` header or an allowed-hosts entry; None when malformed.

    A bare IPv6 address (`::1`, only in config entries) is read as `[::1]`.
    """
    text = value.strip().lower()
    if text.count(":") > 1 and not text.startswith("["):
        text = f"[{text}]"
    match = _HOST.fullmatch(text)
    if match is None:
        return None
    port = int(match["port"]) if match["port"] is not None else None
    if port is not None and not 0 < port < 65536:
        return None
    name = match["name"]
    return HostPort(name if name.startswith("[") else name.rstrip("."), port)


def host_allowed(host: HostPort, scheme: str, allowed: tuple[str, ...]) -> bool:
    """Whether `host` matches an entry of `site.allowed_hosts`.

    An entry without a port allows the name on any port; `name:port` only that port (a request
    without a port is on its scheme's default). `.example.com` allows the domain and every
    subdomain, `*` any host (as Django's ALLOWED_HOSTS).
    """
    port = host.port if host.port is not None else DEFAULT_PORTS.get(scheme)
    for entry in allowed:
        if entry.strip() == "*":
            return True
        wanted = parse_host(entry)
        if wanted is None or (wanted.port is not None and wanted.port != port):
            continue
        if wanted.name == host.name:
            return True
        if wanted.name.startswith(".") and (
            host.name == wanted.name[1:] or host.name.endswith(wanted.name)
        ):
            return True
    return False


def public_origin(scope: Scope, config: Config) -> str | None:
    """The base of absolute URLs for this request (S13), without a trailing slash.

    `site.base_url` when set; else `scheme://host[:port]` of the request (after C5) when its host
    is in `site.allowed_hosts`; else None, logged with the reason, and the caller sends no URL.
    """
    if config.site.base_url:
        return config.site.base_url.rstrip("/")
    peer = resolve_peer(scope, config.proxy.trusted_proxies)
    raw = peer.host or Headers(scope=scope).get("host", "")
    if not raw and (server := scope.get("server")):  # HTTP/1.0 without Host: the bound address
        address = str(server[0])
        raw = f"[{address}]:{server[1]}" if ":" in address else f"{address}:{server[1]}"
    host = parse_host(raw)
    if host is None or not host_allowed(host, peer.scheme, config.site.allowed_hosts):
        # %r: the value is the client's, so it is logged quoted (no forged log lines).
        log.warning(
            "no absolute URL for host %r: site.base_url is unset and the host is not in "
            "site.allowed_hosts",
            raw,
        )
        return None
    port = "" if host.port in (None, DEFAULT_PORTS.get(peer.scheme)) else f":{host.port}"
    return f"{peer.scheme}://{host.name}{port}"
