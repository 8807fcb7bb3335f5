"""E9/E15/S12 fuzzing: hostile values thrown at every listing parameter (L2), at every field type
of a DocType (D6, tests/apps/fuzzsuite's Every Type and its child table) and at the
`frappe.client` methods (M10), on SQLite and PostgreSQL.

The values (tests/adversarial/hostile.py): huge numbers and exponents, long strings, NUL, lone
surrogates, emoji and bidi marks, wrong JSON types, arrays and objects nested past what the JSON
libraries write, empty values, calendar edges. Every answer must be:

- never a 5xx (E15);
- on error the E9 envelope: `exc_type` naming a maju error, `exception` and `exc` holding one
  line (neither on a 404), and no SQL or traceback (S2);
- bounded: each request runs at most MAX_STATEMENTS SQL statements (S12), counted by wrapping
  the connection's two execution methods as tests/db/test_round_trips.py does.

`make test` runs a small, derandomised set of examples per test and database (a few seconds).
A long run draws random ones: `MAJU_HYPOTHESIS_EXAMPLES=3000 .venv/bin/python -m pytest
tests/adversarial/test_fuzz.py -n 2` (the same variable raises tests/query/test_property.py's).
"""

from __future__ import annotations

import math
import os
import urllib.parse
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maju import errors
from maju.db.connection import Connection
from tests.adversarial.hostile import (
    DOCTYPE,
    DOCUMENTS,
    HOSTILE,
    LISTING,
    Deep,
    as_text,
    client_calls,
    mostly,
    to_json,
)
from tests.auth.accounts import add_user
from tests.sites import REPO_ROOT, Site, open_site

EXAMPLES = int(os.environ.get("MAJU_HYPOTHESIS_EXAMPLES", "0")) or 25
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize="MAJU_HYPOTHESIS_EXAMPLES" not in os.environ,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# The most statements one request may run: BEGIN, auth, the work (a document with a few child
# rows and its link checks), COMMIT. Generated documents hold at most 4 rows, bulk calls 3.
MAX_STATEMENTS = 40
RESOURCE = "/api/resource/Every Type"
LEAKS = ('FROM "tab', "Traceback", 'File "', "sqlite3", "asyncpg", "site-packages")
# httpx refuses longer URLs; longer values go in a JSON body instead.
MAX_QUERY = 60_000


# --- the site and the checks -----------------------------------------------------------------


@dataclass
class Fuzz:
    site: Site
    user: dict[str, str]  # a user with no roles: P5/P6 paths
    seeded: str  # a document that exists when the test starts
    statements: list[str]


@pytest.fixture
async def fuzz(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Fuzz]:
    async with open_site(
        backend, tmp_path, site={"apps": ("fuzzsuite",)}, root=str(REPO_ROOT / "tests")
    ) as site:
        await add_user(site.config, "fuzz@example.com")
        user = await site.token_for("fuzz@example.com")
        r = await site.client.post(
            RESOURCE,
            json={"line": "seed", "rows": [{"label": "r1", "qty": 2}]},
            headers=site.admin_headers,
        )
        assert r.status_code == 200, r.text
        statements = _record(monkeypatch)
        yield Fuzz(site, user, r.json()["data"]["name"], statements)


