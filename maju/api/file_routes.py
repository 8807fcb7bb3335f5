"""The files routes: the streaming upload (F1, F7-F9) and public and private serving (F11-F13).

Routing only: what an upload stores is maju.files.upload's, how a file is served is
maju.files.serving's; this module wires them to paths and to the endpoint wrappers.

The upload has its own route because the generic method endpoint reads the whole form (E6)
before its handler runs. Here the caller is known first (F7: a bad key, a dead session or a
Guest is refused before a byte of the body is read), then the body is parsed as it arrives
and the `file` part goes straight to disk, then the upload runs in the request's transaction
as that caller (maju.api.endpoint.streaming_endpoint).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import Message, Receive

from maju import errors
from maju.api.caller import Caller
from maju.api.endpoint import Call, Endpoint, endpoint, streaming_endpoint
from maju.api.form import read_form_dict
from maju.api.method import call_method
from maju.api.responses import message_body
from maju.config import Config
from maju.context import Context
from maju.files.multipart import StreamingForm
from maju.files.serving import serve_private, serve_public
from maju.files.storage import StagedFile
from maju.files.upload import GUESTS_REFUSED, check_guest, save_upload
from maju.reply import Reply
from maju.site import site_of

# M11: every name `upload_file` answers under.
UPLOAD_METHODS = ("upload_file", "frappe.handler.upload_file", "maju.files.upload_file")


def upload_paths(prefixes: Iterable[str]) -> frozenset[str]:
    """The streamed upload paths, for the body-size middleware (F8 instead of E13)."""
    return frozenset(f"{prefix}/method/{name}" for prefix in prefixes for name in UPLOAD_METHODS)


def upload_routes(prefixes: Iterable[str], verbs: list[str]) -> list[BaseRoute]:
    """The upload names on every verb a method path serves: POST streams, the others go to
    the dispatcher like any method call (M4 answers them 403 `Not permitted`). M1's extra
    path segments stream too, under the API's body limit (only the plain paths get F8's)."""
    routes: list[BaseRoute] = []
    for path in sorted(upload_paths(prefixes)):
        routes += [
            Route(path, upload_route, methods=verbs),
            Route(f"{path}/", upload_route, methods=verbs),
            Route(f"{path}/{{rest:path}}", upload_route, methods=verbs),
        ]
    return routes


def legacy_route(fallback: Endpoint) -> Endpoint:
    """M14's `/`: `POST /?cmd=upload_file` is the streamed upload (F7, F9; the API's body
    limit applies). A `cmd` sent only in the body cannot be known before the body is read, so
    that request goes to `fallback`, the generic endpoint, which still authenticates a
    multipart body before reading it."""

    async def route(request: Request) -> Response:
        if request.method == "POST" and request.query_params.get("cmd") in UPLOAD_METHODS:
            return await _streamed_upload(request)
        return await fallback(request)

    return route


def file_routes() -> list[BaseRoute]:
    return [
        Route("/files/{name:path}", serve_public, methods=["GET"]),
        Route("/private/files/{name:path}", endpoint(private_file), methods=["GET"]),
    ]


async def private_file(ctx: Context, call: Call) -> Response:
    """F12 for the route's `{name}`."""
    return await serve_private(ctx, str(call.path["name"]), call.request.url.path)


async def upload_route(request: Request) -> Response:
    if request.method != "POST":
        # The segment after /method/ (M1: anything after it is ignored).
        name = request.url.path.split("/method/", 1)[1].split("/", 1)[0]

        async def dispatch(ctx: Context, call: Call) -> Reply | Response:
            return await call_method(ctx, call, name)

        return await endpoint(dispatch)(request)
    return await _streamed_upload(request)


async def _streamed_upload(request: Request) -> Response:
    upload = _StreamedUpload(site_of(request).config)
    try:
        return await streaming_endpoint(upload.handle, upload.read_body)(request)
    finally:
        upload.discard()


class _StreamedUpload:
    """One upload request: reads the parameters (staging the file), then stores it."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.staged: StagedFile | None = None

    async def read_body(self, request: Request, caller: Caller) -> dict[str, Any]:
        """E6's form dict, with the `file` part staged on disk instead of kept in it. Runs
        once the caller is known: a Guest is refused before the body is read (F7)."""
        if caller.is_guest and not self.config.files.allow_guest_upload:
            raise errors.PermissionError(GUESTS_REFUSED)
        content_type = request.headers.get("content-type", "")
        if content_type.split(";", 1)[0].strip().lower() != "multipart/form-data":
            # F3's `file_url` alone may come urlencoded or as JSON: E6 as usual, capped at
            # the API's body limit (this path's own limit is the larger file limit). Nothing
            # is stored from it, and A10 is checked on its parameters like any request's.
            capped = Request(request.scope, _capped(request, self.config.api.max_body_size))
            return await read_form_dict(capped)
        parser = StreamingForm(
            self.config.private_files_dir,
            self.config.files.max_file_size,
            before_file=caller.csrf.check,  # A10 before a byte of the file is stored
        )
        form = await parser.parse(content_type, request.stream())
        self.staged = form.file
        params: dict[str, Any] = {}
        for key, value in request.query_params.multi_items():
            params.setdefault(key, value)
        params.update(form.fields)  # E6: form fields win over the query string
        params.pop("_", None)
        return params

    async def handle(self, ctx: Context, call: Call) -> Reply:
        check_guest(ctx)
        return Reply(message_body(await save_upload(ctx, call.params, self.staged)))

    def discard(self) -> None:
        if self.staged is not None:
            self.staged.discard()
            self.staged = None


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
