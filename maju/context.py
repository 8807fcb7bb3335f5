"""The per-request Context handed to handlers and whitelisted functions (no request globals)."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from starlette.requests import Request

    from maju.config import Config
    from maju.db.connection import Connection
    from maju.doctype.registry import Registry

PRIVILEGED_ROLES = frozenset({"Administrator", "System Manager"})


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

    @property
    def is_guest(self) -> bool:
        return self.user == "Guest"

    @property
    def is_privileged(self) -> bool:
        return self.user == "Administrator" or bool(self.roles & PRIVILEGED_ROLES)

    @property
    def developer_mode(self) -> bool:
        return self.config.site.developer_mode


_current: ContextVar[Context | None] = ContextVar("maju_context", default=None)


def current() -> Context | None:
    """The Context of the request being served, for deep helpers such as logging."""
    return _current.get()


def set_current(ctx: Context | None) -> object:
    return _current.set(ctx)


def reset_current(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]
