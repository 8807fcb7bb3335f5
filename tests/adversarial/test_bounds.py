"""S12/E15: numbers too large to read answer a quick 417 naming the field or parameter, before
any conversion (issue 10 items 1 and 10), through every door: documents, `docstatus`, paging,
filters, method arguments and the JSON body itself; on both databases."""

from __future__ import annotations

import json

import pytest

from maju import errors
from maju.api.arguments import coerce
from tests.api.test_client_methods import call
from tests.api.test_documents import TODO, assert_error, create, dsite, messages, rows_of
from tests.api.test_listing_filters import names
from tests.api.test_method_arguments import TYPED, msite
from tests.query.seeding import insert, todo
from tests.sites import Site

__all__ = ["dsite", "msite"]

SINK = "/api/resource/Kitchen Sink"
HUGE_TEXT = ["1e300000", "1e1000000", "-1e401", "9" * 41, "9" * 4400]
HUGE_JSON = [1e308, -1e308, 2**64 - 1, 10**30]  # orjson reads ints past 2**64 as floats


async def test_s12_e15_huge_docstatus_is_417_naming_it(site: Site) -> None:
    """Item 1: `int()` of `"1e300000"` ran before the range check and held the loop 5 s."""
    (name,) = await insert(site, "ToDo", [todo("kept")])
    for value in [*HUGE_TEXT, *HUGE_JSON]:
        r = await site.client.post(
            TODO, json={"description": "x", "docstatus": value}, headers=site.admin_headers
        )
        body = assert_error(r, 417, "ValidationError")
        assert messages(body)[0].startswith("Invalid value for Docstatus: "), body
        assert len(body["exception"]) < 300  # the value is echoed shortened
        r = await site.client.put(
            f"{TODO}/{name}", json={"docstatus": value}, headers=site.admin_headers
        )
        assert_error(r, 417, "ValidationError")
        doc = {"doctype": "ToDo", "description": "x", "docstatus": value}
        assert_error(await call(site, "insert", doc=doc), 417, "ValidationError")


async def test_s12_d6_huge_numbers_in_number_fields_are_417_naming_the_field(dsite: Site) -> None:
    doc = await create(dsite, "Kitchen Sink", {"line": "kept", "int_value": 7})
    labels = {"int_value": "Int Value", "float_value": "Float Value", "amount": "Amount"}
    for fieldname, label in {**labels, "ratio": "Ratio"}.items():
        for value in [*HUGE_TEXT, *HUGE_JSON]:
            r = await dsite.client.put(
                f"{SINK}/{doc['name']}", json={fieldname: value}, headers=dsite.admin_headers
            )
            body = assert_error(r, 417, "ValidationError")
            assert messages(body)[0].startswith(f"Invalid value for {label}: "), (value, body)
    stored = (await rows_of(dsite, "tabKitchen Sink", "name", doc["name"]))[0]
    assert (stored["line"], stored["int_value"]) == ("kept", 7)
    # Within the bounds every spelling D6 names still works.
    for sent, kept in (("40e-1", 4), ("  12 ", 12), (3.0, 3), ("-2147483648", -(2**31))):
        r = await dsite.client.put(
            f"{SINK}/{doc['name']}", json={"int_value": sent}, headers=dsite.admin_headers
        )
        assert r.status_code == 200 and r.json()["data"]["int_value"] == kept, r.text


async def test_s12_l9_paging_with_4400_digits_is_417(site: Site) -> None:
    """Item 10: `limit` of 4,400 digits was a 500 (int() refuses over 4,300 digits)."""
    for key in ("limit", "limit_start", "limit_page_length", "page_length", "start"):
        for value in ("9" * 4400, "9" * 41):
            r = await site.client.get(TODO, params={key: value}, headers=site.admin_headers)
            body = assert_error(r, 417, "DataError")
            assert body["exception"].startswith(f"DataError: {key} is too large: 999"), body
            assert len(body["exception"]) < 200
        r = await site.client.post(
            "/api/method/frappe.client.get_list",
            json={"doctype": "ToDo", key: 10**19},
            headers=site.admin_headers,
        )
        assert_error(r, 417, "DataError", f"{key} is too large: {10**19}")


