"""maju: an async web framework for business data, wire-compatible with Frappe's REST API.

Public names are re-exported lazily so that `import maju` stays cheap and opens nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["Context", "create_app", "errors", "whitelist"]

from maju import errors

if TYPE_CHECKING:
    from maju.app import create_app
    from maju.context import Context
    from maju.whitelisting import whitelist


def __getattr__(name: str) -> Any:  # Any: module-level lazy re-export
    if name == "create_app":
        from maju.app import create_app

        return create_app
    if name == "whitelist":
        from maju.whitelisting import whitelist

        return whitelist
    if name == "Context":
        from maju.context import Context

        return Context
    raise AttributeError(name)
