"""Field values through /api/resource: mandatory, unique, length (D4), defaults (D5), types (D6),
datetimes (D7), key order and nulls (D8, D9) and field levels (P6), on both databases."""

from __future__ import annotations

import re
from typing import Any

from tests.api.test_documents import (
    DATETIME,
    STANDARD,
    assert_error,
    create,
    dsite,
    messages,
    rows_of,
    user_headers,
)
from tests.sites import Site

__all__ = ["dsite"]

SINK = "/api/resource/Kitchen Sink"
SINK_FIELDS = [
    "line",
    "small",
    "int_value",
    "float_value",
    "amount",
    "ratio",
    "flag",
    "choice",
    "user",
    "ref_type",
    "ref_name",
    "day",
    "event",
    "at",
    "payload",
    "secret",
    "file",
    "auto_item",
    "restricted",
]

FULL: dict[str, Any] = {
    "line": "text",
    "small": "more text",
    "int_value": "42",
    "float_value": "2.5",
    "amount": 10,
    "ratio": 12.5,
    "flag": "false",
    "choice": "C",
    "user": "Administrator",
    "ref_type": "User",
    "ref_name": "Guest",
    "day": "2024-03-01 10:00:00",
    "event": "2024-03-01T10:00:00.5",
    "at": "7:30",
    "payload": {"b": 1, "a": [1, 2]},
    "secret": "hunter2",
    "file": "/files/cat.png",
    "restricted": "level 1",
    "rows": [{"label": "one", "qty": "3"}],
}


async def test_d6_d8_every_type_round_trips(dsite: Site) -> None:
    doc = await create(dsite, "Kitchen Sink", FULL)
    assert list(doc) == [
        *STANDARD,
        *(f for f in SINK_FIELDS if f != "auto_item"),
        "doctype",
        "rows",
        "private_rows",
    ]
    expected = {
        "line": "text",
        "small": "more text",
        "int_value": 42,
        "float_value": 2.5,
        "amount": 10.0,
        "ratio": 12.5,
        "flag": 0,
        "choice": "C",
        "user": "Administrator",
        "ref_type": "User",
        "ref_name": "Guest",
        "day": "2024-03-01",
        "event": "2024-03-01 10:00:00.500000",
        "at": "07:30:00",
        "payload": '{"b":1,"a":[1,2]}',
        "secret": "********",
        "file": "/files/cat.png",
        "restricted": "level 1",
    }
    assert {k: doc[k] for k in expected} == expected
    assert isinstance(doc["int_value"], int) and isinstance(doc["float_value"], float)
    assert doc["rows"][0]["qty"] == 3 and doc["private_rows"] == []
    r = await dsite.client.get(f"{SINK}/{doc['name']}", headers=dsite.admin_headers)
    assert r.json()["data"] == doc  # the database gives back exactly what the insert said
    stored = (await rows_of(dsite, "tabKitchen Sink", "name", doc["name"]))[0]
    assert stored["secret"] == "hunter2"  # kept for the app, never sent (S3's mask)


async def test_d5_d9_defaults_and_nulls(dsite: Site) -> None:
    doc = await create(dsite, "Kitchen Sink", {})
    # D5: defaults (Check 1, Select "B", Date "Today"), numbers 0; D9: nulls are left out.
    assert {
        k: doc[k] for k in ("int_value", "float_value", "amount", "ratio", "flag", "choice")
    } == {"int_value": 0, "float_value": 0.0, "amount": 0.0, "ratio": 0.0, "flag": 1, "choice": "B"}
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", doc["day"])
    for absent in ("line", "small", "user", "event", "at", "payload", "secret", "file"):
        assert absent not in doc
    assert re.fullmatch(DATETIME, doc["creation"]) and doc["docstatus"] == 0
    # D6: a client `null` on a numeric field stores 0.
    r = await dsite.client.put(
        f"{SINK}/{doc['name']}", json={"int_value": None, "flag": None}, headers=dsite.admin_headers
    )
    assert (r.json()["data"]["int_value"], r.json()["data"]["flag"]) == (0, 0)


