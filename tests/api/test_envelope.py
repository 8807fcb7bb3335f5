"""Section E through the whole app on both databases: routing errors, bodies, envelopes, S11."""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from asgi_lifespan import LifespanManager
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from maju import errors
from maju.api.endpoint import endpoint
from maju.api.responses import error_response
from maju.app import create_app
from maju.context import Context
from tests.sites import Site, open_site

VERBS = ("GET", "POST", "PUT", "DELETE", "PATCH")


def assert_envelope(
    response: httpx.Response, status: int, exc_type: str, message: str | None = None
) -> dict[str, Any]:
    """E9: exc_type, a one-line exception, exc as a JSON array of that line, no traceback.

    A 404 carries neither `exception` nor `exc`; its message is in `_server_messages` (E10).
    """
    assert response.status_code == status, response.text
    assert response.headers["content-type"].split(";")[0] == "application/json"
    body: dict[str, Any] = response.json()
    assert body["exc_type"] == exc_type
    assert "Traceback" not in response.text and 'File "' not in response.text
    assert_s11(response)
    if status == 404:
        assert "exception" not in body and "exc" not in body, body
        if message is not None:
            assert [m["message"] for m in server_messages(body)] == [message]
        return body
    expected_line = f"{exc_type}: {message}" if message is not None else body["exception"]
    assert body["exception"] == expected_line and "\n" not in body["exception"]
    assert isinstance(body["exc"], str) and json.loads(body["exc"]) == [body["exception"]]
    return body


def assert_s11(response: httpx.Response) -> None:
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"


def server_messages(body: dict[str, Any]) -> list[dict[str, Any]]:
    """E10: three json.loads (the body, the field, each element)."""
    field = body["_server_messages"]
    assert isinstance(field, str)
    elements = json.loads(field)
    assert isinstance(elements, list) and all(isinstance(e, str) for e in elements)
    return [json.loads(e) for e in elements]


# ----------------------------------------------------------------------------------- E1, E4


async def test_e4_e9_unknown_route_is_404_without_exception_or_exc(site: Site) -> None:
    for path in (
        "/api/nothing",
        "/api/v1/nothing",
        "/api/v2/method/ping",
        "/api/v2/document/ToDo",
        "/api/resources/ToDo",
        "/api",
        "/nothing",
    ):
        r = await site.client.get(path, headers={"Accept": "text/html"})  # E12: JSON anyway
        body = assert_envelope(r, 404, "DoesNotExistError", f"Page {path} not found")
        assert server_messages(body) == [
            {
                "message": f"Page {path} not found",
                "title": "Message",
                "indicator": "red",
                "raise_exception": 1,
            }
        ]
        assert set(body) == {"exc_type", "_server_messages"}  # E9: no exception, no exc


async def test_e9_every_404_has_neither_exception_nor_exc(site: Site) -> None:
    """E9: unknown route, DocType, document, method target and file alike, for the JavaScript
    SDK's `exception ?? exc_type` to read "DoesNotExistError"."""
    h = site.admin_headers
    answers = [
        await site.client.get("/api/nope", headers=h),
        await site.client.get("/api/resource/Nope", headers=h),
        await site.client.get("/api/resource/ToDo/missing", headers=h),
        await site.client.delete("/api/resource/ToDo/missing", headers=h),
        await site.client.get(
            "/api/method/frappe.client.get", params={"doctype": "ToDo", "name": "x"}, headers=h
        ),
        await site.client.get("/files/missing.txt", headers=h),
        await site.client.get("/private/files/missing.txt", headers=h),
    ]
    for r in answers:
        body = assert_envelope(r, 404, "DoesNotExistError")
        assert set(body) == {"exc_type", "_server_messages"}, (r.request.url, body)


async def test_e1_api_v1_behaves_as_api(site: Site) -> None:
    for verb, path, body in [
        ("GET", "/method/ping", None),
        ("POST", "/method/ping", b"{"),
        ("GET", "/nope", None),
        ("GET", "/method/ping/extra/", None),
    ]:
        plain = await site.client.request(
            verb, f"/api{path}", content=body, headers={"Content-Type": "application/json"}
        )
        v1 = await site.client.request(
            verb, f"/api/v1{path}", content=body, headers={"Content-Type": "application/json"}
        )
        assert plain.status_code == v1.status_code, path
        if plain.status_code == 404:  # the message names the path asked for
            assert v1.json()["_server_messages"] == plain.json()["_server_messages"].replace(
                "/api", "/api/v1"
            )
        else:
            assert plain.json() == v1.json(), path


# ---------------------------------------------------------------------------------------- E5


def served_paths(site: Site) -> dict[str, set[str]]:
    """Every route's path with its parameters filled in, and the verbs served there."""
    served: dict[str, set[str]] = {}
    for route in site.app.routes:
        if isinstance(route, Route) and route.methods:
            path = re.sub(r"\{[^}]+\}", "x", route.path)
            served.setdefault(path, set()).update(route.methods)
    return served


