"""The alias table (M2, M11, M13): public method names served by maju functions.

The dispatcher looks here before any dotted path. To serve a name, add one line mapping it to a
`@whitelist`-marked maju function; Frappe's spelling and maju's go side by side. The functions
keep their own verbs and guest rules (`login` is `methods=("POST",), allow_guest=True`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from maju.context import Context
from maju.whitelisting import whitelist


@whitelist(allow_guest=True)
async def ping(ctx: Context) -> str:
    """M13: a liveness check anyone may call."""
    return "pong"


def both(
    frappe_prefix: str, maju_prefix: str, functions: dict[str, Callable[..., Any]]
) -> dict[str, Callable[..., Any]]:
    """Each function under `<frappe_prefix>.<fn>` and `<maju_prefix>.<fn>` (M11)."""
    return {
        f"{prefix}.{name}": fn
        for name, fn in functions.items()
        for prefix in (frappe_prefix, maju_prefix)
    }


def alias_table() -> dict[str, Callable[..., Any]]:
    """Every alias; built when a site first dispatches, so importing maju stays cheap."""
    from maju.api import client_auth, client_read, client_write

    table: dict[str, Callable[..., Any]] = {"ping": ping}
    table |= both(
        "frappe.client",
        "maju.client",
        {
            "get_list": client_read.get_list,
            "get_count": client_read.get_count,
            "get": client_read.get,
            "get_value": client_read.get_value,
            "get_single_value": client_read.get_single_value,
            "has_permission": client_read.has_permission,
            "set_value": client_write.set_value,
            "insert": client_write.insert,
            "insert_many": client_write.insert_many,
            "save": client_write.save,
            "submit": client_write.submit,
            "cancel": client_write.cancel,
            "delete": client_write.delete,
            "rename_doc": client_write.rename_doc,
            "bulk_update": client_write.bulk_update,
        },
    )
    table |= both("frappe.auth", "maju.auth", {"get_logged_user": client_auth.get_logged_user})
    from maju.auth import account, login, password_reset

    table |= {
        "login": login.login,
        "logout": login.logout,
        "maju.auth.get_csrf_token": account.get_csrf_token,
    }
    table |= both(
        "frappe.core.doctype.user.user",
        "maju.auth",
        {
            "generate_keys": account.generate_keys,
            "reset_password": password_reset.reset_password,
            "update_password": password_reset.update_password,
        },
    )
    from maju.files.upload import upload_file

    table |= dict.fromkeys(
        ("upload_file", "frappe.handler.upload_file", "maju.files.upload_file"), upload_file
    )  # F1
    # Still to register here: OAuth (both("frappe.integrations.oauth2", "maju.oauth2", {...}), O1).
    return table
