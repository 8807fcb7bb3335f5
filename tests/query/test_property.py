"""Property tests: the compiler agrees with SPEC's rules on both databases, and no input breaks it.

1. Random filter trees (Data, Select, Int, Float, Check, Date, Datetime fields; every operator;
   values with NULLs, quotes, unicode, empty lists) over random Gadget rows are compiled, run on
   SQLite and PostgreSQL, and must return exactly the rows a plain-Python reading of L17-L19
   selects.
2. Random strings (and random JSON) in every listing parameter, through the app, answer 2xx or a
   4xx E9 envelope with a message, never a 500 and never SQL outside developer mode.

Examples are bounded for the normal suite; MAJU_HYPOTHESIS_EXAMPLES=<n> raises them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maju import errors
from maju.db.connection import Database
from maju.doctype import storage
from maju.doctype.meta import DocTypeMeta
from maju.doctype.registry import Registry
from maju.query.compiler import compile_list
from maju.query.nodes import AllOf, AnyOf, Condition
from maju.query.params import parse_list_params
from maju.query.scope import QueryScope
from maju.site import build_registry, open_database
from tests.query.seeding import add_user, insert, open_listtest, todo
from tests.sites import Site, open_site

EXAMPLES = int(os.environ.get("MAJU_HYPOTHESIS_EXAMPLES", "40"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES <= 40,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TODAY = dt.date(2024, 1, 5)  # a Friday
TYPES = {
    "title": "Data",
    "kind": "Select",
    "qty": "Int",
    "weight": "Float",
    "active": "Check",
    "made_on": "Date",
    "seen_at": "Datetime",
}
FALLBACK: dict[str, Any] = {
    "Data": "",
    "Select": "",
    "Int": 0,
    "Float": Decimal(0),
    "Check": 0,
    "Date": dt.date(1, 1, 1),
    "Datetime": dt.datetime(1, 1, 1),
}
# Unicode whose lower case is one character on Python and PostgreSQL alike.
ALPHABET = "aAbBzZ09 '\"%_\\éÉßЖжωΩ日😀"
# L19 periods for TODAY, written out by hand (weeks start on Monday).
PERIODS = {
    ("timespan", "today"): ("2024-01-05", "2024-01-05"),
    ("timespan", "yesterday"): ("2024-01-04", "2024-01-04"),
    ("timespan", "tomorrow"): ("2024-01-06", "2024-01-06"),
    ("timespan", "this week"): ("2024-01-01", "2024-01-07"),
    ("timespan", "last week"): ("2023-12-25", "2023-12-31"),
    ("timespan", "next week"): ("2024-01-08", "2024-01-14"),
    ("timespan", "this month"): ("2024-01-01", "2024-01-31"),
    ("timespan", "last 7 days"): ("2023-12-29", "2024-01-05"),
    ("timespan", "next 7 days"): ("2024-01-05", "2024-01-12"),
    ("previous", "1 week"): ("2023-12-25", "2023-12-31"),
    ("next", "1 week"): ("2024-01-08", "2024-01-14"),
}

# --- the reference: SPEC L17-L19 read literally ------------------------------------------


def coerce(ftype: str, value: Any) -> Any:
    if ftype in ("Int", "Check"):
        if value in ("", None):
            return 0
        return int({"true": 1, "false": 0}.get(str(value).lower(), value))
    if ftype == "Float":
        return Decimal(0) if value in ("", None) else Decimal(str(value))
    if value in ("", None) and ftype in ("Date", "Datetime"):
        return None
    if value is None:
        return None
    if ftype == "Date":
        return dt.date.fromisoformat(value[:10])
    if ftype == "Datetime":
        return dt.datetime.fromisoformat(value)
    return str(value)


def as_text(ftype: str, value: Any) -> str:
    if ftype == "Datetime":
        return str(value.strftime("%Y-%m-%d %H:%M:%S.%f"))
    if ftype == "Date":
        return str(value.isoformat())
    return str(value)


def like(text: str, pattern: str) -> bool:
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, text.lower(), re.DOTALL) is not None


def bounds(ftype: str, low: Any, high: Any) -> tuple[Any, Any]:
    def one(value: Any, end: bool) -> Any:
        value = TODAY.isoformat() if value in (None, "") else value
        if ftype == "Datetime" and len(value) == 10:
            day = dt.date.fromisoformat(value)
            return dt.datetime.combine(day, dt.time(23, 59, 59, 999999) if end else dt.time())
        return coerce(ftype, value)

    return one(low, False), one(high, True)


def is_set(ftype: str, stored: Any) -> bool:
    if ftype in ("Int", "Check", "Float"):
        return bool(stored != 0)
    return stored not in (None, "")


def reference(ftype: str, stored: Any, op: str, value: Any) -> bool:  # noqa: C901
    """Does a row whose field holds `stored` pass `field <op> value`? (L17-L19)"""
    op = op.lower()
    fallback = FALLBACK[ftype]
    date_like = ftype in ("Date", "Datetime")
    if op in ("timespan", "previous", "next"):
        op, value = "between", list(PERIODS[(op, value)])
    if op == "is":
        return bool(is_set(ftype, stored) == (value == "set"))
    if op in ("like", "not like"):
        pattern = "" if value is None else str(value).lower()
        if stored is None:
            if op == "like" and pattern:
                return False  # L18: like with a non-empty value never matches NULL
            stored = fallback
        return like(as_text(ftype, stored), pattern) == (op == "like")
    if op in ("in", "not in"):
        items = [p.strip() for p in value.split(",")] if isinstance(value, str) else value
        items = [("" if item is None else item) for item in items or [""]]
        wanted = {fallback if item == "" else coerce(ftype, item) for item in items}
        if stored is None and op == "in" and "" not in items:
            return False
        found = (fallback if stored is None else stored) in wanted
        return found == (op == "in")
    if op == "between":
        low, high = bounds(ftype, *value) if date_like else (coerce(ftype, v) for v in value)
        if stored is None:
            if date_like:
                return False
            stored = fallback
        return bool(low <= stored <= high)
    target = coerce(ftype, value)
    if target is None:  # null (or "" for a date): `=` is "not set", `!=` is "set"
        if op in ("=", "!="):
            return bool(is_set(ftype, stored) == (op == "!="))
        target = fallback
    if stored is None:
        if op == "=" and target != "":
            return False
        if op in (">", ">=") and date_like:
            return False
        stored = fallback
    outcome: bool = {
        "=": stored == target,
        "!=": stored != target,
        "<": stored < target,
        ">": stored > target,
        "<=": stored <= target,
        ">=": stored >= target,
    }[op]
    return outcome


# --- strategies ----------------------------------------------------------------------------

text = st.text(ALPHABET, max_size=4)
dates = st.dates(dt.date(2023, 12, 28), dt.date(2024, 1, 10))
datetimes = st.builds(
    lambda d, h, us: dt.datetime.combine(d, dt.time(h, 0, 0, us)),
    dates,
    st.sampled_from([0, 9, 23]),
    st.sampled_from([0, 500000]),
)
quarters = st.integers(-12, 12).map(lambda n: Decimal(n) / 4)
STORED = {
    "title": st.none() | text,
    "kind": st.sampled_from([None, "", "Alpha", "Beta", "gamma"]),
    "qty": st.integers(-3, 3),
    "weight": quarters,
    "active": st.sampled_from([0, 1]),
    "made_on": st.none() | dates,
    "seen_at": st.none() | datetimes,
}
ROWS = st.lists(st.fixed_dictionaries(STORED), max_size=7)


def values_for(ftype: str) -> st.SearchStrategy[Any]:
    if ftype in ("Data", "Select"):
        return st.none() | text | st.sampled_from(["Alpha", "beta", "", "%", "_"])
    if ftype == "Int":
        return st.integers(-4, 4) | st.integers(-4, 4).map(str)
    if ftype == "Float":
        return quarters.map(float) | quarters.map(str)
    if ftype == "Check":
        return st.sampled_from([0, 1, True, False, "0", "1", "true"])
    if ftype == "Date":
        return st.none() | dates.map(dt.date.isoformat)
    return st.none() | dates.map(dt.date.isoformat) | datetimes.map(str)


@st.composite
def leaves(draw: st.DrawFn, text_ranges: bool) -> tuple[str, str, Any]:
    field = draw(st.sampled_from(sorted(TYPES)))
    ftype = TYPES[field]
    ops = ["=", "!=", "<", ">", "<=", ">=", "in", "not in", "is", "like", "not like"]
    if ftype in ("Date", "Datetime"):
        ops += ["between", "timespan", "previous", "next"]
    elif ftype in ("Int", "Float"):
        ops.append("between")
    if ftype == "Float":
        ops = [o for o in ops if "like" not in o]
    if ftype in ("Data", "Select") and not text_ranges:
        ops = [o for o in ops if o not in ("<", ">", "<=", ">=")]
    op = draw(st.sampled_from(ops))
    value: Any
    if op in ("in", "not in"):
        items = draw(st.lists(values_for(ftype), max_size=3))
        plain = [v for v in items if isinstance(v, str) and "," not in v]
        joined: bool = bool(plain) and draw(st.booleans())
        value = ", ".join(plain) if joined else items
    elif op == "is":
        value = draw(st.sampled_from(["set", "not set"]))
    elif op in ("like", "not like"):
        value = draw(st.none() | st.text(ALPHABET + "%_", max_size=4))
    elif op == "between":
        value = draw(
            st.lists(
                values_for(ftype)
                if ftype in ("Date", "Datetime")
                else values_for(ftype).filter(lambda v: v is not None),
                min_size=2,
                max_size=2,
            )
        )
    elif op in ("timespan", "previous", "next"):
        value = draw(st.sampled_from([v for o, v in PERIODS if o == op]))
    else:
        value = draw(values_for(ftype))
    return field, draw(st.sampled_from([op, op.upper()])), value


def _branches(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.tuples(st.sampled_from(["and", "or"]), st.lists(children, min_size=1, max_size=3))


def trees(text_ranges: bool) -> st.SearchStrategy[Any]:
    return st.recursive(leaves(text_ranges), _branches, max_leaves=6)


def holds(tree: Any, row: dict[str, Any]) -> bool:
    if isinstance(tree[1], list):
        results = [holds(child, row) for child in tree[1]]
        return all(results) if tree[0] == "and" else any(results)
    field, op, value = tree
    return reference(TYPES[field], row[field], op, value)


def node_of(scope: QueryScope, tree: Any) -> Condition:
    if isinstance(tree[1], list):
        children = tuple(node_of(scope, child) for child in tree[1])
        return AllOf(children) if tree[0] == "and" else AnyOf(children)
    where = parse_list_params(scope, {"filters": [list(tree)]}).where
    assert where is not None
    return where


# --- 1. compiled SQL against the reference -------------------------------------------------


@dataclass
class Bench:
    db: Database
    meta: DocTypeMeta
    scope: QueryScope
    text_ranges: bool  # PostgreSQL's collation orders text by code point, as Python does


class _Rollback(Exception):
    """Ends an example's transaction: every example starts from an empty table."""