async def test_s12_l17_huge_filter_values_are_417_naming_the_field(site: Site) -> None:
    """Item 10: `[["idx","=","1e1000000"]]` raised decimal.Overflow (a 500)."""
    for value in [*HUGE_TEXT, "1e400", *HUGE_JSON]:
        for field in ("idx", "docstatus"):
            filters = json.dumps([[field, "=", value]])  # orjson cannot write 10**30
            r = await site.client.get(TODO, params={"filters": filters}, headers=site.admin_headers)
            body = assert_error(r, 417, "DataError")
            assert body["exception"].startswith(f"DataError: Invalid value for {field} in "), body
        r = await site.client.post(
            "/api/method/frappe.client.get_count",
            json={"doctype": "ToDo", "filters": {"idx": ["in", ["1", value]]}},
            headers=site.admin_headers,
        )
        assert_error(r, 417, "DataError")
    (name,) = await insert(site, "ToDo", [todo("found")])
    assert await names(site, [["idx", "<", "1e9"], ["idx", "=", "0e-400"]]) == {name}


async def test_s12_float_filter_values_are_bounded(dsite: Site) -> None:
    doc = await create(dsite, "Kitchen Sink", {"float_value": 2.5})
    r = await dsite.client.get(
        SINK,
        params={"filters": '[["float_value", ">", "1e-1000000"]]'},
        headers=dsite.admin_headers,
    )
    assert_error(r, 417, "DataError")
    r = await dsite.client.get(
        SINK, params={"filters": '[["float_value", ">", "1e-400"]]'}, headers=dsite.admin_headers
    )
    assert r.status_code == 200 and [d["name"] for d in r.json()["data"]] == [doc["name"]]


async def test_s12_m7_huge_int_and_float_arguments_are_417(msite: Site) -> None:
    """M7's int and float coercion goes through the same bounds (FrappeTypeError)."""
    for value in [*HUGE_TEXT, "1_000", "١٢"]:
        for arg, kind in (("a", "int"), ("b", "float"), ("maybe", "int | None")):
            r = await msite.client.post(
                TYPED, json={"a": 1, arg: value}, headers=msite.admin_headers
            )
            assert_error(
                r,
                417,
                "FrappeTypeError",
                f"Argument '{arg}' should be of type '{kind}' but got 'str' instead.",
            )
    assert coerce("n", int, " 12 ") == 12 and coerce("n", float, "1e300") == 1e300
    with pytest.raises(errors.FrappeTypeError):
        coerce("n", float, "1e400")  # within the text bounds, but not a finite float


async def test_s12_json_body_numbers_beyond_a_double_are_417(site: Site) -> None:
    """A JSON number past a double's range (valid JSON) is out of range, not invalid JSON."""
    for body in (b'{"description": "x", "docstatus": 1e400}', b'{"a": [-1E+999]}'):
        r = await site.client.post(
            TODO,
            content=body,
            headers={**site.admin_headers, "Content-Type": "application/json"},
        )
        assert_error(r, 417, "DataError")
        assert "out of range" in r.json()["exception"]
    for body in (b'{"docstatus": NaN}', b'{"docstatus": Infinity}', b'{"a": 1e}'):
        r = await site.client.post(
            TODO,
            content=body,
            headers={**site.admin_headers, "Content-Type": "application/json"},
        )
        assert_error(r, 400, "BadRequestError", "Invalid JSON body")


async def test_s12_e13_content_length_of_5000_digits_is_413(site: Site) -> None:
    """The declared length was read with int() first: 5,000 digits raised out of the app."""
    for declared in ("9" * 5000, "26214401"):
        r = await site.client.post(
            "/api/method/ping", content=b"12", headers={"Content-Length": declared}
        )
        assert_error(r, 413, "PayloadTooLargeError")
    r = await site.client.post(
        "/api/method/ping", content=b"12", headers={"Content-Length": "0" * 30 + "2"}
    )
    assert r.status_code == 200 and r.json() == {"message": "pong"}, r.text
