"""The example app's own REST methods (M9): `todo.api.hello` and `todo.api.close`."""

from __future__ import annotations

from maju import Context, Document, whitelist


@whitelist(methods=("GET",), allow_guest=True)
def hello(name: str = "World") -> str:
    """Greet; a sync function, so maju runs it in a worker thread."""
    return f"Hello {name}"


@whitelist(methods=("GET", "POST"))
async def close(ctx: Context, name: str, reason: str = "") -> Document:
    """Close a ToDo; `reason` is appended to its description.

    GET is accepted on purpose, as SPEC M9 shows: a GET call runs read-only, so the write
    fails with 417 ReadOnlyRequestError and nothing changes. Real writers say POST only.
    """
    todo = await Document.load(ctx, "ToDo", name, for_update=True, right="write")
    if reason:
        todo.description = f"{todo.description}\n\nClosed: {reason}"
    todo.status = "Closed"
    return await todo.save()
