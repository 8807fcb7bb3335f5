"""The User controller: every user created or edited through the API has a valid name.

A User is named by its email (`autoname: field:email`), so the email is held to the rule of
`maju.auth.users.check_user_email` (the one `maju add-user` applies): never empty, blank, over
long or carrying control characters or `<>`. User has no `allow_rename`, so a name never
changes after this check. As in Frappe, the built-in Administrator and Guest cannot be disabled:
a site without an enabled Administrator could only be repaired in the database.
"""

from __future__ import annotations

from maju import errors
from maju.auth.users import BUILTIN_USERS, check_user_email
from maju.doctype.document import Document


class User(Document):
    email: str | None
    enabled: int | None

    async def before_insert(self) -> None:
        """Before naming, so a bad email is refused by this rule rather than by D3's."""
        self._check_email()

    async def validate(self) -> None:
        """On every save too: the email is also the login id (A2)."""
        self._check_email()
        if self.name in BUILTIN_USERS and self.enabled is not None and not self.enabled:
            raise errors.ValidationError(f"User {self.name} cannot be disabled")

    def _check_email(self) -> None:
        if self.email is None or not self.email.strip():
            return  # missing: the mandatory check (D4) names the field
        self.email = check_user_email(self.email)
