"""The route table (E1, E2): every path maju serves, with and without a trailing slash."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from maju.api.documents import create_document, document_item
from maju.api.endpoint import endpoint
from maju.api.file_routes import file_routes, legacy_route, upload_routes
from maju.api.listing import list_handler
from maju.api.method import cmd_handler, method_handler

API_PREFIXES = ("/api", "/api/v1")
ALL_VERBS = ["GET", "POST", "PUT", "DELETE"]
# M4: a verb a function does not accept is its 403 `Not permitted`, not the router's 405.
METHOD_VERBS = [*ALL_VERBS, "PATCH"]


def api_routes() -> list[BaseRoute]:
    # F1: the streamed upload comes before the generic method route that would read its body.
    routes: list[BaseRoute] = upload_routes(API_PREFIXES, METHOD_VERBS)
    method = endpoint(method_handler)
    create, item = endpoint(create_document), endpoint(document_item)
    listing = endpoint(list_handler)
    for prefix in API_PREFIXES:
        # L: the listing, with and without a trailing slash (E2).
        routes += [
            Route(f"{prefix}/resource/{{doctype}}", listing, methods=["GET"]),
            Route(f"{prefix}/resource/{{doctype}}/", listing, methods=["GET"]),
        ]
        # D13; E2: `{name}` is the rest of the path, `/` included, minus one trailing slash
        # (`{first}` keeps `/resource/{dt}/` itself out of the item route).
        routes += [
            Route(f"{prefix}/resource/{{doctype}}", create, methods=["POST"]),
            Route(f"{prefix}/resource/{{doctype}}/", create, methods=["POST"]),
            Route(
                f"{prefix}/resource/{{doctype}}/{{first}}{{rest:path}}",
                item,
                methods=["GET", "PUT", "DELETE", "POST"],
            ),
        ]
        # M1: anything after the method name, a trailing slash included, is ignored.
        routes += [
            Route(f"{prefix}/method/{{method}}", method, methods=METHOD_VERBS),
            Route(f"{prefix}/method/{{method}}/{{rest:path}}", method, methods=METHOD_VERBS),
        ]
    # M14: the legacy `cmd` form, on `/` only (`cmd=upload_file` in the query streams, F7).
    routes.append(Route("/", legacy_route(endpoint(cmd_handler)), methods=["GET", "POST"]))
    routes += file_routes()  # F11, F12
    return routes
