"""Hypothesis strategies for hostile client values, and the requests that carry them, for
tests/adversarial/test_fuzz.py: numbers too large to read, long strings, NUL, lone
surrogates, emoji and bidi marks, wrong JSON types, nesting past orjson's limits, empty
values, calendar edges; mixed with plausible values so examples also get past the first
check. The DocType they aim at is tests/apps/fuzzsuite's Every Type (every D6 field type).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

DOCTYPE = "Every Type"


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


# --- frappe.client calls ---------------------------------------------------------------------


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
