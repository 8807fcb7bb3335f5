"""The files routes: the streaming upload (F1, F8, F9) and public and private serving (F11-F13).

The upload has its own route because the generic method endpoint reads the whole form
(E6) before its handler runs; here the body is parsed as it arrives and the `file` part goes
straight to disk, then the same endpoint wrapper (transaction, caller, CSRF, errors) runs
the upload with the parameters this route read.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import Message, Receive

from maju import errors
from maju.api.endpoint import endpoint, site_of
from maju.api.form import read_form_dict
from maju.api.method import call_method
from maju.api.responses import JSONResponse, message_body
from maju.auth import cookies
from maju.config import Config
from maju.context import Context
from maju.files.multipart import StreamingForm
from maju.files.serving import serve_private, serve_public
from maju.files.storage import StagedFile
from maju.files.upload import check_guest, save_upload

# M11: every name `upload_file` answers under.
UPLOAD_METHODS = ("upload_file", "frappe.handler.upload_file", "maju.files.upload_file")


def upload_paths(prefixes: Iterable[str]) -> frozenset[str]:
    """The streamed upload paths, for the body-size middleware (F8 instead of E13)."""
    return frozenset(f"{prefix}/method/{name}" for prefix in prefixes for name in UPLOAD_METHODS)


def upload_routes(prefixes: Iterable[str], verbs: list[str]) -> list[BaseRoute]:
    """The upload names on every verb a method path serves: POST streams, the others go to
    the dispatcher like any method call (M4 answers them 403 `Not permitted`)."""
    routes: list[BaseRoute] = []
    for path in sorted(upload_paths(prefixes)):
        routes += [
            Route(path, upload_route, methods=verbs),
            Route(f"{path}/", upload_route, methods=verbs),
        ]
    return routes


def file_routes() -> list[BaseRoute]:
    return [
        Route("/files/{name:path}", serve_public, methods=["GET"]),
        Route("/private/files/{name:path}", endpoint(serve_private), methods=["GET"]),
    ]


async def upload_route(request: Request) -> Response:
    if request.method != "POST":
        name = request.url.path.rstrip("/").rsplit("/", 1)[-1]

        async def dispatch(ctx: Context, params: dict[str, Any]) -> Response:
            return await call_method(ctx, name, params)

        return await endpoint(dispatch)(request)
    upload = _StreamedUpload(site_of(request).config)
    try:
        return await endpoint(upload.handle, read_params=upload.read_params)(request)
    finally:
        upload.discard()


class _StreamedUpload:
    """One upload request: reads the parameters (staging the file), then stores it."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.staged: StagedFile | None = None

    async def read_params(self, request: Request) -> dict[str, Any]:
        """E6's form dict, with the `file` part staged on disk instead of kept in it."""
        if not self.config.files.allow_guest_upload and not _has_credentials(request):
            # F7 before the body: a caller with no credentials at all can only be a Guest.
            raise errors.PermissionError("Guests are not allowed to upload files; log in first")
        content_type = request.headers.get("content-type", "")
        if content_type.split(";", 1)[0].strip().lower() != "multipart/form-data":
            # F3's `file_url` alone may come urlencoded or as JSON: E6 as usual, capped at
            # the API's body limit (this path's own limit is the larger file limit).
            capped = Request(request.scope, _capped(request, self.config.api.max_body_size))
            return await read_form_dict(capped)
        parser = StreamingForm(self.config.private_files_dir, self.config.files.max_file_size)
        form = await parser.parse(content_type, request.stream())
        self.staged = form.file
        params: dict[str, Any] = {}
        for key, value in request.query_params.multi_items():
            params.setdefault(key, value)
        params.update(form.fields)  # E6: form fields win over the query string
        params.pop("_", None)
        return params

    async def handle(self, ctx: Context, params: dict[str, Any]) -> Response:
        check_guest(ctx)
        return JSONResponse(message_body(await save_upload(ctx, params, self.staged)))

    def discard(self) -> None:
        if self.staged is not None:
            self.staged.discard()
            self.staged = None


def _has_credentials(request: Request) -> bool:
    return "authorization" in request.headers or cookies.SID in request.cookies


def _capped(request: Request, limit: int) -> Receive:
    received = 0

    async def receive() -> Message:
        nonlocal received
        message = await request.receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise errors.PayloadTooLargeError(
                    f"Request body exceeds the maximum allowed size of {limit} bytes"
                )
        return message

    return receive
