"""`@whitelist`: mark a function callable over /api/method (M3, M4). It only marks; no registry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

ALL_VERBS = frozenset({"GET", "POST", "PUT", "DELETE"})
MARK = "__maju_whitelist__"


@dataclass(frozen=True, slots=True)
class WhitelistSpec:
    methods: frozenset[str] = ALL_VERBS
    allow_guest: bool = False
    # C4: at most `rate_limit[0]` calls per `rate_limit[1]` seconds per client IP.
    rate_limit: tuple[int, int] | None = None


def whitelist(fn: F | None = None, *, methods: tuple[str, ...] | list[str] | None = None,
              allow_guest: bool = False,
              rate_limit: tuple[int, int] | None = None) -> Any:  # Any: decorator or function
    """Allow REST clients to call a function by its dotted path.

    Args:
        methods: the HTTP verbs accepted (default GET, POST, PUT and DELETE; HEAD counts as GET).
        allow_guest: whether anonymous callers may call it.
        rate_limit: `(calls, seconds)` per client IP, counted in the database.
    """
    spec = WhitelistSpec(
        methods=frozenset(m.upper() for m in methods) if methods else ALL_VERBS,
        allow_guest=allow_guest, rate_limit=rate_limit)

    def mark(func: F) -> F:
        setattr(func, MARK, spec)
        return func

    return mark(fn) if fn is not None else mark


def whitelist_spec(obj: object) -> WhitelistSpec | None:
    spec = getattr(obj, MARK, None)
    return spec if isinstance(spec, WhitelistSpec) else None
