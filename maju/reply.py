"""`Reply`: what a handler answers, a JSON body plus its effects on the response.

Handlers (and whitelisted functions that need more than `{"message": value}`) return one
instead of writing to a shared object; maju.api.responses turns it into bytes, in one place.
It sits with `context` in the layers, so `auth` (login, logout) and `files` can return one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from maju.db.connection import Connection

# Bookkeeping run after the request's transaction has ended (committed or rolled back), in a
# write transaction of its own: a GET's transaction is read-only (M5), and a session must end,
# or an unused file go, whatever the request's own transaction did (A3, A6, F9, F10).
SideWrite = Callable[["Connection"], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Reply:
    """A JSON answer with its status, headers, cookies and side writes.

    Args:
        body: the whole JSON body (E8's envelope is the handler's to build: `{"data": ...}`,
            `{"message": ...}`; `maju.api.method` wraps a plain return value itself).
        status: the HTTP status.
        headers: extra response headers.
        cookies: complete `Set-Cookie` values sent *instead of* the ones authentication chose
            (A3's refreshed `sid`, A5's deletions): login and logout decide the session's
            cookies themselves (A4, A6). None keeps authentication's.
        side_writes: run after the request's transaction, in their own one (see `SideWrite`).
        signed_in: A1: the caller has just signed in, so A5's `session_expired` about an older
            cookie is not added to this body.
    """

    body: Any  # Any: any JSON-serialisable value (maju.api.responses.dumps)
    status: int = 200
    headers: Mapping[str, str] | None = None
    cookies: tuple[str, ...] | None = None
    side_writes: tuple[SideWrite, ...] = ()
    signed_in: bool = False
