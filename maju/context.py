"""The per-request Context handed to handlers and whitelisted functions (no request globals).

It carries what a request really has: who is calling and how, the request's transaction, the
site definition, and the writes queued for after that transaction. It belongs to the `doctype`
layer (the Document API takes it), so it names nothing of auth, files or api: the caller's
session is described by shape (`CallerSession`) and the client address is a plain value
filled in by the endpoint. A function that needs the raw HTTP request or the process's Site
asks for it in its signature (maju.api.arguments binds them by annotation).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from maju.config import Config
    from maju.db.connection import Connection
    from maju.doctype.registry import Registry
    from maju.reply import SideWrite

PRIVILEGED_ROLES = frozenset({"Administrator", "System Manager"})

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
class Context:
    """Who is calling, on which connection, with which site definition.

    Args:
        user: the user name (`Guest` when anonymous).
        roles: every role the user holds, including the implicit `All` and `Guest` (P2).
        db: this request's connection, inside its one transaction.
        read_only: True for GET and HEAD (M5).
        registry: the site's DocTypes.
        config: the site's configuration.
        auth_method: how the caller authenticated: "guest", "token", "session" or "bearer".
        session: the server-side session when the caller came in by the `sid` cookie (A3).
        client_ip: the client's address (C5: X-Forwarded-For only from trusted proxies).
    """

    user: str
    roles: frozenset[str]
    db: Connection
    read_only: bool
    registry: Registry
    config: Config
    auth_method: str = "guest"
    session: CallerSession | None = None
    client_ip: str = NO_CLIENT
    # Per-request cache for derived facts (permissions), never shared between requests.
    cache: dict[str, Any] = field(default_factory=dict)
    # Writes the Document API queues from deep inside a request (a File's bytes to remove once
    # no row uses them, F9, F10); the endpoint runs them after the request's transaction,
    # whatever its outcome. A handler's own side writes go in its `Reply` instead.
    after_request: list[SideWrite] = field(default_factory=list)

    @property
    def is_guest(self) -> bool:
        return self.user == "Guest"

    @property
    def is_privileged(self) -> bool:
        return self.user == "Administrator" or bool(self.roles & PRIVILEGED_ROLES)

    @property
    def developer_mode(self) -> bool:
        return self.config.site.developer_mode
