"""C1-C3: CORS headers for allowed origins, and every OPTIONS preflight answered up front."""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from maju.auth.origins import allowed_origins, origin_allowed

PREFLIGHT_MAX_AGE = "86400"


class CORSMiddleware:
    """Pure ASGI: preflights never reach authentication, CSRF or routing (C3)."""

    def __init__(
        self,
        app: ASGIApp,
        allow_cors: str | tuple[str, ...] | None = None,
        developer_mode: bool = False,
    ) -> None:
        self.app = app
        self.allowed = allowed_origins(allow_cors)
        self.developer_mode = developer_mode

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (self.allowed is None and scope["method"] != "OPTIONS"):
            # CORS off: only preflights need an answer here; skip parsing the headers.
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        allowed = origin_allowed(origin, self.allowed)
        if scope["method"] == "OPTIONS":
            await self._preflight(send, headers, origin if allowed else None)
            return
        if not allowed:
            await self.app(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                _add_origin_headers(MutableHeaders(scope=message), str(origin))
            await send(message)

        await self.app(scope, receive, send_with_cors)

    async def _preflight(self, send: Send, request: Headers, origin: str | None) -> None:
        headers = MutableHeaders()
        headers["Content-Length"] = "0"
        if origin is not None:
            _add_origin_headers(headers, origin)
            if method := request.get("access-control-request-method"):
                headers["Access-Control-Allow-Methods"] = method
            if wanted := request.get("access-control-request-headers"):
                headers["Access-Control-Allow-Headers"] = wanted
            if not self.developer_mode:
                headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
        await send({"type": "http.response.start", "status": 200, "headers": headers.raw})
        await send({"type": "http.response.body", "body": b""})


def _add_origin_headers(headers: MutableHeaders, origin: str) -> None:
    """C2: echo the origin (never `*`), allow credentials, and vary on Origin."""
    headers["Access-Control-Allow-Origin"] = origin
    headers["Access-Control-Allow-Credentials"] = "true"
    vary = headers.get("vary")
    if vary is None:
        headers["Vary"] = "Origin"
    elif "origin" not in [v.strip().lower() for v in vary.split(",")]:
        headers["Vary"] = f"{vary}, Origin"
