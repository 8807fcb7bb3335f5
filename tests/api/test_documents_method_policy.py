"""D23 under /api/method's one whitelist policy (maju.api.policy): guests (M3), verbs (M4),
rate limits (C4) and sync methods in a worker thread, on both databases."""

from __future__ import annotations

import pytest

from maju import errors
from maju.api.dispatch import method_target
from maju.doctype.document import Document
from maju.whitelisting import whitelist
from tests.api.test_documents import assert_error, create, dsite, rows_of, user_headers
from tests.auth.accounts import fetch_all
from tests.sites import Site

__all__ = ["dsite"]

NOTICE = "/api/resource/Notice"
HOOK = "/api/resource/Hook Item"
RATE_LIMITED = "You hit the rate limit because of too many requests. Please try after sometime."


async def test_d23_m3_a_guest_calls_only_allow_guest_methods(dsite: Site) -> None:
    """Guests may read Notices, yet only `allow_guest` methods answer them (as on /api/method)."""
    notice = await create(dsite, "Notice", {"title": "Closed on Monday"})
    path = f"{NOTICE}/{notice['name']}"
    r = await dsite.client.get(path, params={"run_method": "headline"})
    assert r.status_code == 200 and r.json() == {"data": "Notice: Closed on Monday"}
    r = await dsite.client.get(path, params={"run_method": "members_only"})
    assert_error(
        r, 403, "PermissionError", "Function members_only is not allowed for Guest; log in first."
    )
    ann = await user_headers(dsite, "ann@example.com")
    r = await dsite.client.get(path, params={"run_method": "members_only"}, headers=ann)
    assert r.status_code == 200 and r.json() == {"data": "For members: Closed on Monday"}


async def test_d23_m3_allow_guest_still_needs_the_document_right(dsite: Site) -> None:
    """`allow_guest` lets a Guest call the method; the POST still needs `write` (P3), which
    Guests lack on Notice, and nothing is written."""
    notice = await create(dsite, "Notice", {"title": "t"})
    path = f"{NOTICE}/{notice['name']}"
    r = await dsite.client.post(f"{path}?run_method=sign", json={"by": "guest"})
    assert_error(
        r,
        403,
        "PermissionError",
        f"You need the 'write' permission on Notice {notice['name']} to perform this action.",
    )
    assert (await rows_of(dsite, "tabNotice", "name", notice["name"]))[0]["signed_by"] is None
    ann = await user_headers(dsite, "ann@example.com")
    r = await dsite.client.post(f"{path}?run_method=sign", json={"by": "ann"}, headers=ann)
    assert r.status_code == 200 and r.json()["data"]["signed_by"] == "ann"


async def test_d23_m4_verbs_head_counts_as_get(dsite: Site) -> None:
    notice = await create(dsite, "Notice", {"title": "t"})
    path = f"{NOTICE}/{notice['name']}"
    r = await dsite.client.post(path, json={"run_method": "headline"})
    assert_error(r, 403, "PermissionError", "Not permitted")  # GET only (M4)
    r = await dsite.client.head(path, params={"run_method": "headline"})
    assert r.status_code == 200
    r = await dsite.client.get(path, params={"run_method": "sign"}, headers=dsite.admin_headers)
    assert_error(r, 403, "PermissionError", "Not permitted")  # POST only


async def test_d23_c4_rate_limit_counts_document_methods(dsite: Site) -> None:
    """Two calls a minute per client IP: the third answers 429 with Retry-After and runs
    nothing; the calls that passed still took the row lock and saved (the count committed
    before the document was loaded)."""
    item = await create(dsite, "Hook Item", {"title": "limited"})
    path = f"{HOOK}/{item['name']}?run_method=limited_bump"
    for expected in (2, 3):
        r = await dsite.client.post(path, headers=dsite.admin_headers)
        assert r.status_code == 200, r.text
        assert r.json()["data"]["count"] == expected
    r = await dsite.client.post(path, headers=dsite.admin_headers)
    assert_error(r, 429, "RateLimitExceededError", RATE_LIMITED)
    assert 1 <= int(r.headers["retry-after"]) <= 60
    assert (await rows_of(dsite, "tabHook Item", "name", item["name"]))[0]["count"] == 3
    rows = await fetch_all(dsite.config, 'SELECT "key", "hits" FROM "__rate_limits"')
    key = "docsuite.doctype.hook_item.hook_item.HookItem.limited_bump|127.0.0.1"
    assert rows == [{"key": key, "hits": 2}]


async def test_d23_m3_sync_method_runs_in_a_worker_thread(dsite: Site) -> None:
    """A sync document method runs off the event loop's thread, reading the loaded fields."""
    item = await create(dsite, "Hook Item", {"title": "threaded"})
    r = await dsite.client.get(
        f"{HOOK}/{item['name']}", params={"run_method": "where"}, headers=dsite.admin_headers
    )
    assert r.status_code == 200 and r.json() == {
        "data": {"title": "threaded", "main_thread": False}
    }


def test_d23_m6_a_method_plan_leaves_self_out() -> None:
    """Arguments are bound from the class, before any document is loaded: `self` is never a
    parameter the client fills, a static method's first parameter is."""

    class Sheet(Document):
        @whitelist
        async def total(self, by: int = 1) -> int:
            return by

        @staticmethod
        @whitelist
        def double(n: int) -> int:
            return n * 2

    total = method_target(Sheet, "total")
    assert [p.name for p in total.plan.params] == ["by"] and total.is_async
    double = method_target(Sheet, "double")
    assert [p.name for p in double.plan.params] == ["n"] and not double.is_async
    for name in ("save", "_remember", "__init__", "nope"):
        with pytest.raises(errors.PermissionError, match=f"Function {name} is not whitelisted"):
            method_target(Sheet, name)
