"""E9/E15/S12 fuzzing: hostile values thrown at every listing parameter (L2), at every field type
of a DocType (D6, tests/apps/fuzzsuite's Every Type and its child table) and at the
`frappe.client` methods (M10), on SQLite and PostgreSQL.

Hostile means: huge numbers and exponents, long strings, NUL, lone surrogates, emoji and
bidi marks, wrong JSON types, arrays and objects nested past what the JSON libraries write,
empty values, calendar edges. Every answer must be:

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

import json
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
DOCTYPE = "Every Type"
RESOURCE = "/api/resource/Every Type"
LEAKS = ('FROM "tab', "Traceback", 'File "', "sqlite3", "asyncpg", "site-packages")
# httpx refuses longer URLs; longer values go in a JSON body instead.
MAX_QUERY = 60_000


# --- values ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deep:
    """An array or object nested `depth` times, written as raw JSON (json.dumps of one that
    deep raises RecursionError on this side)."""

    depth: int
    kind: str  # "[" or "{"

    def json(self) -> str:
        if self.kind == "[":
            return "[" * self.depth + "]" * self.depth
        return '{"a":' * self.depth + "1" + "}" * self.depth


def to_json(value: Any) -> str:
    """JSON text as a hostile client writes it: any integer, NaN, lone surrogates escaped."""
    if isinstance(value, Deep):
        return value.json()
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k))}:{to_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(to_json(v) for v in value) + "]"
    return json.dumps(value)


def as_text(value: Any) -> str:
    """A value as a query-string or form parameter: strings as they are, the rest as JSON."""
    return value if isinstance(value, str) else to_json(value)


NUMBER_TEXT = st.sampled_from(
    ["1e300000", "1e1000000", "-1e-1000000", "1e400", "1e-400", "9" * 41, "9" * 4400, "-0",
     "0e-400", ".5", "5.", "+1", "1_000", "NaN", "-Infinity", "0x10", "١٢", "2147483648",
     "-2147483649", "9223372036854775808", "1e308", "1.7976931348623157e309"]
) | st.builds("{}e{}".format, st.integers(-99, 99), st.integers(-(10**7), 10**7))  # fmt: skip
LONG_TEXT = st.builds(
    lambda char, size: char * size,
    st.sampled_from(["a", "%", "_", ",", " ", "9", "[", "`", "\x00", "é", "😀", "\u202e"]),
    st.sampled_from([11, 141, 256, 501, 1001, 5000, 70_000]),
)
ODD_TEXT = st.sampled_from(
    ["", " ", "\x00", "a\x00b", "\ud800", "x\udfff", "😀", "\u202eabc", "e\u0301", "\ufeff",
     "null", "true", "[]", "{}", "*", "%", "_", "'", '"', "`", "\\", ";", "--", "name", "idx",
     "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "0001-01-01", "9999-12-31",
     "2024-02-30", "24:00", "23:59:60", "-1:00", "0999-01-01 00:00:00", "Administrator",
     "Guest", "/files/x.png", "javascript:alert(1)", "a@b.co", "A", "B\n"]
)  # fmt: skip
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats()
    | st.text(max_size=20)
    | NUMBER_TEXT
    | ODD_TEXT
)
DEEP = st.builds(Deep, st.sampled_from([3, 64, 255, 256, 1000, 1030]), st.sampled_from("[{"))


def _containers(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=3)


NESTED = st.recursive(SCALARS, _containers, max_leaves=6)
HOSTILE = SCALARS | LONG_TEXT | DEEP | NESTED


def mostly(plausible: st.SearchStrategy[Any], times: int = 3) -> st.SearchStrategy[Any]:
    """Plausible `times` times in `times + 1`, so examples also get past the first check
    (one_of would not do: it draws each distinct branch alike, however often it is given)."""
    return st.sampled_from(range(times + 1)).flatmap(lambda i: plausible if i else HOSTILE)


PLAUSIBLE: dict[str, st.SearchStrategy[Any]] = {
    "Data": st.sampled_from(["x", "A", "User", "Every Type", "a@b.co", "https://x.y", "+1 23"]),
    "Int": st.integers(-(2**31), 2**31 - 1) | st.integers(-5, 5).map(str),
    "Float": st.floats(-1e11, 1e11, allow_nan=False) | st.sampled_from(["2.5", "1e3", "-0"]),
    "Check": st.sampled_from([0, 1, True, False, "0", "1", "true", "false"]),
    "Select": st.sampled_from(["A", "B", "C", "X", "Y", ""]),
    "Link": st.sampled_from(["Administrator", "Guest", "fuzz@example.com", "nobody"]),
    "Date": st.dates().map(str),
    "Datetime": st.datetimes().map(str) | st.datetimes().map(lambda d: d.isoformat()),
    "Time": st.times().map(str),
    "JSON": NESTED,
    "Attach": st.sampled_from(["/files/a.png", "/private/files/b.pdf", "https://x.y/c"]),
}
PARENT_FIELDS = {
    "line": "Data", "email": "Data", "url": "Data", "phone": "Data", "short": "Data",
    "small": "Data", "text": "Data", "long": "Data", "editor": "Data", "int_value": "Int",
    "float_value": "Float", "amount": "Float", "ratio": "Float", "flag": "Check",
    "choice": "Select", "user": "Link", "ref_type": "Data", "ref_name": "Link", "day": "Date",
    "event": "Datetime", "at": "Time", "payload": "JSON", "secret": "Data", "file": "Attach",
    "image": "Attach", "restricted": "Data", "section": "Data", "note": "Data", "press": "Data",
}  # fmt: skip
ROW_FIELDS = {
    "label": "Data", "qty": "Int", "price": "Float", "done": "Check", "choice": "Select",
    "user": "Link", "day": "Date", "when": "Datetime", "at": "Time", "note": "Data",
    "payload": "JSON",
}  # fmt: skip
# D1/D12 keys a client may send anyway.
STANDARD_KEYS = ["name", "__newname", "docstatus", "modified", "idx", "owner", "doctype", "flags"]


def record(fields: dict[str, str], extra: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Plausible values for some fields, and up to two keys spiked with hostile values."""
    plain = st.lists(st.sampled_from(sorted(fields)), unique=True, max_size=6).flatmap(
        lambda names: st.fixed_dictionaries({n: PLAUSIBLE[fields[n]] for n in names})
    )
    spiked = st.dictionaries(st.sampled_from([*fields, *extra]), HOSTILE, max_size=2)
    return st.builds(lambda p, h: {**p, **h}, plain, spiked)


