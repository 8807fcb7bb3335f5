"""The route table (E1, E2): every path maju serves, with and without a trailing slash."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from maju.api.endpoint import endpoint
from maju.api.method import method_handler

API_PREFIXES = ("/api", "/api/v1")
ALL_VERBS = ["GET", "POST", "PUT", "DELETE"]


def api_routes() -> list[BaseRoute]:
    routes: list[BaseRoute] = []
    method = endpoint(method_handler)
    for prefix in API_PREFIXES:
        # M1: anything after the method name, a trailing slash included, is ignored.
        routes += [
            Route(f"{prefix}/method/{{method}}", method, methods=ALL_VERBS),
            Route(f"{prefix}/method/{{method}}/{{rest:path}}", method, methods=ALL_VERBS),
        ]
    return routes
