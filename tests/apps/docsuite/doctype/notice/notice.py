"""Notice's controller: document methods for Guests and members (D23 under M3's guest rule)."""

from __future__ import annotations

from maju.doctype.document import Document
from maju.whitelisting import whitelist


class Notice(Document):
    title: str | None
    signed_by: str | None

    @whitelist(methods=("GET",), allow_guest=True)
    async def headline(self) -> str:
        """Guests may call it (and may read Notices)."""
        return f"Notice: {self.title}"

    @whitelist(methods=("GET",))
    async def members_only(self) -> str:
        """Not `allow_guest`: a Guest is refused although Guests may read the document."""
        return f"For members: {self.title}"

    @whitelist(methods=("POST",), allow_guest=True)
    async def sign(self, by: str = "") -> Document:
        """Guests may call it, but a POST needs `write`, which Guests lack (D23, P3)."""
        self.signed_by = by
        return await self.save()