@pytest.fixture
async def bench(backend: str, tmp_path: Path) -> AsyncIterator[Bench]:
    async with open_listtest(backend, tmp_path) as site:
        registry: Registry = build_registry(site.config)
        meta = registry["Gadget"]
        scope = QueryScope(
            meta,
            tuple(registry.child_tables(meta)),
            frozenset(f.fieldname for f in meta.fields),
            TODAY,
        )
        db = open_database(site.config)
        await db.connect()
        try:
            text_ranges = True
            if backend == "postgresql":
                async with db.transaction(read_only=True) as conn:
                    collation = await conn.fetch_value(
                        "SELECT datcollate FROM pg_database WHERE datname = current_database()"
                    )
                text_ranges = str(collation) in ("C", "POSIX", "C.UTF-8", "C.utf8")
            yield Bench(db, meta, scope, text_ranges)
        finally:
            await db.disconnect()


@SETTINGS
@given(data=st.data(), rows=ROWS)
async def test_l17_l18_l19_compiled_filters_match_the_reference(
    bench: Bench, data: st.DataObject, rows: list[dict[str, Any]]
) -> None:
    tree = data.draw(trees(bench.text_ranges), label="tree")
    top = data.draw(st.lists(leaves(bench.text_ranges), max_size=2), label="filters")
    either = data.draw(st.lists(leaves(bench.text_ranges), max_size=2), label="or_filters")
    base = parse_list_params(
        bench.scope,
        {
            "fields": '["name"]',
            "limit": 0,
            "filters": [list(t) for t in top],
            "or_filters": [list(t) for t in either],
        },
    )
    where = node_of(bench.scope, tree)
    query = dataclasses.replace(base, where=AllOf((base.where, where)) if base.where else where)
    sql, params = compile_list(query, bench.db.dialect)
    stored = [{"name": f"g{i}-{secrets.token_hex(3)}", **row} for i, row in enumerate(rows)]
    expected = {
        row["name"]
        for row in stored
        if all(holds(t, row) for t in top)
        and (not either or any(holds(t, row) for t in either))
        and holds(tree, row)
    }
    try:
        async with bench.db.transaction(read_only=False) as conn:
            for row in stored:
                await storage.insert_row(conn, bench.meta, row)
            found = {r["name"] for r in await conn.fetch_all(sql, params)}
            assert found == expected, (sql, params)
            raise _Rollback
    except _Rollback:
        pass