ROWS = mostly(st.lists(mostly(record(ROW_FIELDS, ["name", "idx", "parent"])), max_size=4))
DOCUMENTS = st.builds(
    lambda fields, rows: {**fields, **({"rows": rows} if rows is not None else {})},
    record(PARENT_FIELDS, STANDARD_KEYS),
    st.none() | ROWS,
)

# --- listing parameters ----------------------------------------------------------------------

L2_PARAMS = [
    "fields", "filters", "or_filters", "order_by", "group_by", "limit_start", "limit",
    "limit_page_length", "start", "page_length", "as_dict", "debug", "parent", "with_count",
]  # fmt: skip
COLUMNS = [*PARENT_FIELDS, "name", "owner", "creation", "modified", "docstatus", "idx",
           "rows.label", "rows.qty", "`tabEvery Type`.`name`", "*", "count(*)", "sum(amount)",
           "max(event)", "distinct user", "name as n", "nope"]  # fmt: skip
OPERATORS = ["=", "!=", ">", "<", ">=", "<=", "like", "not like", "in", "not in", "is",
             "between", "timespan", "previous", "next", "descendants of", "LIKE", "", None,
             "~"]  # fmt: skip
ANY_PLAUSIBLE = st.one_of(*PLAUSIBLE.values()) | st.sampled_from(
    ["set", "not set", "today", "last week", "%x%"]
)
FILTER_VALUE = mostly(ANY_PLAUSIBLE | st.lists(ANY_PLAUSIBLE, max_size=3))
FILTER_ENTRY = st.one_of(
    st.tuples(st.sampled_from(COLUMNS), st.sampled_from(OPERATORS), FILTER_VALUE),
    st.tuples(
        st.sampled_from([DOCTYPE, "Every Type Row", "ToDo"]),
        st.sampled_from([*ROW_FIELDS, *COLUMNS]),
        st.sampled_from(OPERATORS),
        FILTER_VALUE,
    ),
).map(list)
FILTERS = mostly(
    st.lists(mostly(FILTER_ENTRY), max_size=3)
    | st.dictionaries(st.sampled_from(COLUMNS), FILTER_VALUE, max_size=3)
)
FLAGS = st.sampled_from([True, False, 0, 1, "0", "1", "true", "False"])
PAGE = st.integers(0, 30) | st.integers(0, 30).map(str)
PARAM_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "fields": st.lists(st.sampled_from(COLUMNS), max_size=4) | st.just("*"),
    "filters": FILTERS,
    "or_filters": FILTERS,
    "order_by": st.lists(st.sampled_from(COLUMNS), max_size=3).map(", ".join),
    "group_by": st.sampled_from(["user", "choice, flag", "rows.label", "name"]),
    "limit_start": PAGE, "limit": PAGE, "limit_page_length": PAGE, "start": PAGE,
    "page_length": PAGE, "as_dict": FLAGS, "debug": FLAGS, "with_count": FLAGS,
    "parent": st.sampled_from([DOCTYPE, "ToDo"]),
}  # fmt: skip


