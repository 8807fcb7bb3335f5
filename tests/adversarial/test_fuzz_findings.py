"""What tests/adversarial/test_fuzz.py found, pinned one by one (E9, E15), on both databases."""

from __future__ import annotations

import json
from typing import Any

import orjson

from tests.api.test_client_methods import call
from tests.api.test_documents import TODO, assert_error
from tests.query.seeding import insert, todo
from tests.sites import Site


def nested(depth: int) -> Any:
    value: Any = []
    for _ in range(depth - 1):
        value = [value]
    return value


async def test_e15_m10_bulk_update_echoes_an_entry_too_deep_to_write_back(site: Site) -> None:
    """A failed entry is echoed in `failed_docs`; one nested 255 deep (orjson reads 1,024
    levels but writes 254) made the answer itself fail after the work: a 500."""
    (name,) = await insert(site, "ToDo", [todo("kept")])
    deep_entry = nested(255)
    deep_field = {"doctype": "ToDo", "docname": "missing", "x": nested(300)}
    good = {"doctype": "ToDo", "docname": name, "status": "Closed"}
    r = await site.client.post(
        "/api/method/frappe.client.bulk_update",
        content=json.dumps({"docs": [deep_entry, deep_field, good]}),  # orjson stops at 254
        headers={**site.admin_headers, "Content-Type": "application/json"},
    )
    assert r.status_code == 200, r.text
    failed = r.json()["message"]["failed_docs"]
    assert [f["exc"] for f in failed] == [
        "ValidationError: Each of docs must be a JSON object",
        "DoesNotExistError: ToDo missing not found",
    ]
    assert failed[0]["doc"] == "[[[[...]]]]"  # shortened, as error messages show values
    assert failed[1]["doc"] == "{'docname': 'missing', 'doctype': 'ToDo', 'x': [[[...]]]}"
    r = await site.client.get(f"{TODO}/{name}", headers=site.admin_headers)
    assert r.json()["data"]["status"] == "Closed"  # the good entry was kept
    shallow = {"doctype": "ToDo", "docname": "missing", "x": [[1]]}
    r = await call(site, "bulk_update", docs=[shallow])
    assert r.json()["message"]["failed_docs"][0]["doc"] == shallow  # echoed as sent
    # The answer wraps an entry in four levels: 250 deep still goes back, 251 no longer.
    r = await call(site, "bulk_update", docs=json.dumps([nested(250), nested(251)]))
    assert r.status_code == 200, r.text
    assert [f["doc"] for f in r.json()["message"]["failed_docs"]] == [nested(250), "[[[[...]]]]"]


async def test_e9_exception_is_one_line_when_the_message_echoes_a_line_break(site: Site) -> None:
    """E9: `exception` is one line; a client value with a line break in its message (fields,
    order_by, an unknown DocType) is written with the break escaped."""
    for params, line in (
        ({"fields": "0\n"}, "DataError: fields must be a JSON array of field names, got: 0\\n"),
        ({"order_by": "a\r\nb"}, "DataError: Invalid order_by item: a\\r\\nb"),
        (
            {"filters": '[["x\\u2028y", "=", 1]]'},
            "DataError: Field not permitted in query: x\\u2028y",
        ),
    ):
        r = await site.client.get(TODO, params=params, headers=site.admin_headers)
        body = assert_error(r, 417, "DataError", line[len("DataError: ") :])
        assert orjson.loads(body["exc"]) == [line]
        message = orjson.loads(orjson.loads(body["_server_messages"])[0])["message"]
        assert "\\" not in message  # the user-facing message keeps the text as sent
