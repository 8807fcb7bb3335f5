"""Remove stored bytes that no File row points at, once the request's transaction has ended.

Bytes and rows cannot share a transaction, so removal is a check made afterwards, queued on
`ctx.after_request` (maju.api.endpoint runs those after commit or rollback, in a write
transaction of their own):
"does any File row still use this URL? If not, delete the file." That one rule covers F10
(a delete that committed frees the bytes, one that rolled back keeps them, a file shared by
de-duplicated records stays until the last goes) and F9 (an upload whose transaction failed
after its bytes were placed leaves no file behind).
"""

from __future__ import annotations

from maju.context import Context
from maju.db.connection import Connection
from maju.files import records, storage
from maju.files.paths import parse_local_url, path_of


def remove_when_unused(ctx: Context, url: str | None) -> None:
    """Queue the check for a local file URL; remote links and other text are ignored."""
    if not url or parse_local_url(url) is None:
        return
    config, meta = ctx.config, ctx.registry[records.FILE]

    async def collect(conn: Connection) -> None:
        if await records.url_in_use(conn, meta, url):
            return
        path = path_of(config, url)
        if path is not None:
            storage.remove(path)

    ctx.after_request.append(collect)