def test_the_reference_reads_spec_as_written() -> None:
    """Spot checks of the reference itself against L18's sentences."""
    assert reference("Data", None, "!=", "x")  # != includes NULL rows
    assert not reference("Data", None, "=", "x")
    assert reference("Data", None, "=", "")  # = "" matches NULL and empty
    assert not reference("Data", None, "like", "%")  # like "%" excludes NULLs
    assert reference("Date", None, "<", "2024-01-01")  # < on a Date includes NULL dates
    assert not reference("Date", None, ">=", "0001-01-01")
    assert not reference("Data", None, "in", ["x"]) and reference("Data", None, "in", [])
    assert reference("Data", None, "not in", ["x"]) and reference("Data", None, "not like", "x")
    assert reference("Datetime", dt.datetime(2024, 1, 5, 23), "timespan", "today")


# --- 2. random input through the app ---------------------------------------------------------

PARAMS = [
    "fields",
    "filters",
    "or_filters",
    "order_by",
    "group_by",
    "limit_start",
    "limit",
    "limit_page_length",
    "start",
    "page_length",
    "as_dict",
    "debug",
    "parent",
    "with_count",
    "doctype",
]
scalars = st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text()


def _nested(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    # A named function: hypothesis checks that `extend` uses its argument from the source.
    return st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=3)


