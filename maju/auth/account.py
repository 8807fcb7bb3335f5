"""Account methods over /api/method: API key generation (A11) and the CSRF token (X3)."""

from __future__ import annotations

from maju import errors
from maju.auth import keys
from maju.context import Context
from maju.whitelisting import whitelist


@whitelist(methods=("POST",))
async def generate_keys(ctx: Context, user: str) -> dict[str, str]:
    """A11: keep the user's API key once set, issue a new secret, shown only in this answer.

    Only a privileged user may call it; the `maju generate-keys` command runs the same code.
    """
    if not ctx.is_privileged:
        raise errors.PermissionError("Only a System Manager may generate API keys")
    pair = await keys.generate_keys(ctx.db, user)
    return {"api_key": pair.api_key, "api_secret": pair.api_secret}


@whitelist
async def get_csrf_token(ctx: Context) -> str:
    """X3: the session's CSRF token (56 hex characters) for A10's header or parameter."""
    if ctx.session is None:
        raise errors.PermissionError("A CSRF token belongs to a cookie session; log in first")
    return ctx.session.csrf_token
