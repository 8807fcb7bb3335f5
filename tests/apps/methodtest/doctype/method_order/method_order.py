"""Method Order's controller: a hook that fails after the row is written (savepoint tests)."""

from __future__ import annotations

from maju import errors
from maju.doctype.document import Document


class MethodOrder(Document):
    async def on_update(self) -> None:
        if self.values.get("title") == "explode":
            raise errors.ValidationError("Exploded after writing")