def _record(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    execute, fetch_rows = Connection.execute, Connection.fetch_rows

    async def counted_execute(self: Connection, sql: str, params: Any = None) -> int:
        seen.append(sql)
        return await execute(self, sql, params)

    async def counted_fetch_rows(self: Connection, sql: str, params: Any = None) -> Any:
        seen.append(sql)
        return await fetch_rows(self, sql, params)

    monkeypatch.setattr(Connection, "execute", counted_execute)
    monkeypatch.setattr(Connection, "fetch_rows", counted_fetch_rows)
    return seen


def check(r: httpx.Response, statements: list[str]) -> None:
    """E15, E9, S2 and S12's statement bound for one answer."""
    context = f"{r.request.method} {str(r.request.url)[:300]} -> {r.status_code} {r.text[:1000]}"
    assert r.status_code < 500, context
    assert len(statements) <= MAX_STATEMENTS, (len(statements), statements[:80], context)
    body = r.json()
    assert isinstance(body, dict), context
    if r.status_code >= 400:
        exc_type = body.get("exc_type")
        assert isinstance(exc_type, str), context
        assert issubclass(getattr(errors, exc_type), errors.MajuError), context
        if r.status_code == 404:  # E9: as Frappe, for the JavaScript SDK
            assert "exception" not in body and "exc" not in body, context
        else:
            line = body["exception"]
            assert line.startswith(f"{exc_type}: ") and line.splitlines() == [line], context
            assert orjson.loads(body["exc"]) == [line], context
        if "_server_messages" in body:  # E10: a string holding strings holding objects
            for element in orjson.loads(body["_server_messages"]):
                assert isinstance(orjson.loads(element)["message"], str), context
    for leak in LEAKS:
        assert leak not in r.text or (r.status_code < 400 and "exc" in body), (leak, context)


def query_string(params: dict[str, Any]) -> str:
    """Percent-encoded by hand: lone surrogates go out as the (invalid) UTF-8 a client sends."""
    return "&".join(
        f"{urllib.parse.quote(key)}="
        + urllib.parse.quote(as_text(value).encode("utf-8", "surrogatepass"))
        for key, value in params.items()
    )


async def send(
    fuzz: Fuzz, verb: str, path: str, params: Any, mode: str, as_admin: bool
) -> httpx.Response:
    """One request, its parameters as a query string, a form or a JSON body."""
    headers = dict(fuzz.site.admin_headers if as_admin else fuzz.user)
    url = path
    content: bytes | None = None
    if mode == "query" and isinstance(params, dict):
        query = query_string(params)
        if len(query) <= MAX_QUERY:
            url = f"{path}?{query}"
        else:
            mode = "json"
    elif mode == "form" and isinstance(params, dict):
        content = query_string(params).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if mode == "json" or not isinstance(params, dict):
        content = to_json(params).encode("utf-8", "surrogatepass")
        headers["Content-Type"] = "application/json"
    fuzz.statements.clear()
    return await fuzz.site.client.request(verb, url, content=content, headers=headers)


MODES = st.sampled_from(["query", "json", "form"])
VERBS = ["POST", "POST", "POST", "GET"]  # M5: a GET of a writing method is a quick 403


# --- 1. listing parameters -------------------------------------------------------------------


@SETTINGS
@given(params=LISTING, mode=MODES, as_admin=st.booleans(), via_client=st.booleans())
async def test_e9_e15_s12_hostile_listing_parameters(
    fuzz: Fuzz, params: dict[str, Any], mode: str, as_admin: bool, via_client: bool
) -> None:
    """L2's every parameter, through /api/resource and frappe.client.get_list/get_count."""
    if via_client:
        method = "get_count" if "with_count" in params else "get_list"
        r = await send(
            fuzz,
            "GET" if mode == "query" else "POST",
            f"/api/method/frappe.client.{method}",
            {"doctype": DOCTYPE, **params},
            mode,
            as_admin,
        )
    else:  # E6: a GET takes a query string or a JSON body
        r = await send(fuzz, "GET", RESOURCE, params, "json" if mode == "json" else "query",
                       as_admin)  # fmt: skip
    check(r, fuzz.statements)
    if r.status_code == 200 and not via_client:
        assert isinstance(r.json()["data"], list)


# --- 2. every field type of a DocType --------------------------------------------------------


@SETTINGS
@given(
    doc=mostly(DOCUMENTS, times=8),
    update=mostly(DOCUMENTS, times=8),
    mode=st.sampled_from(["json", "form"]),
    as_admin=st.booleans(),
)
async def test_e9_e15_s12_hostile_field_values(
    fuzz: Fuzz, doc: Any, update: Any, mode: str, as_admin: bool
) -> None:
    """D6: every field type (and the child table's) on create, then on update."""
    r = await send(fuzz, "POST", RESOURCE, _form(doc, mode), mode, as_admin)
    check(r, fuzz.statements)
    name = r.json()["data"]["name"] if r.status_code == 200 else fuzz.seeded
    if r.status_code == 200:
        _check_saved(r.json()["data"])
    path = f"{RESOURCE}/{urllib.parse.quote(str(name), safe='')}"
    r = await send(fuzz, "PUT", path, _form(update, mode), mode, as_admin)
    check(r, fuzz.statements)
    if r.status_code == 200:
        _check_saved(r.json()["data"])
    r = await send(fuzz, "GET", path, {}, "query", True)
    check(r, fuzz.statements)


def _form(doc: Any, mode: str) -> Any:
    """D13: a form-encoded document travels as JSON in the `data` field."""
    return {"data": doc} if mode == "form" else doc


def _check_saved(data: dict[str, Any]) -> None:
    """D6's output types hold for whatever was accepted."""
    for fieldname in ("int_value", "flag", "docstatus", "idx"):
        assert isinstance(data.get(fieldname, 0), int), data
    for fieldname in ("float_value", "amount", "ratio"):
        value = data.get(fieldname, 0.0)
        assert isinstance(value, int | float) and math.isfinite(value), data
    for row in data.get("rows", []):
        assert isinstance(row.get("qty", 0), int) and isinstance(row["label"], str), row


# --- 3. frappe.client methods ----------------------------------------------------------------


@SETTINGS
@given(data=st.data(), mode=MODES, as_admin=st.booleans(), verb=st.sampled_from(VERBS))
async def test_e9_e15_s12_hostile_frappe_client_calls(
    fuzz: Fuzz, data: st.DataObject, mode: str, as_admin: bool, verb: str
) -> None:
    """M10: each method with any of its arguments missing, plausible or hostile, on a fresh
    document of the caller's own (so writes get past P5; an earlier example may have
    deleted or renamed the seeded one)."""
    headers = fuzz.site.admin_headers if as_admin else fuzz.user
    r = await fuzz.site.client.post(RESOURCE, json={"rows": [{"label": "r"}]}, headers=headers)
    assert r.status_code == 200, r.text
    method, arguments = data.draw(client_calls(r.json()["data"]["name"]), label="call")
    if verb == "GET":
        mode = "query"
    path = f"/api/method/frappe.client.{method}"
    r = await send(fuzz, verb, path, arguments, mode, as_admin)
    check(r, fuzz.statements)


def test_the_fuzz_values_are_hostile() -> None:
    """The strategies reach the values the fuzz test is for (a guard against a typo that
    would quietly make them tame)."""
    texts = [as_text(v) for v in _examples(HOSTILE, 400)]
    assert any(len(t) >= 5000 for t in texts) and any("\x00" in t for t in texts)
    assert any(t.startswith("[[[[") or t.startswith('{"a":{"a"') for t in texts)
    assert any(t in ("1e300000", "1e1000000", "9" * 4400) for t in texts)
    assert any("\ud800" in t or "\udfff" in t for t in texts)  # lone surrogates
    assert to_json(Deep(3, "[")) == "[[[]]]" and to_json(10**30) == str(10**30)
    assert to_json({"a": float("nan")}) == '{"a":NaN}'
    assert query_string({"f": "\ud800"}) == "f=%ED%A0%80"


def _examples(strategy: st.SearchStrategy[Any], count: int) -> Iterator[Any]:
    found: list[Any] = []

    @settings(max_examples=count, database=None, derandomize=True)
    @given(strategy)
    def collect(value: Any) -> None:
        found.append(value)

    collect()
    return iter(found)