async def test_e5_wrong_method_is_405_with_allow(site: Site) -> None:
    """Every route refuses the verbs it does not serve, naming all it does (any route there)."""
    checked = []
    for path, methods in served_paths(site).items():
        for verb in VERBS:
            if verb in methods:
                continue
            r = await site.client.request(verb, path, headers={"Accept": "text/html"})
            body = (
                assert_envelope(r, 405, "MethodNotAllowedError", f"Method {verb} not allowed")
                if path.startswith("/api")
                else r.json()
            )
            assert r.status_code == 405 and body["exc_type"] == "MethodNotAllowedError"
            assert {m.strip() for m in r.headers["allow"].split(",")} == methods, path
            checked.append((verb, path))
    assert checked, "no route refuses any verb: nothing was checked"


# ---------------------------------------------------------------------------------- E7, E8


async def test_e8_success_envelope_and_headers(site: Site) -> None:
    r = await site.client.get("/api/method/ping")
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == "application/json"
    assert r.json() == {"message": "pong"}
    assert_s11(r)
    r = await site.client.head("/api/method/ping")  # E5: HEAD is served wherever GET is
    assert r.status_code == 200 and r.content == b""
    assert_s11(r)


async def test_e7_empty_body_is_never_an_error(site: Site) -> None:
    for verb in ("GET", "POST", "DELETE"):
        for content_type in (
            "application/json",
            "application/json; charset=utf-8",
            "application/x-www-form-urlencoded",
            "text/plain",
        ):
            r = await site.client.request(
                verb, "/api/method/ping", content=b"", headers={"Content-Type": content_type}
            )
            assert (r.status_code, r.json()) == (200, {"message": "pong"}), (verb, content_type)


async def test_e7_malformed_json_is_400(site: Site) -> None:
    for content_type in (
        "application/json",
        "application/json; charset=utf-8",
        "application/merge-patch+json",
    ):
        for body in (b"{", b"{'a': 1}", b"nul", b"\xff\xfe"):
            r = await site.client.post(
                "/api/method/ping", content=body, headers={"Content-Type": content_type}
            )
            payload = assert_envelope(r, 400, "BadRequestError", "Invalid JSON body")
            assert server_messages(payload)[0]["message"] == "Invalid JSON body"


# --------------------------------------------------------------------------------------- E13


@pytest.fixture
async def small_body_site(backend: str, tmp_path: Path) -> AsyncIterator[Site]:
    async with open_site(backend, tmp_path, api={"max_body_size": 64}) as running:
        yield running


async def test_e13_body_over_the_limit_with_content_length(small_body_site: Site) -> None:
    client = small_body_site.client
    at_limit = orjson.dumps({"pad": "x" * 54})
    assert len(at_limit) == 64
    r = await client.post(
        "/api/method/ping", content=at_limit, headers={"Content-Type": "application/json"}
    )
    assert (r.status_code, r.json()) == (200, {"message": "pong"})
    r = await client.post(
        "/api/method/ping", content=at_limit + b" ", headers={"Content-Type": "application/json"}
    )
    body = assert_envelope(r, 413, "PayloadTooLargeError")
    assert "64 bytes" in body["exception"]
    # Also on a path no route serves: the limit comes before routing.
    r = await client.post("/api/nothing", content=b"x" * 65)
    assert_envelope(r, 413, "PayloadTooLargeError")


