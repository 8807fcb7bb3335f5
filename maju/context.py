"""The per-request Context handed to handlers and whitelisted functions (no request globals).

It belongs to the `doctype` layer (the Document API takes it): it may name the registry, the
connection and the config, but nothing of auth, files or api. What those rooms put in it is
described here by shape (`CallerSession`) or filled in as plain values by the endpoint
(`client_ip`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from starlette.requests import Request

    from maju.config import Config
    from maju.db.connection import Connection
    from maju.doctype.registry import Registry

PRIVILEGED_ROLES = frozenset({"Administrator", "System Manager"})

SideWrite = Callable[["Connection"], Awaitable[None]]
# C5: the peer of a UNIX-socket connection has no address (maju.auth.client_ip.UNIX_SOCKET);
# a Context made outside a request (tests, the console) reads as one.
NO_CLIENT = "unix"


class CallerSession(Protocol):
    """The server-side session the caller came in by (A3), as handlers see it
    (maju.auth.sessions.Session has this shape)."""

    @property
    def sid(self) -> str: ...

    @property
    def user(self) -> str: ...

    @property
    def csrf_token(self) -> str: ...


@dataclass(slots=True)
class ResponseEffects:
    """What the request adds to its response, whether the handler succeeds or fails.

    Authentication may find a stale cookie (A5) before anything else runs, and a failed login
    must still count (A13) after its transaction rolls back, so these live outside both the
    handler's return value and its transaction. The endpoint wrapper applies them.
    """

    # Complete `Set-Cookie` header values (A4, A5, A6).
    cookies: list[str] = field(default_factory=list)
    # Extra top-level keys for a JSON body, success or error (A5's `session_expired`).
    body: dict[str, Any] = field(default_factory=dict)
    # Session bookkeeping (A3, A6, A13, C4), run in its own write transaction after the
    # request's transaction has ended, since GET transactions are read-only (M5).
    side_writes: list[SideWrite] = field(default_factory=list)
    # Extra response headers (Retry-After is carried by the error itself).
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Context:
    """Who is calling, on which connection, with which site definition.

    Args:
        user: the user name (`Guest` when anonymous).
        roles: every role the user holds, including the implicit `All` and `Guest` (P2).
        db: this request's connection, inside its one transaction.
        read_only: True for GET and HEAD (M5).
    """

    user: str
    roles: frozenset[str]
    db: Connection
    read_only: bool
    registry: Registry
    config: Config
    request: Request | None = None
    # How the caller authenticated: "guest", "token", "session" or "bearer".
    auth_method: str = "guest"
    # Per-request cache for derived facts (permissions), never shared between requests.
    cache: dict[str, Any] = field(default_factory=dict)
    # The server-side session when the caller came in by the `sid` cookie (A3), else None.
    session: CallerSession | None = None
    # Cookies, body keys and bookkeeping the endpoint applies to whatever response results.
    effects: ResponseEffects = field(default_factory=ResponseEffects)
    # C5: the client's address (X-Forwarded-For only from trusted proxies), resolved by auth.
    client_ip: str = NO_CLIENT

    @property
    def is_guest(self) -> bool:
        return self.user == "Guest"

    @property
    def is_privileged(self) -> bool:
        return self.user == "Administrator" or bool(self.roles & PRIVILEGED_ROLES)

    @property
    def developer_mode(self) -> bool:
        return self.config.site.developer_mode
