"""E15/D6/D7: datetimes at the ends of the calendar (issue 10 item 10), on both databases.

`0001-01-01T00:00:00+05:00` is before year 1 once converted to the site's zone, and
`9999-12-31T23:00:00-05:00` after year 9999: converting raised OverflowError, a 500.
"""

from __future__ import annotations

from tests.api.test_client_methods import call
from tests.api.test_documents import TODO, assert_error, create, dsite, messages
from tests.query.seeding import insert, todo
from tests.sites import Site

__all__ = ["dsite"]

SINK = "/api/resource/Kitchen Sink"
OVERFLOWING = ["0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00", "0001-01-01 00:00+00:01"]


async def test_e15_d6_overflowing_datetime_field_is_417_naming_it(dsite: Site) -> None:
    doc = await create(dsite, "Kitchen Sink", {"line": "x"})
    for value in OVERFLOWING:
        invalid = f"Invalid value for Event: {value!r}"
        r = await dsite.client.post(SINK, json={"event": value}, headers=dsite.admin_headers)
        assert messages(assert_error(r, 417, "ValidationError", invalid)) == [invalid]
        r = await dsite.client.put(
            f"{SINK}/{doc['name']}", json={"event": value}, headers=dsite.admin_headers
        )
        assert_error(r, 417, "ValidationError", invalid)
        r = await call(
            dsite,
            "set_value",
            doctype="Kitchen Sink",
            name=doc["name"],
            fieldname="event",
            value=value,
        )
        assert_error(r, 417, "ValidationError", invalid)


async def test_e15_d18_overflowing_modified_is_a_timestamp_mismatch(site: Site) -> None:
    """D18 compares `modified`; one that is no representable time never matches (as "garbage")."""
    (name,) = await insert(site, "ToDo", [todo("locked")])
    mismatch = "Document has been modified after you have opened it"
    for value in OVERFLOWING:
        r = await site.client.put(
            f"{TODO}/{name}",
            json={"description": "new", "modified": value},
            headers=site.admin_headers,
        )
        assert_error(r, 417, "TimestampMismatchError", mismatch)
        doc = {"doctype": "ToDo", "name": name, "description": "n", "modified": value}
        assert_error(await call(site, "save", doc=doc), 417, "TimestampMismatchError", mismatch)


async def test_e15_l17_overflowing_datetime_filter_is_417(site: Site) -> None:
    for value in OVERFLOWING:
        r = await site.client.get(
            TODO, params={"filters": f'[["creation", ">", "{value}"]]'}, headers=site.admin_headers
        )
        assert_error(r, 417, "DataError", f"Invalid value for creation in filters: {value!r}")


async def test_d7_years_before_1000_keep_four_digits(dsite: Site) -> None:
    """strftime's %Y writes year 999 as `999`: sent back and stored (SQLite) unpadded, it no
    longer sorted or compared as a D7 datetime."""
    early = await create(
        dsite, "Kitchen Sink", {"event": "0999-03-01 10:00:00", "day": "0999-03-01"}
    )
    late = await create(dsite, "Kitchen Sink", {"event": "2024-03-01 10:00:00"})
    assert early["event"] == "0999-03-01 10:00:00.000000" and early["day"] == "0999-03-01"
    r = await dsite.client.get(f"{SINK}/{early['name']}", headers=dsite.admin_headers)
    assert r.json()["data"]["event"] == "0999-03-01 10:00:00.000000"
    for filters, expected in (
        ('[["event", "<", "1000-01-01"]]', [early["name"]]),
        ('[["event", ">", "0999-03-01 09:00"]]', [late["name"], early["name"]]),
        ('[["event", "like", "0999-%"]]', [early["name"]]),
    ):
        r = await dsite.client.get(
            SINK,
            params={"filters": filters, "order_by": "event desc"},
            headers=dsite.admin_headers,
        )
        assert [d["name"] for d in r.json()["data"]] == expected, (filters, r.text)
