"""GET /files/<name> (F11) and /private/files/<name> (F12), with F13's headers (maju.files.media).

Bytes are streamed from disk by Starlette's FileResponse (ranges and HEAD included), or, for
private files with `files.accel_redirect_prefix` set, left to nginx by `X-Accel-Redirect`
once maju has checked the caller's right to read them.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from maju import errors
from maju.context import Context
from maju.files import access
from maju.files.media import disposition_headers, media_type
from maju.files.paths import local_url, resolve
from maju.site import site_of

NOSNIFF = {"X-Content-Type-Options": "nosniff"}


def not_found(path: str) -> errors.DoesNotExistError:
    return errors.DoesNotExistError(f"Page {path} not found")


async def _stat(path: Path | None) -> os.stat_result | None:
    """The file's stat when it is a regular file, else None."""
    if path is None:
        return None
    try:
        result = await run_in_threadpool(os.stat, path)
    except OSError:
        return None
    return result if stat.S_ISREG(result.st_mode) else None


def file_headers(name: str, content_type: str) -> dict[str, str]:
    """F13: `nosniff` always; anything not on the inline safe list only ever as a download."""
    return {**NOSNIFF, **disposition_headers(name, content_type)}


def file_response(
    path: Path, name: str, found: os.stat_result, extra: dict[str, str] | None = None
) -> Response:
    content_type = media_type(name)
    headers = {**file_headers(name, content_type), **(extra or {})}
    return FileResponse(path, headers=headers, media_type=content_type, stat_result=found)


async def serve_public(request: Request) -> Response:
    """F11: anyone may fetch a public file; nothing outside the directory is reachable (F5)."""
    name: str = request.path_params["name"]
    config = site_of(request).config
    path = resolve(config.public_files_dir, name)
    found = await _stat(path)
    if path is None or found is None:
        raise not_found(request.url.path)
    return file_response(path, name, found)


async def serve_private(ctx: Context, name: str, url_path: str) -> Response:
    """F12: `read` on a File record for this URL or on the document it is attached to.

    Guests get 403; so does everyone else without a readable record, whether or not the file
    exists (only a caller who may read every File learns that one is missing: 404).

    Args:
        name: the file's name under the private files directory (the route's `{name}`).
        url_path: the path asked for, for the 404's message.
    """
    if ctx.is_guest:
        raise errors.PermissionError("Not permitted: log in to download private files")
    row = await access.readable_row(ctx, local_url(name, True))
    if row is None:
        if access.reads_every_file(ctx):
            raise not_found(url_path)
        raise errors.PermissionError(f"You do not have permission to read the file {name}")
    path = resolve(ctx.config.private_files_dir, name)
    found = await _stat(path)
    if path is None or found is None:
        raise not_found(url_path)
    # Private bytes may sit in the browser's cache, never in a shared one.
    private = {"Cache-Control": "private"}
    prefix = ctx.config.files.accel_redirect_prefix
    if prefix:
        content_type = media_type(name)
        accel = {"X-Accel-Redirect": f"{prefix}{quote(name)}"}
        headers = {**file_headers(name, content_type), **private, **accel}
        return Response(b"", headers=headers, media_type=content_type)
    return file_response(path, name, found, private)
