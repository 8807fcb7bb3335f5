"""maju: an async web framework for business data, wire-compatible with Frappe's REST API.

What an app writer needs is importable from here: `from maju import Context, Document, errors,
whitelist`. The names are re-exported lazily so that `import maju` stays cheap and opens
nothing; their homes are maju.context, maju.doctype.document, maju.errors and
maju.whitelisting.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["Context", "Document", "create_app", "errors", "whitelist"]

from maju import errors

if TYPE_CHECKING:
    from maju.app import create_app
    from maju.context import Context
    from maju.doctype.document import Document
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
    if name == "Document":
        from maju.doctype.document import Document

        return Document
    raise AttributeError(name)