json_values = st.recursive(scalars | st.floats(allow_nan=False), _nested, max_leaves=8)
words = st.sampled_from(
    [
        "name",
        "status",
        "date",
        "idx",
        "*",
        "count(*)",
        "checklist.item",
        "`tabToDo`.`name`",
        "like",
        "in",
        "between",
        "is",
        "set",
        "desc",
        ",",
        "(",
        ")",
        ";",
        "'",
        '"',
        "--",
        "select",
        "timespan",
        "today",
        "null",
    ]
)
phrases = st.lists(words | st.text(max_size=6), max_size=6).map(" ".join)
raw_values = st.text() | phrases | json_values.map(lambda v: orjson.dumps(v).decode())


@pytest.fixture
async def app_site(backend: str, tmp_path: Path) -> AsyncIterator[tuple[Site, dict[str, str]]]:
    async with open_site(backend, tmp_path) as site:
        await insert(site, "ToDo", [todo("a", date=dt.date(2024, 1, 2)), todo("b")])
        yield site, await add_user(site, "fuzz@example.com")


@SETTINGS
@given(
    params=st.dictionaries(st.sampled_from(PARAMS), raw_values | json_values, max_size=4),
    as_json=st.booleans(),
    as_admin=st.booleans(),
)
async def test_e15_s2_random_listing_input_never_breaks_the_server(
    app_site: tuple[Site, dict[str, str]], params: dict[str, Any], as_json: bool, as_admin: bool
) -> None:
    site, user = app_site
    headers = site.admin_headers if as_admin else user
    if as_json:  # E6: a JSON body replaces the query string, values keep their types
        r = await site.client.request(
            "GET",
            "/api/resource/ToDo",
            content=orjson.dumps(params),
            headers={**headers, "Content-Type": "application/json"},
        )
    else:
        query = {
            k: v if isinstance(v, str) else orjson.dumps(v).decode() for k, v in params.items()
        }
        r = await site.client.get("/api/resource/ToDo", params=query, headers=headers)
    assert r.status_code < 500, r.text
    body = r.json()
    if r.status_code >= 400:
        assert 400 <= r.status_code < 500
        assert body["exception"].startswith(body["exc_type"] + ": ")
        assert len(body["exception"]) > len(body["exc_type"]) + 2
        assert orjson.loads(body["exc"]) == [body["exception"]]
        assert 'FROM "tab' not in r.text and "Traceback" not in r.text
        assert issubclass(getattr(errors, body["exc_type"]), errors.MajuError)
    else:
        assert isinstance(body["data"], list)
        shown = {k: v for k, v in body.items() if k not in ("exc", "_debug_messages")}
        assert 'FROM "tab' not in orjson.dumps(shown).decode()
        assert as_admin or "exc" not in body  # L20: SQL only for the privileged