async def test_d6_bad_values_answer_417_naming_the_field(dsite: Site) -> None:
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"int_value": "1.5"}, "ValidationError", "Int Value"),
        ({"int_value": [1]}, "ValidationError", "Int Value"),
        ({"float_value": "lots"}, "ValidationError", "Float Value"),
        ({"flag": "yes"}, "ValidationError", "Flag"),
        ({"choice": "D"}, "ValidationError", 'Choice cannot be "D"'),
        ({"line": {"a": 1}}, "ValidationError", "Line"),
        ({"day": "tomorrow"}, "ValidationError", "Day"),
        ({"event": "2024-13-01"}, "ValidationError", "Event"),
        ({"at": "25:61"}, "ValidationError", "At"),
        ({"payload": "{oops"}, "ValidationError", "Payload"),
        ({"file": "ftp://x/y"}, "ValidationError", "File"),
        (
            {"user": "nobody@example.com"},
            "LinkValidationError",
            "Could not find User: nobody@example.com",
        ),
        (
            {"ref_type": "User", "ref_name": "nobody"},
            "LinkValidationError",
            "Could not find Reference Name: nobody",
        ),
        (
            {"ref_type": "Nope", "ref_name": "x"},
            "LinkValidationError",
            "Could not find Reference Type: Nope",
        ),
        ({"ref_name": "x"}, "ValidationError", "Reference Type must be set first"),
        (
            {"rows": [{"label": "x", "user": "ghost"}]},
            "LinkValidationError",
            "Could not find User: ghost",
        ),
    ]
    for body, exc_type, text in cases:
        r = await dsite.client.post(SINK, json=body, headers=dsite.admin_headers)
        error = assert_error(r, 417, exc_type)
        assert text in error["exception"], (body, error["exception"])
    assert await rows_of(dsite, "tabKitchen Sink", "docstatus", 0) == []


async def test_d4_mandatory_names_every_missing_field(dsite: Site) -> None:
    r = await dsite.client.post(
        "/api/resource/Coded Item", json={"code": "c", "sku": " "}, headers=dsite.admin_headers
    )
    body = assert_error(r, 417, "MandatoryError", "Value missing for Coded Item: SKU, Size")
    assert messages(body) == [
        "Value missing for Coded Item: SKU",
        "Value missing for Coded Item: Size",
    ]
    r = await dsite.client.post(
        SINK, json={"rows": [{"qty": 1}, {"label": "ok"}, {}]}, headers=dsite.admin_headers
    )
    body = assert_error(r, 417, "MandatoryError")
    assert messages(body) == [
        "Value missing for Sink Row: Label (Rows row 1)",
        "Value missing for Sink Row: Label (Rows row 3)",
    ]


async def test_d4_unique_and_length(dsite: Site) -> None:
    base = {"sku": "s", "size": "S"}
    await create(dsite, "Coded Item", {**base, "code": "a", "email": "x@example.com"})
    r = await dsite.client.post(
        "/api/resource/Coded Item",
        headers=dsite.admin_headers,
        json={**base, "code": "b", "email": "x@example.com"},
    )
    assert_error(r, 417, "UniqueValidationError", "Email must be unique")
    # Saving the holder of the value again is no clash.
    r = await dsite.client.put(
        "/api/resource/Coded Item/a", json={"email": "x@example.com"}, headers=dsite.admin_headers
    )
    assert r.status_code == 200
    r = await dsite.client.post(
        "/api/resource/Coded Item",
        headers=dsite.admin_headers,
        json={**base, "code": "c", "short": "123456"},
    )
    body = assert_error(r, 417, "CharacterLengthExceededError")
    assert "Short" in body["exception"]
    r = await dsite.client.post(
        "/api/resource/Coded Item",
        headers=dsite.admin_headers,
        json={**base, "code": "c", "email": "not-an-email"},
    )
    assert_error(r, 417, "ValidationError", "Email: not-an-email is not a valid Email Address")


async def test_d7_datetimes(dsite: Site) -> None:
    for sent, stored in [
        ("2024-03-01 10:00:00", "2024-03-01 10:00:00.000000"),
        ("2024-03-01T10:00:00.123", "2024-03-01 10:00:00.123000"),
        ("2024-03-01", "2024-03-01 00:00:00.000000"),
        ("2024-03-01T12:00:00+02:00", "2024-03-01 10:00:00.000000"),
    ]:
        doc = await create(dsite, "Kitchen Sink", {"event": sent})
        assert doc["event"] == stored
        assert re.fullmatch(DATETIME, doc["modified"])


async def test_p6_field_levels(dsite: Site) -> None:
    ann = await user_headers(dsite, "ann@example.com")
    doc = await create(
        dsite,
        "Kitchen Sink",
        {"line": "x", "restricted": "secret", "private_rows": [{"label": "p"}]},
        headers=ann,
    )
    # Values for fields the caller may not write are ignored; fields it may not read are absent.
    assert "restricted" not in doc and "private_rows" not in doc
    admin = (await dsite.client.get(f"{SINK}/{doc['name']}", headers=dsite.admin_headers)).json()
    assert "restricted" not in admin["data"] and admin["data"]["private_rows"] == []
    r = await dsite.client.put(
        f"{SINK}/{doc['name']}", json={"restricted": "by admin"}, headers=dsite.admin_headers
    )
    assert r.json()["data"]["restricted"] == "by admin"
    r = await dsite.client.put(
        f"{SINK}/{doc['name']}", json={"restricted": "by ann", "line": "y"}, headers=ann
    )
    assert r.status_code == 200 and "restricted" not in r.json()["data"]
    assert r.json()["data"]["line"] == "y"
    stored = (await rows_of(dsite, "tabKitchen Sink", "name", doc["name"]))[0]
    assert stored["restricted"] == "by admin"
