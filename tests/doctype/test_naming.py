"""Naming (D2) and name checks (D3) through the app, on both databases (tests/apps/docsuite)."""

from __future__ import annotations

import asyncio
import re

from tests.api.test_documents import assert_error, create, dsite, titles
from tests.sites import Site

__all__ = ["dsite"]  # the fixture, imported for pytest


async def post(site: Site, doctype: str, body: dict[str, object]) -> tuple[int, dict[str, object]]:
    r = await site.client.post(f"/api/resource/{doctype}", json=body, headers=site.admin_headers)
    return r.status_code, r.json()


async def test_d2_hash_field_and_prompt(dsite: Site) -> None:
    names = {(await create(dsite, "Kitchen Sink", {"name": "mine"}))["name"] for _ in range(3)}
    assert len(names) == 3
    for name in names:
        assert re.fullmatch(r"[0-9a-v]{10}", name)  # hash; a client name is ignored
    doc = await create(
        dsite, "Coded Item", {"code": "  C-1  ", "sku": "s", "size": "M", "name": "ignored"}
    )
    assert doc["name"] == "C-1"
    status, body = await post(dsite, "Coded Item", {"code": "   ", "sku": "s", "size": "M"})
    assert status == 417 and body["exc_type"] == "MandatoryError"
    assert body["exception"] == "MandatoryError: Value missing for Coded Item: Code"
    await _prompt(dsite)


async def test_d2_series_naming_series_and_format(dsite: Site) -> None:
    first = await create(dsite, "Series Item", {"title": "a", "name": "ignored"})
    second = await create(dsite, "Series Item", {"title": "b"})
    year = first["creation"][:4]
    assert (first["name"], second["name"]) == (f"SI-{year}-0001", f"SI-{year}-0002")
    # A rolled-back insert gives its number back (the counter is in the transaction).
    status, body = await post(dsite, "Series Item", {"user": "nobody"})  # fails after naming
    assert status == 417 and body["exc_type"] == "LinkValidationError"
    assert (await create(dsite, "Series Item", {"title": "c"}))["name"] == f"SI-{year}-0003"
    await _naming_series(dsite)
    await _format(dsite)


async def _naming_series(dsite: Site) -> None:
    default = await create(dsite, "Series Pick", {})
    assert default["name"] == "SP-0001" and default["naming_series"] == "SP-.####"
    picked = await create(dsite, "Series Pick", {"naming_series": "SPX-.YY.MM.DD.-"})
    stamp = picked["creation"]
    # No `#` in the series: Frappe's five-digit counter is appended.
    assert picked["name"] == f"SPX-{stamp[2:4]}{stamp[5:7]}{stamp[8:10]}-00001"
    assert (await create(dsite, "Series Pick", {}))["name"] == "SP-0002"
    status, body = await post(dsite, "Series Pick", {"naming_series": "EVIL-.####"})
    assert status == 417 and body["exc_type"] == "ValidationError"


async def _format(dsite: Site) -> None:
    a = await create(dsite, "Format Item", {"category": "toys"})
    b = await create(dsite, "Format Item", {"category": "toys"})
    c = await create(dsite, "Format Item", {"category": "food"})
    yymm = a["creation"][2:4] + a["creation"][5:7]
    assert [a["name"], b["name"], c["name"]] == [
        f"FI-toys-{yymm}-001",
        f"FI-toys-{yymm}-002",
        f"FI-food-{yymm}-001",
    ]