async def test_e13_chunked_body_over_the_limit(small_body_site: Site) -> None:
    pulled: list[int] = []

    async def chunks() -> AsyncIterator[bytes]:
        for i in range(50):
            pulled.append(i)
            yield b"x" * 16

    r = await small_body_site.client.post(
        "/api/method/ping", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert "content-length" not in r.request.headers
    assert_envelope(r, 413, "PayloadTooLargeError")
    assert len(pulled) < 50  # refused without reading the body to its end


# ---------------------------------------------------------------------------------- E9, E11

E11_TABLE = {
    400: ["BadRequestError", "CSRFTokenError"],
    401: ["AuthenticationError"],
    403: ["PermissionError"],
    404: ["DoesNotExistError"],
    405: ["MethodNotAllowedError"],
    409: ["DuplicateEntryError", "NameError"],
    413: ["PayloadTooLargeError"],
    417: [
        "ValidationError",
        "MandatoryError",
        "DataError",
        "LinkValidationError",
        "UniqueValidationError",
        "TimestampMismatchError",
        "DocstatusTransitionError",
        "UpdateAfterSubmitError",
        "LinkExistsError",
        "CharacterLengthExceededError",
        "ReadOnlyRequestError",
        "FrappeTypeError",
    ],
    429: ["TooManyRequestsError", "RateLimitExceededError"],
}


@pytest.mark.parametrize(
    ("status", "name"), [(s, n) for s, names in E11_TABLE.items() for n in names]
)
def test_e11_status_table(status: int, name: str) -> None:
    cls = getattr(errors, name)
    assert issubclass(cls, errors.MajuError) and cls.status == status
    response = error_response(cls("Something went wrong"), developer_mode=False)
    assert response.status_code == status
    body = orjson.loads(response.body)
    assert body["exc_type"] == name and ("_error_message" in body) == (status == 403)
    if status == 404:  # E9: neither exception nor exc, in developer mode too
        assert "exception" not in body and "exc" not in body
        dev = orjson.loads(error_response(cls("gone"), developer_mode=True).body)
        assert set(dev) == {"exc_type", "_server_messages"}
        return
    assert body["exception"] == f"{name}: Something went wrong"
    assert orjson.loads(body["exc"]) == [body["exception"]]


def test_e11_nesting_follows_frappe() -> None:
    assert issubclass(errors.DoesNotExistError, errors.ValidationError)
    assert issubclass(errors.DuplicateEntryError, errors.NameError)
    for name in E11_TABLE[417][1:-1]:
        assert issubclass(getattr(errors, name), errors.ValidationError), name


def test_e9_handler_keys_and_several_messages() -> None:
    """D4's several messages and A2's extra `message` key survive into the envelope."""
    exc = errors.MandatoryError(
        "Value missing for ToDo: Description, Status",
        messages=["Value missing for ToDo: Description", "Value missing for ToDo: Status"],
    )
    body = orjson.loads(error_response(exc, developer_mode=False).body)
    assert [m["message"] for m in server_messages(body)] == exc.messages
    assert all(m["raise_exception"] == 1 and m["indicator"] == "red" for m in server_messages(body))
    login = errors.AuthenticationError(
        "Invalid login credentials", extra={"message": "Invalid login credentials"}
    )
    response = error_response(login, developer_mode=False)
    assert response.status_code == 401
    assert orjson.loads(response.body)["message"] == "Invalid login credentials"
    denied = orjson.loads(
        error_response(errors.PermissionError("No permission for ToDo"), developer_mode=False).body
    )
    assert denied["_error_message"] == "No permission for ToDo"


def test_e9_errors_keep_their_headers() -> None:
    response = error_response(
        errors.TooManyRequestsError("slow down", headers={"Retry-After": "30"}),
        developer_mode=False,
    )
    assert response.status_code == 429 and response.headers["retry-after"] == "30"


# --------------------------------------------------------------------------------------- E15

SECRET_TEXT = 'SELECT "password" FROM "__auth" -- /srv/maju/site/maju.db'


def test_e15_unexpected_error_hides_its_text() -> None:
    response = error_response(RuntimeError(SECRET_TEXT), developer_mode=False)
    assert response.status_code == 500
    body = orjson.loads(response.body)
    assert body == {
        "exc_type": "RuntimeError",
        "exception": "RuntimeError: Internal server error",
        "exc": '["RuntimeError: Internal server error"]',
    }
    assert b"password" not in response.body and b"/srv" not in response.body
    assert response.headers["cache-control"] == "no-store"


def test_e15_developer_mode_shows_the_traceback() -> None:
    try:
        raise KeyError("missing-key")
    except KeyError as exc:
        response = error_response(exc, developer_mode=True)
    body = orjson.loads(response.body)
    assert response.status_code == 500 and body["exc_type"] == "KeyError"
    assert "missing-key" in body["exception"]
    (trace,) = orjson.loads(body["exc"])
    assert trace.startswith("Traceback (most recent call last)") and "missing-key" in trace
    try:
        raise errors.DataError("bad")
    except errors.DataError as exc:
        handled = orjson.loads(error_response(exc, developer_mode=True).body)
    assert handled["exception"] == "DataError: bad"
    assert orjson.loads(handled["exc"])[0].startswith("Traceback")


async def failing_handler(ctx: Context, params: dict[str, Any]) -> Response:
    raise RuntimeError(SECRET_TEXT)


async def failing_route(request: Request) -> Response:
    raise LookupError(SECRET_TEXT)


@pytest.mark.parametrize("developer_mode", [False, True])
async def test_e15_through_the_app(
    site: Site, developer_mode: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """A failing maju endpoint and a failing plain Starlette route both answer E15's 500."""
    config = dataclasses.replace(
        site.config, site=dataclasses.replace(site.config.site, developer_mode=developer_mode)
    )
    app = create_app(config)
    app.router.routes.append(Route("/api/boom", endpoint(failing_handler), methods=["GET"]))
    app.router.routes.append(Route("/api/raw-boom", failing_route, methods=["GET"]))
    async with LifespanManager(app) as manager:
        # Starlette re-raises after answering, for the server's log: let the client see it.
        transport = httpx.ASGITransport(app=manager.app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            for path, name in (("/api/boom", "RuntimeError"), ("/api/raw-boom", "LookupError")):
                with caplog.at_level(logging.ERROR):
                    r = await client.get(path)
                assert r.status_code == 500 and r.json()["exc_type"] == name
                assert_s11(r)
                if developer_mode:
                    assert "Traceback" in json.loads(r.json()["exc"])[0]
                else:
                    assert_envelope(r, 500, name, "Internal server error")
                    assert "password" not in r.text
    assert "__auth" in caplog.text  # the text went to the log, not to the client
