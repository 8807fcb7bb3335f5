"""Know who is calling before reading a request's body (F7): authentication in a short
read-only transaction of its own, and A10's verdict as far as the headers decide it.

Most requests are authenticated inside the request's one transaction, after their (capped)
body was read: holding a connection, or SQLite's write lock, while a client trickles a body
in would let slow clients starve the pool. A body that may carry a file is different: it can
be large and lands on disk, so a caller with a bad key, a dead session or no right to upload
must be turned away before the first byte is read. Authentication only reads the database
(session bookkeeping is a side write, A3), so a separate read-only transaction is safe.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from maju import errors
from maju.auth.backend import Identity, authenticate
from maju.auth.csrf import check_csrf
from maju.config import Config
from maju.site import Site

SAFE_METHODS = frozenset({"GET", "HEAD"})


async def authenticate_alone(request: Request, site: Site) -> Identity:
    """A9 in its own read-only transaction: 401 for bad credentials, Guest for none (or a
    dead session, A5, whose cookie deletions the Identity carries to any answer)."""
    async with site.db.transaction(read_only=True) as conn:
        return await authenticate(request, conn, site.config, site.secret_key)


class CsrfGate:
    """A10 for a body read as it arrives.

    The headers decide at once when they can: no session cookie, a safe verb, a valid
    `X-Frappe-CSRF-Token` header, or an acceptable `Origin`. Otherwise only a `csrf_token`
    form field can let the request through, so the reader must call `check` with the fields
    received so far before it stores anything (the file part), and again at the end; a body
    whose token comes after its file is refused before a byte of the file is written.
    """

    def __init__(self, request: Request, identity: Identity, config: Config) -> None:
        self._request = request
        self._config = config
        self._session = None if request.method in SAFE_METHODS else identity.session
        if self._session is not None:
            try:
                check_csrf(request, self._session, {}, config)
            except errors.CSRFTokenError:
                return
            self._session = None  # decided by the headers

    @property
    def pending(self) -> bool:
        """True while only a `csrf_token` field can still let the request through."""
        return self._session is not None

    def check(self, fields: Mapping[str, Any]) -> None:
        """400 `CSRFTokenError` unless the headers or `fields` satisfy A10."""
        if self._session is None:
            return
        check_csrf(self._request, self._session, dict(fields), self._config)
        self._session = None


@dataclass(frozen=True, slots=True)
class Caller:
    """The caller of a request whose body is not read yet (F7)."""

    identity: Identity
    csrf: CsrfGate

    @property
    def is_guest(self) -> bool:
        return self.identity.user == "Guest"

    @classmethod
    async def of(cls, request: Request, site: Site) -> Caller:
        identity = await authenticate_alone(request, site)
        return cls(identity, CsrfGate(request, identity, site.config))