async def test_d2_autoincrement_names_are_integers(dsite: Site) -> None:
    one = await create(dsite, "Auto Item", {"title": "a", "name": "x"})
    two = await create(dsite, "Auto Item", {"title": "b", "name": 99})
    assert (one["name"], two["name"]) == (1, 2)
    r = await dsite.client.get("/api/resource/Auto Item/2", headers=dsite.admin_headers)
    assert r.json()["data"]["name"] == 2 and r.json()["data"]["title"] == "b"
    for missing in ("3", "abc", "1.0", "99999999999999999999999"):
        r = await dsite.client.get(
            f"/api/resource/Auto Item/{missing}", headers=dsite.admin_headers
        )
        assert_error(r, 404, "DoesNotExistError", f"Auto Item {missing} not found")
    # A Link to an autoincrement DocType holds the number as text (D6: Link is a string).
    linked = await create(dsite, "Prompt Item", {"name": "p", "auto_item": 2})
    assert linked["auto_item"] == "2"
    status, body = await post(dsite, "Prompt Item", {"name": "q", "auto_item": "7"})
    assert status == 417 and body["exception"] == (
        "LinkValidationError: Could not find Auto Item: 7"
    )
    r = await dsite.client.put(
        "/api/resource/Auto Item/1", json={"title": "a2"}, headers=dsite.admin_headers
    )
    assert r.json()["data"] == {**r.json()["data"], "name": 1, "title": "a2"}
    r = await dsite.client.delete("/api/resource/Auto Item/2", headers=dsite.admin_headers)
    assert_error(r, 417, "LinkExistsError")
    r = await dsite.client.delete("/api/resource/Auto Item/1", headers=dsite.admin_headers)
    assert r.status_code == 202


async def _prompt(dsite: Site) -> None:
    assert (await create(dsite, "Prompt Item", {"name": "  spaced  "}))["name"] == "spaced"
    both = await create(dsite, "Prompt Item", {"name": "loses", "__newname": "wins"})
    assert both["name"] == "wins"
    # E2: a name may hold `/`, raw or as %2F in the path.
    await create(dsite, "Prompt Item", {"name": "2024/03/a b"})
    for path in ("2024/03/a b", "2024%2F03%2Fa%20b", "2024/03/a b/"):
        r = await dsite.client.get(f"/api/resource/Prompt Item/{path}", headers=dsite.admin_headers)
        assert r.status_code == 200 and r.json()["data"]["name"] == "2024/03/a b", path
    bodies: list[dict[str, object]] = [{}, {"name": ""}, {"name": "   "}, {"name": None}]
    for body in bodies:
        status, error = await post(dsite, "Prompt Item", body)
        assert status == 417 and error["exception"] == (
            "ValidationError: Please set the document name"
        )


async def test_d3_name_checks_and_duplicates(dsite: Site) -> None:
    for bad in ("a<b", "<script>", "x>"):
        status, body = await post(dsite, "Prompt Item", {"name": bad})
        assert status == 409 and body["exc_type"] == "NameError", body
    status, body = await post(dsite, "Prompt Item", {"name": "Prompt Item"})
    assert status == 409 and body["exception"] == (
        "NameError: Name of Prompt Item cannot be Prompt Item"
    )
    status, body = await post(dsite, "Prompt Item", {"name": "x" * 141})
    assert status == 409 and body["exc_type"] == "NameError"
    assert (await create(dsite, "Prompt Item", {"name": "x" * 140}))["name"] == "x" * 140
    # Duplicates (409) and exact, case-sensitive lookup.
    await create(dsite, "Prompt Item", {"name": "Abc"})
    status, body = await post(dsite, "Prompt Item", {"name": " Abc "})
    assert status == 409
    assert body["exception"] == "DuplicateEntryError: Prompt Item Abc already exists"
    assert titles(body) == ["Duplicate Name"]
    assert (await create(dsite, "Prompt Item", {"name": "abc"}))["name"] == "abc"  # exact match
    r = await dsite.client.get("/api/resource/Prompt Item/ABC", headers=dsite.admin_headers)
    assert r.status_code == 404
    await create(dsite, "Coded Item", {"code": "K", "sku": "s", "size": "S"})
    status, body = await post(dsite, "Coded Item", {"code": "K", "sku": "s", "size": "S"})
    assert status == 409 and body["exc_type"] == "DuplicateEntryError"


async def test_d2_concurrent_series_inserts_never_collide(dsite: Site) -> None:
    """50 inserts at once on one prefix: 50 distinct, consecutive names (a real pool: 4
    connections on PostgreSQL, SQLite's single writer)."""

    async def insert(i: int) -> str:
        r = await dsite.client.post(
            "/api/resource/Series Item", json={"title": str(i)}, headers=dsite.admin_headers
        )
        assert r.status_code == 200, r.text
        name: str = r.json()["data"]["name"]
        return name

    names = await asyncio.gather(*(insert(i) for i in range(50)))
    prefix = names[0][:-4]
    assert sorted(names) == [f"{prefix}{n:04d}" for n in range(1, 51)]
