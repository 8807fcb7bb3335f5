"""The profiling pass (issue 7): fewer statements per request, with M5, A7, P2 and L19 intact."""

from __future__ import annotations

from typing import Any

import pytest

from maju import errors
from maju.auth.keys import generate_keys, key_owner
from maju.db.connection import Connection, Database
from tests.api.test_listing_filters import names
from tests.auth.accounts import add_user, execute, site_conn
from tests.db.test_connection import db  # noqa: F401 - the fixture
from tests.query.seeding import insert, todo
from tests.sites import Site


async def test_m5_read_only_session_setting_is_flipped_only_when_needed(
    db: Database,  # noqa: F811 - the fixture imported above
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A pooled connection keeps its read-only setting between transactions: reads in a row
    send no PRAGMA, and a write after a read (or a read after a write) still gets the right one."""
    seen = _record(monkeypatch)
    for i, read_only in enumerate((True, True, False, False, True, True)):
        seen.clear()
        async with db.transaction(read_only=read_only) as conn:
            if read_only:
                with pytest.raises(errors.ReadOnlyRequestError):
                    await conn.execute('INSERT INTO "item" ("name") VALUES (:n)', {"n": "x"})
            else:
                await conn.execute('INSERT INTO "item" ("name") VALUES (:n)', {"n": f"w{i}"})
        flips = [s for s in seen if s.startswith("PRAGMA query_only")]
        if db.dialect.name == "sqlite":
            assert len(flips) == (1 if i in (0, 2, 4) else 0), (i, seen)
        else:
            assert flips == []


def _record(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every statement maju sends (the real driver still runs it): queries, and the
    driver-level statements (BEGIN, PRAGMA, writes, COMMIT) in their driver spelling."""
    seen: list[str] = []
    real_execute, real_fetch_rows = Database.execute, Connection.fetch_rows

    async def execute(self: Database, raw: Any, text: str, args: list[Any]) -> int:
        seen.append(text)
        return await real_execute(self, raw, text, args)

    async def fetch_rows(self: Connection, sql: str, params: Any = None) -> Any:
        rows = await real_fetch_rows(self, sql, params)  # after the BEGIN it may send first
        seen.append(sql)
        return rows

    monkeypatch.setattr(Database, "execute", execute)
    monkeypatch.setattr(Connection, "fetch_rows", fetch_rows)
    return seen


async def test_a7_p2_one_statement_finds_the_key_owner_and_roles(site: Site) -> None:
    """The User / Has Role join: every role comes back, a user without roles still signs in,
    a wrong secret or a disabled user gets None."""
    ann = await add_user(site.config, "ann@example.com", roles=("Sales User", "Blogger"))
    bob = await add_user(site.config, "bob@example.com")
    async with site_conn(site.config) as conn:
        ann_pair = await generate_keys(conn, ann)
        bob_pair = await generate_keys(conn, bob)
    async with site_conn(site.config) as conn:
        found = await key_owner(conn, ann_pair.api_key, ann_pair.api_secret)
        assert found is not None and found[0] == ann
        assert sorted(found[1]) == ["Blogger", "Sales User"]
        assert await key_owner(conn, bob_pair.api_key, bob_pair.api_secret) == (bob, [])
        assert await key_owner(conn, ann_pair.api_key, bob_pair.api_secret) is None
        assert await key_owner(conn, "nokey", ann_pair.api_secret) is None
    await execute(site.config, 'UPDATE "tabUser" SET "enabled" = 0 WHERE "name" = :n', {"n": ann})
    async with site_conn(site.config) as conn:
        assert await key_owner(conn, ann_pair.api_key, ann_pair.api_secret) is None
    headers = {"Authorization": f"token {bob_pair.api_key}:{bob_pair.api_secret}"}
    r = await site.client.get("/api/method/frappe.auth.get_logged_user", headers=headers)
    assert r.status_code == 200 and r.json() == {"message": bob}


async def test_round_trips_per_get_request(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """A token-authenticated GET costs BEGIN, one auth query, the handler's query, COMMIT:
    no session PRAGMAs once the pooled connection is read-only, no separate role query."""
    (name,) = await insert(site, "ToDo", [todo("counted")])
    url = f"/api/resource/ToDo/{name}"
    assert (await site.client.get(url, headers=site.admin_headers)).status_code == 200
    seen = _record(monkeypatch)
    r = await site.client.get(url, headers=site.admin_headers)
    assert r.status_code == 200, r.text
    assert not any("PRAGMA" in s for s in seen), seen
    assert not any('"tabHas Role" WHERE' in s for s in seen), seen
    assert seen[0].startswith("BEGIN") and seen[-1] == "COMMIT", seen
    # BEGIN, the key owner with their roles, the row, its child table rows, COMMIT
    assert len(seen) == 5, seen


@pytest.mark.parametrize("backend", ["sqlite"])  # Python's lower() is SQLite's folding only
async def test_l19_ascii_like_pattern_keeps_python_case_folding(backend: str, site: Site) -> None:
    """An ASCII pattern uses SQLite's own LIKE, except on text holding U+0130 or U+212A,
    whose lower case is ASCII or two characters: those still match as str.lower() says."""
    kelvin, dotted, plain, i_x = await insert(
        site, "ToDo", [todo("\u212aelvin"), todo("\u0130x"), todo("plain Kelvin"), todo("Ix")]
    )
    assert await names(site, [["description", "like", "%kelvin%"]]) == {kelvin, plain}
    assert await names(site, [["description", "like", "_x"]]) == {i_x}  # "i̇x" is 3 long
    assert await names(site, [["description", "like", "i%"]]) == {dotted, i_x}
    assert await names(site, [["description", "not like", "%KELVIN%"]]) == {dotted, i_x}
    assert await names(site, [["description", "like", "%\u212a%"]]) == {kelvin, plain}


async def test_d2_d3_a_hash_name_is_checked_free_once(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Creating a hash-named document asks whether the name is taken once, not twice."""
    seen = _record(monkeypatch)
    r = await site.client.post(
        "/api/resource/ToDo", json={"description": "once"}, headers=site.admin_headers
    )
    assert r.status_code == 200, r.text
    checks = [s for s in seen if s.startswith('SELECT 1 FROM "tabToDo"')]
    assert len(checks) == 1, seen
