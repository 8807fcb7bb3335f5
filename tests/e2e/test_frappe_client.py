"""The PyPI `frappe-client` (FrappeClient) drives a real maju server end to end.

The client is third-party code we do not control: it posts legacy `cmd` calls to `/` (M14), sends
documents as a form field `data` holding JSON (E6), authenticates with a `sid` cookie or HTTP Basic
keys (A1, A4, A7) and raises on any non-empty `exc` (E9). One uvicorn server per backend per module.
"""

from __future__ import annotations

import json

import pytest
import requests
from frappeclient import FrappeClient  # type: ignore[import-untyped]
from frappeclient.frappeclient import (  # type: ignore[import-untyped]
    AuthError,
    FrappeException,
)

from tests.servers import ServedSite

USER = "e2e@example.com"
PASSWORD = "e2e-Secret-1"


def _a1_a4_m14_password_login_and_cookie_session(server: ServedSite, client: FrappeClient) -> None:
    assert client.session.cookies.get("sid")
    assert client.get_api("frappe.auth.get_logged_user") == USER
    # A6 via M14: GET /?cmd=logout ends the session; the next call is Guest and the client raises.
    client.logout()
    with pytest.raises(FrappeException, match="PermissionError"):
        client.get_api("frappe.auth.get_logged_user")
    with pytest.raises(AuthError):
        FrappeClient(server.url, username=USER, password="wrong")


def _a7_token_auth_crud_with_child_table(client: FrappeClient) -> None:
    assert client.get_api("frappe.auth.get_logged_user") == USER

    # D13: POST /api/resource/ToDo with form field `data`, children included.
    first = client.insert(
        {
            "doctype": "ToDo",
            "description": "e2e first",
            "priority": "High",
            "date": "2026-01-02",
            "checklist": [{"item": "plan"}, {"item": "ship", "done": 1}],
        }
    )
    assert first["owner"] == USER and first["docstatus"] == 0
    assert [(r["item"], r["done"], r["idx"]) for r in first["checklist"]] == [
        ("plan", 0, 1),
        ("ship", 1, 2),
    ]
    assert all(r["parent"] == first["name"] for r in first["checklist"])
    second = client.insert({"doctype": "ToDo", "description": "e2e second", "priority": "Low"})

    # L: fields / filters / order_by / limit, and the client's default fields='"*"'.
    rows = client.get_list(
        "ToDo",
        fields=["name", "priority"],
        filters=[["ToDo", "description", "like", "e2e%"]],
        order_by="priority asc",
        limit_start=0,
        limit_page_length=1,
    )
    assert rows == [{"name": first["name"], "priority": "High"}]
    rows = client.get_list("ToDo", filters={"priority": "Low"})
    assert [r["name"] for r in rows] == [second["name"]]
    assert rows[0]["description"] == "e2e second" and "modified" in rows[0]

    # D14: GET the document with its children.
    doc = client.get_doc("ToDo", first["name"])
    assert doc["date"] == "2026-01-02" and len(doc["checklist"]) == 2

    # D15: PUT with form field `data` holding the whole fetched document; rows replaced.
    doc["status"] = "Closed"
    doc["checklist"] = [*doc["checklist"][1:], {"item": "retro"}]
    updated = client.update(doc)
    assert updated["status"] == "Closed"
    assert [r["item"] for r in updated["checklist"]] == ["ship", "retro"]

    # M10 via M14: set_value (POST /), get_value (GET /).
    saved = client.set_value("ToDo", second["name"], "priority", "Medium")
    assert saved["priority"] == "Medium"
    value = client.get_value("ToDo", "priority", {"name": second["name"]})
    assert value == {"priority": "Medium"}
    assert client.get_value("ToDo", filters={"description": "e2e first"}) == {"name": first["name"]}

    # M10 delete via POST / cmd=frappe.client.delete. E9: a 404 carries no `exc`, exactly as
    # Frappe's, so this client reads a missing document as None instead of raising.
    assert client.delete("ToDo", second["name"]) is None
    assert client.get_doc("ToDo", second["name"]) is None
    assert client.delete("ToDo", second["name"]) is None


