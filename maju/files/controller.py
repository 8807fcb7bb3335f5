"""The File controller: hex names (F2), URL checks (F3, F5), attachment rights (F7), and
removal of bytes no record uses any more (F10). The registry finds it through
maju/core/doctype/file/file.py, beside the File DocType's JSON.

Uploads (maju.files.upload) and plain `/api/resource/File` writes both pass through here, so a
record can never point outside the files directories, at a private file its creator may not
read, or carry a size and hash that do not match its bytes.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import unquote

from starlette.concurrency import run_in_threadpool

from maju import errors
from maju.doctype import storage as rows
from maju.doctype.document import Document
from maju.files import access, orphans, storage
from maju.files.limits import extension
from maju.files.paths import (
    files_dir,
    is_remote_url,
    parse_local_url,
    resolve,
    safe_file_name,
)

INCORRECT_URL = "The File URL you've entered is incorrect"
NOT_A_URL = "URL must start with http:// or https://"
NO_FILE = "No file: send the bytes in the multipart part `file`, or a `file_url`"
MAX_URL_LENGTH = 2000
_NAME_TRIES = 10
# F10: measured from the bytes, never taken from a client.
COMPUTED_FIELDS = ("file_size", "content_hash")
ATTACHMENT_FIELDS = ("attached_to_doctype", "attached_to_name", "attached_to_field")


class File(Document):
    """A stored file or a link (F2). `stored_url` is set by the upload for the URL whose bytes
    it has just stored or matched (F4), so they are not read again; clients cannot set it."""

    stored_url: str | None = None

    async def validate(self) -> None:
        if self.is_new:
            # F2: ten hex characters (Frappe's File names), not D2's 0-9a-v hash.
            self.values["name"] = await self._unused_name()
        else:
            self._keep_computed_values()
        if self.values.get("is_folder"):
            raise errors.ValidationError("Folders are not supported: is_folder must be 0")
        url = str(self.values.get("file_url") or "").strip()
        if not url:
            raise errors.ValidationError(NO_FILE)
        if len(url) > MAX_URL_LENGTH:
            raise errors.ValidationError(
                f"file_url is too long: {len(url)} characters, the limit is {MAX_URL_LENGTH}"
            )
        self.values["file_url"] = url
        old_url = None if self.is_new else self.original_values.get("file_url")
        if url != old_url:
            if url != self.stored_url:
                await self._check_url(url)
            orphans.remove_when_unused(self.ctx, old_url)  # F10: the old bytes, if unused now
        self._set_name_and_type(url)
        await self._check_attachment()

    def _keep_computed_values(self) -> None:
        """F10: `file_size` and `content_hash` are measured by maju, and a stored file's
        `file_url` and `is_private` say where its bytes are; no client changes them.

        A value left out, or cleared (`frappe.client.save` clears the keys it was not sent: an
        Int becomes 0), is kept; a different one answers 417, so no client believes it changed
        one. Without this a
        user could set the hash of someone else's future upload on a record of theirs (F4).
        `file_type` is always recomputed from `file_name` (`_set_name_and_type`).
        """
        original = self.original_values
        stored = parse_local_url(str(original.get("file_url") or "")) is not None
        for fieldname in COMPUTED_FIELDS + (("file_url",) if stored else ()):
            old, new = original.get(fieldname), self.values.get(fieldname)
            if isinstance(new, str):
                new = new.strip()
            if new is None or new in ("", 0):
                self.values[fieldname] = old
            elif new != old:
                raise errors.ValidationError(
                    f"{fieldname} of a stored file cannot change; upload the file again instead"
                    if fieldname == "file_url"
                    else f"{fieldname} is computed by maju from the file's bytes and cannot be set"
                )
        # Moving bytes between the public and private directories is not done here, so the
        # flag must keep matching the directory the URL names.
        if stored and int(self.values.get("is_private") or 0) != int(
            original.get("is_private") or 0
        ):
            raise errors.ValidationError(
                "is_private of a stored file cannot change; upload the file again instead"
            )

    async def on_trash(self) -> None:
        # F10: after the delete commits, the bytes go unless another record uses them.
        orphans.remove_when_unused(self.ctx, self.values.get("file_url"))

    async def _unused_name(self) -> str:
        for _ in range(_NAME_TRIES):
            name = secrets.token_hex(5)
            if not await rows.exists(self.ctx.db, self.meta, name):
                return name
        raise errors.NameError("Could not find a free name for File")

    async def _check_url(self, url: str) -> None:
        """F3: a link is kept as is and never fetched (S7); a local URL must name a file inside
        the files directories (F5) that an existing File record the caller may read already
        points to, and the record takes its privacy, size and hash from that record.

        Bytes put on disk by other means (an operator's copy, a half-finished upload) have no
        record, so no one can claim them, and so no one can delete them through F10.
        """
        if is_remote_url(url):
            self.values.update({"content_hash": None, "file_size": 0})
            return
        local = parse_local_url(url)
        if local is None:
            raise errors.ValidationError(NOT_A_URL)
        path = resolve(files_dir(self.ctx.config, local.is_private), local.name)
        row = await access.readable_row(self.ctx, url)
        # One answer for missing, unrecorded and unreadable files: existence is not disclosed.
        if row is None or path is None or not path.is_file():
            raise errors.ValidationError(INCORRECT_URL)
        if row.get("content_hash"):  # computed from these bytes when that record was made
            size, content_hash = int(row["file_size"] or 0), str(row["content_hash"])
        else:
            size, content_hash = await run_in_threadpool(storage.hash_file, path)
        self.values.update(
            {"is_private": int(local.is_private), "file_size": size, "content_hash": content_hash}
        )

    def _set_name_and_type(self, url: str) -> None:
        """F5 on `file_name` (default: the stored name, or a link's last path segment);
        F2's upper-case `file_type`."""
        given = self.values.get("file_name")
        name = safe_file_name(str(given)) if given else ""
        if not name:
            local = parse_local_url(url)
            if local is not None:
                name = local.name
            else:
                path = url.split("#", 1)[0].split("?", 1)[0].rstrip("/")
                # A link's last segment is URL-encoded (`q1%20report.pdf`): named as shown.
                name = safe_file_name(unquote(path.rsplit("/", 1)[-1]))
        self.values["file_name"] = name or None
        self.values["file_type"] = extension(name).upper() or None

    async def _check_attachment(self) -> None:
        """F6/F7: the attachment fields; write on a new target unless server code said not."""
        for fieldname in ATTACHMENT_FIELDS:
            text = str(self.values.get(fieldname) or "").strip()
            self.values[fieldname] = text or None
        changed = self.is_new or any(
            self.values.get(f) != self.original_values.get(f) for f in ATTACHMENT_FIELDS
        )
        if changed and not self.ignore_permissions:
            await access.check_target(self.ctx, self.attachment)

    @property
    def attachment(self) -> access.Attachment:
        values: dict[str, Any] = self.values
        return access.Attachment(
            values.get("attached_to_doctype"),
            values.get("attached_to_name"),
            values.get("attached_to_field"),
        )
