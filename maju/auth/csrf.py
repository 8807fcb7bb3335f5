"""A10: refuse cross-site unsafe requests that ride on the session cookie alone."""

from __future__ import annotations

import hmac
from typing import Any

from starlette.requests import Request

from maju import errors
from maju.auth.client_ip import request_origin
from maju.auth.origins import allowed_origins, normalise_origin, origin_allowed
from maju.auth.sessions import Session
from maju.config import Config

HEADER = "x-frappe-csrf-token"
PARAM = "csrf_token"


def site_origin(request: Request, config: Config) -> str:
    """`site.base_url`'s origin, else the request's own (scheme, host, port; C5)."""
    if config.site.base_url:
        scheme, _, rest = config.site.base_url.partition("://")
        return normalise_origin(f"{scheme}://{rest.split('/', 1)[0]}")
    return normalise_origin(request_origin(request.scope, config.proxy.trusted_proxies))


def check_csrf(request: Request, session: Session, params: dict[str, Any], config: Config) -> None:
    """Raise 400 CSRFTokenError unless one of A10's conditions holds.

    Call only for unsafe requests authenticated by the `sid` cookie alone.
    """
    sent = request.headers.get(HEADER)
    if sent is None:
        value = params.get(PARAM)
        sent = value if isinstance(value, str) else None
    # S4: constant-time comparison of the token.
    if sent is not None and hmac.compare_digest(sent.encode(), session.csrf_token.encode()):
        return
    origin = request.headers.get("origin")
    if origin is None:
        # Old clients and same-origin form posts send no Origin; a browser that says the request
        # is cross-site (some omit Origin there) is refused like a foreign Origin.
        if request.headers.get("sec-fetch-site", "").strip().lower() != "cross-site":
            return
        raise errors.CSRFTokenError("Invalid Request")
    if normalise_origin(origin) == site_origin(request, config):
        return
    if origin_allowed(origin, allowed_origins(config.cors.allow_cors)):
        return
    raise errors.CSRFTokenError("Invalid Request")
