"""Pure ASGI middleware: response headers every /api answer carries, and the body-size limit."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from maju import errors
from maju.api.responses import error_response
from maju.files.limits import file_too_large


class SecurityHeadersMiddleware:
    """S11: `Cache-Control: no-store` on API answers, `nosniff` on every answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_api = is_api_path(scope["path"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # On the raw list: this runs on every response, MutableHeaders costs more.
                raw = message["headers"] = list(message.get("headers", ()))
                present = {name.lower() for name, _ in raw}
                if b"x-content-type-options" not in present:
                    raw.append((b"x-content-type-options", b"nosniff"))
                if is_api:
                    if b"cache-control" in present:
                        raw[:] = [(k, v) for k, v in raw if k.lower() != b"cache-control"]
                    raw.append((b"cache-control", b"no-store"))
            await send(message)

        await self.app(scope, receive, send_with_headers)


def is_api_path(path: str) -> bool:
    """/api and everything under it, and `/` (M14's legacy `cmd` calls are API calls too)."""
    return path in ("/", "/api") or path.startswith("/api/")


class BodyLimitMiddleware:
    """E13: refuse a body over the limit with 413, before the handler, never buffering past it.

    `limit_for(path)` lets uploads (F8) use their own, larger limit.
    """

    def __init__(
        self,
        app: ASGIApp,
        max_body_size: int,
        developer_mode: bool = False,
        upload_paths: frozenset[str] = frozenset(),
        upload_limit: int = 0,
    ) -> None:
        self.app = app
        self.max_body_size = max_body_size
        self.developer_mode = developer_mode
        self.upload_paths = upload_paths
        self.upload_limit = upload_limit

    def limit_for(self, path: str) -> int:
        stripped = path.rstrip("/")
        if stripped in self.upload_paths and self.upload_limit:
            # Multipart framing adds a little over the file itself; the file limit is
            # enforced exactly by the upload handler.
            return self.upload_limit + 1024 * 1024
        return self.max_body_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        too_large = self.error_for(scope["path"])
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and _declares_more(declared, limit):
            await self._refuse(scope, receive, send, too_large)
            return
        received = 0
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise too_large
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except errors.PayloadTooLargeError:
            if not response_started:
                await self._refuse(scope, receive, send, too_large)

    def error_for(self, path: str) -> errors.PayloadTooLargeError:
        """E13's message, or F8's (the file limit in MB) on the upload paths."""
        if path.rstrip("/") in self.upload_paths and self.upload_limit:
            return file_too_large(self.upload_limit)
        return _too_large(self.max_body_size)

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, error: errors.PayloadTooLargeError
    ) -> None:
        response = error_response(error, developer_mode=self.developer_mode)
        response.headers["Connection"] = "close"
        await response(scope, receive, send)


def _too_large(limit: int) -> errors.PayloadTooLargeError:
    return errors.PayloadTooLargeError(
        f"Request body exceeds the maximum allowed size of {limit} bytes"
    )


def _declares_more(declared: str, limit: int) -> bool:
    """Whether a Content-Length says more than `limit` bytes; its digits are counted before
    int() reads them (int() refuses over 4,300 digits, and `²` is a digit to isdigit())."""
    digits = declared.strip()
    if not (digits.isascii() and digits.isdigit()):
        return False  # not a length: the body is still counted as it arrives
    digits = digits.lstrip("0") or "0"
    return len(digits) > len(str(limit)) or int(digits) > limit
