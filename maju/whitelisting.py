"""`@whitelist`: mark a function callable over /api/method (M3, M4). It only marks; no registry.

A leaf module (it imports nothing of maju), so every room can declare its own endpoints:
`maju.auth.login`, `maju.files.upload` and the apps mark functions here, and `maju.api` only
routes to them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar, overload

F = TypeVar("F", bound=Callable[..., Any])

ALL_VERBS = frozenset({"GET", "POST", "PUT", "DELETE"})
KNOWN_VERBS = ALL_VERBS | {"PATCH"}
MARK = "__maju_whitelist__"


@dataclass(frozen=True, slots=True)
class WhitelistSpec:
    methods: frozenset[str] = ALL_VERBS
    allow_guest: bool = False
    # C4: at most `rate_limit[0]` calls per `rate_limit[1]` seconds per client IP.
    rate_limit: tuple[int, int] | None = None

    def allows_verb(self, verb: str) -> bool:
        """M4: HEAD counts as GET."""
        return ("GET" if verb == "HEAD" else verb) in self.methods


def _verbs(methods: str | Iterable[str] | None) -> frozenset[str]:
    if methods is None:
        return ALL_VERBS
    verbs = frozenset(m.upper() for m in ([methods] if isinstance(methods, str) else methods))
    unknown = verbs - KNOWN_VERBS
    if not verbs or unknown:
        # A typo here would silently lock the function out; fail when the module is imported.
        raise ValueError(
            f"whitelist(methods=...) takes HTTP verbs from {sorted(KNOWN_VERBS)}, "
            f"got {sorted(unknown) or 'nothing'}"
        )
    return verbs


@overload
def whitelist(fn: F, /) -> F: ...


@overload
def whitelist(
    *,
    methods: str | Iterable[str] | None = None,
    allow_guest: bool = False,
    rate_limit: tuple[int, int] | None = None,
) -> Callable[[F], F]: ...


def whitelist(
    fn: F | None = None,
    /,
    *,
    methods: str | Iterable[str] | None = None,
    allow_guest: bool = False,
    rate_limit: tuple[int, int] | None = None,
) -> F | Callable[[F], F]:
    """Allow REST clients to call a function as `/api/method/<module path>.<function>`.

    Works bare (`@whitelist`) or with arguments, on module functions and on the methods of a
    DocType controller (`run_method`, D23), async or sync. A sync function runs in a worker
    thread: it may read its arguments and the Context's plain facts (user, roles, config) but
    not use the database, which is async; write a function that reads or writes data `async`.
    A parameter annotated `Context` receives the request's Context (`Site` and Starlette's
    `Request` are bound the same way); the others are filled from the request parameters and
    coerced by their annotations (M6, M7). Return a value (sent as `{"message": value}`), a
    `maju.reply.Reply` (the whole body, with status, headers or cookies) or a Starlette
    Response (sent as is).

    Args:
        methods: the HTTP verbs accepted (default GET, POST, PUT and DELETE; HEAD counts as GET).
            GET calls run read-only (M5): a function that writes should say `methods=("POST",)`.
        allow_guest: whether anonymous callers may call it.
        rate_limit: `(calls, seconds)` per client IP, counted in the database.
    """
    spec = WhitelistSpec(methods=_verbs(methods), allow_guest=allow_guest, rate_limit=rate_limit)

    def mark(func: F) -> F:
        setattr(func, MARK, spec)
        return func

    return mark(fn) if fn is not None else mark


def whitelist_spec(obj: object) -> WhitelistSpec | None:
    spec = getattr(obj, MARK, None)
    return spec if isinstance(spec, WhitelistSpec) else None