def param_value(key: str) -> st.SearchStrategy[Any]:
    return mostly(PARAM_VALUES[key])


LISTING = st.fixed_dictionaries(
    {}, optional={**{key: param_value(key) for key in L2_PARAMS}, "_": HOSTILE, "cmd": HOSTILE}
)

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


def client_calls(seeded: str) -> st.SearchStrategy[tuple[str, dict[str, Any]]]:
    doctypes = mostly(st.sampled_from([DOCTYPE, DOCTYPE, "Every Type Row", "User", "Nope"]))
    names = mostly(st.sampled_from([seeded, seeded, "missing"]))
    fieldnames = mostly(st.sampled_from([*PARENT_FIELDS, *STANDARD_KEYS, "rows"]))
    docs = mostly(DOCUMENTS.map(lambda d: {"doctype": DOCTYPE, **d}))
    saved = mostly(DOCUMENTS.map(lambda d: {"doctype": DOCTYPE, "name": seeded, **d}))
    bulk = mostly(
        st.lists(mostly(DOCUMENTS.map(lambda d: {"doctype": DOCTYPE, "docname": seeded, **d})),
                 max_size=3)
    )  # fmt: skip
    listing = {k: param_value(k) for k in L2_PARAMS}
    # (required, optional) arguments per method
    arguments: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
        "get_list": ({"doctype": doctypes}, listing),
        "get_count": ({"doctype": doctypes}, {"filters": FILTERS, "or_filters": FILTERS,
                                              "debug": mostly(FLAGS)}),
        "get": ({"doctype": doctypes}, {"name": names, "filters": FILTERS,
                                        "parent": param_value("parent")}),
        "get_value": ({"doctype": doctypes, "fieldname": mostly(st.lists(fieldnames, max_size=3))
                       | fieldnames}, {"filters": FILTERS | names, "as_dict": mostly(FLAGS),
                                       "debug": mostly(FLAGS), "parent": HOSTILE}),
        "get_single_value": ({"doctype": doctypes, "field": fieldnames}, {}),
        "set_value": ({"doctype": doctypes, "name": names, "fieldname": fieldnames | DOCUMENTS},
                      {"value": mostly(ANY_PLAUSIBLE)}),
        "insert": ({"doc": docs}, {}),
        "insert_many": ({"docs": mostly(st.lists(docs, max_size=3))}, {}),
        "save": ({"doc": saved}, {}),
        "submit": ({"doc": saved | docs}, {}),
        "cancel": ({"doctype": doctypes, "name": names}, {}),
        "delete": ({"doctype": doctypes, "name": names}, {}),
        "rename_doc": ({"doctype": doctypes, "old_name": names, "new_name": mostly(
                        st.sampled_from(["renamed", "missing"]))}, {"merge": mostly(FLAGS)}),
        "bulk_update": ({"docs": bulk}, {}),
        "has_permission": ({"doctype": doctypes, "docname": names}, {"perm_type": mostly(
                            st.sampled_from(["read", "write", "submit", "nope"]))}),
    }  # fmt: skip
    return st.sampled_from(sorted(arguments)).flatmap(
        lambda method: st.tuples(
            st.just(method),
            st.fixed_dictionaries(arguments[method][0], optional=arguments[method][1]),
        )
    )


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
