"""Hook Item's controller: hooks that fail on cue, so tests can see everything roll back."""

from __future__ import annotations

import threading
from typing import Any

from maju import errors
from maju.doctype.document import Document
from maju.doctype.meta import Right
from maju.whitelisting import whitelist

# Every hook call, in order, as (hook, title): the tests read it to check the sequence.
CALLS: list[tuple[str, str]] = []


class HookItem(Document):
    title: str | None
    count: int

    async def before_insert(self) -> None:
        CALLS.append(("before_insert", self.title or ""))
        if self.count == 0:
            self.count = 1  # a hook may set values; they are saved

    async def validate(self) -> None:
        CALLS.append(("validate", self.title or ""))
        if self.title == "bad-validate":
            raise errors.ValidationError("Refused in validate")

    async def after_insert(self) -> None:
        CALLS.append(("after_insert", self.title or ""))
        if self.title == "boom":
            raise errors.ValidationError("Boom after insert")

    async def on_update(self) -> None:
        CALLS.append(("on_update", self.title or ""))
        if self.title == "boom-save":
            raise errors.ValidationError("Boom on update")

    async def on_trash(self) -> None:
        CALLS.append(("on_trash", self.title or ""))
        if self.title == "keep":
            raise errors.ValidationError("This one stays")

    def has_permission(self, right: Right) -> bool:
        """P4's per-document check: `hidden` documents are Administrator's only."""
        return self.title != "hidden"

    @whitelist
    async def bump(self, by: int = 1) -> Document:
        """Writes, yet accepts GET: a GET call must fail read-only (D23, M5)."""
        self.count = (self.count or 0) + by
        return await self.save()

    @whitelist(methods=("GET",))
    def peek(self, ctx_note: str = "") -> dict[str, Any]:
        """A sync method: returns plain data."""
        return {"title": self.title, "count": self.count, "note": ctx_note or None}

    @whitelist(methods=("GET",))
    def where(self) -> dict[str, Any]:
        """A sync method runs in a worker thread and reads the loaded document's fields."""
        main = threading.current_thread() is threading.main_thread()
        return {"title": self.title, "main_thread": main}

    @whitelist(methods=("POST",), rate_limit=(2, 60))
    async def limited_bump(self) -> Document:
        """C4 on a document method: two calls a minute per client IP."""
        self.count = (self.count or 0) + 1
        return await self.save()

    def secret(self) -> str:
        """Not whitelisted: run_method must refuse it."""
        return "should never be returned"
