"""Who-am-I for REST clients (A8): `frappe.auth.get_logged_user` and `maju.auth.get_logged_user`."""

from __future__ import annotations

from maju.context import Context
from maju.whitelisting import whitelist


@whitelist
async def get_logged_user(ctx: Context) -> str:
    """A8: the caller's user name. Not `allow_guest`, so a Guest gets the dispatcher's 403."""
    return ctx.user
