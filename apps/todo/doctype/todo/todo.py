"""ToDo's controller: tidy the description on every save; `close` and `summary` for run_method."""

from __future__ import annotations

from maju import Context, Document, whitelist


class ToDo(Document):
    # Typed views of fields (read and set as attributes; values live in `self.values`).
    status: str
    description: str | None

    @classmethod
    def row_condition(cls, ctx: Context) -> dict[str, str]:
        """P4/P5: as Frappe's ToDo, a user whose rights are owner-only also reaches the ToDos
        allocated to them or assigned by them (maju.doctype.permissions). An empty user name
        opens nothing: `allocated_to = ""` would match every unallocated ToDo."""
        if not ctx.user.strip():
            return {}
        return {"allocated_to": ctx.user, "assigned_by": ctx.user}

    async def validate(self) -> None:
        """Runs before the mandatory check, so a blank description still counts as missing."""
        if isinstance(self.description, str):
            self.description = self.description.strip()

    @whitelist(methods=("POST",))
    async def close(self, reason: str = "") -> Document:
        """Close the ToDo; `reason` is appended to its description (D23, POST only: it writes)."""
        self.status = "Closed"
        if reason:
            self.description = f"{self.description}\n\nClosed: {reason}"
        return await self.save()

    @whitelist(methods=("GET",))
    async def summary(self) -> str:
        """One line for lists and notifications: status and the description's first line."""
        first_line = (self.description or "").splitlines()[0] if self.description else ""
        return f"[{self.status}] {first_line}"