def _m10_submit_and_cancel(client: FrappeClient) -> None:
    report = client.insert({"doctype": "ToDo Report", "title": "week 1", "hours": 2.5})
    assert report["name"].startswith("TDR-") and report["docstatus"] == 0
    # The client's `submit` sends `doclist`, a pre-v13 argument name; Frappe v15 and maju (M10)
    # take `doc`, so it is refused with a clear 417 and nothing is submitted.
    with pytest.raises(FrappeException, match="Missing required argument: doc"):
        client.submit(report)
    assert client.get_doc("ToDo Report", report["name"])["docstatus"] == 0
    # The same call with the v15 argument name, through the client's own legacy `cmd` path.
    submitted = client.post_request({"cmd": "frappe.client.submit", "doc": report})
    assert submitted["docstatus"] == 1
    cancelled = client.cancel("ToDo Report", report["name"])
    assert cancelled["docstatus"] == 2
    with pytest.raises(FrappeException, match=r"ValidationError|UpdateAfterSubmitError"):
        client.set_value("ToDo Report", report["name"], "title", "changed")


def _m1_m9_get_api_post_api_and_errors(server: ServedSite, client: FrappeClient) -> None:
    # get_api appends a trailing slash (M1 ignores it) and sends params in the query string.
    assert client.get_api("todo.api.hello", {"name": "Ann"}) == "Hello Ann"
    todo = client.insert({"doctype": "ToDo", "description": "close me"})
    # post_api sends its params in the query string of a POST with no body (E6).
    closed = client.post_api("todo.api.close", {"name": todo["name"], "reason": "done"})
    assert closed["status"] == "Closed" and closed["description"].endswith("Closed: done")
    # M4: hello is GET-only, so a POST is refused; M2: an unknown method; both raise.
    with pytest.raises(FrappeException, match="PermissionError"):
        client.post_api("todo.api.hello")
    with pytest.raises(FrappeException, match="Failed to get method"):
        client.get_api("todo.api.nope")
    # E9 on a wrong API secret: 401 with a non-empty `exc`, so the client raises.
    pair = server.keys_for(USER)  # a new secret; the old one no longer works (A11)
    wrong = FrappeClient(server.url, api_key=pair.api_key, api_secret="0" * 32)
    with pytest.raises(FrappeException, match="AuthenticationError"):
        wrong.get_list("ToDo")
    # The raw envelopes the client parsed (E9): `exc` is a string holding a JSON array, except
    # on a 404, which carries neither `exc` nor `exception`.
    r = requests.get(
        f"{server.url}/api/resource/ToDo/{todo['name']}",
        headers={"Authorization": f"token {pair.api_key}:{'0' * 32}"},
        timeout=10,
    )
    assert r.status_code == 401 and json.loads(r.json()["exc"])
    r = requests.get(
        f"{server.url}/api/resource/ToDo/missing",
        headers=client.headers,
        cookies=client.session.cookies,
        timeout=10,
    )
    assert r.status_code == 404 and r.json()["exc_type"] == "DoesNotExistError"
    assert "exc" not in r.json() and "exception" not in r.json()


def _m12_l14_get_value_json_encoded_name_and_null_filters(client: FrappeClient) -> None:
    """Regression: the client JSON-encodes `filters` in get_value, so a name arrives as `"ab12"`
    and no filter as `null` (L14's JSON-encoded form); both used to match nothing (`{}`)."""
    todo = client.insert({"doctype": "ToDo", "description": "newest", "priority": "Low"})
    assert client.get_value("ToDo", "priority", todo["name"]) == {"priority": "Low"}
    # No filter: the first row in L11's default order (modified desc), the ToDo just made.
    assert client.get_value("ToDo", "description") == {"description": "newest"}
    assert client.get_value("ToDo", "priority", "no-such-name") == {}


def test_frappe_client_end_to_end(server: ServedSite) -> None:
    """One test per backend: pytest-xdist's load scheduling spreads a module's tests over
    workers, and each worker would start its own server for a module-scoped fixture."""
    server.add_user(USER, PASSWORD, roles=("System Manager",))  # submit needs it
    pair = server.keys_for(USER)
    token = FrappeClient(server.url, api_key=pair.api_key, api_secret=pair.api_secret)
    session = FrappeClient(server.url, username=USER, password=PASSWORD)
    _a7_token_auth_crud_with_child_table(token)
    _m12_l14_get_value_json_encoded_name_and_null_filters(token)
    _m10_submit_and_cancel(session)
    _m1_m9_get_api_post_api_and_errors(server, session)
    _a1_a4_m14_password_login_and_cookie_session(server, session)  # logs the session out
