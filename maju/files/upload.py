"""`upload_file` (F1-F8): turn a received form, and the bytes already staged on disk, into a
File record.

Two doors lead here. The streaming route (maju.api.file_routes) serves
`/api/method/upload_file`, its aliases and `POST /?cmd=upload_file`: the caller is known
before the body is read (F7), then the body is parsed as it arrives and the `file` part
staged without passing through memory. Any other way of naming the method (its dotted
path, a `cmd` inside the body) reaches `upload_file` below through the method dispatcher,
after E6 parsed the form (Starlette spools the part), so it behaves the same, with the API's
body limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from maju import errors
from maju.context import Context
from maju.doctype import permissions
from maju.doctype.document import Document
from maju.doctype.fields import coerce
from maju.files import access, orphans, records, storage
from maju.files.controller import NO_FILE, File
from maju.files.limits import check_extension
from maju.files.paths import files_dir, local_url, path_of, safe_file_name
from maju.files.storage import StagedFile
from maju.whitelisting import whitelist

DEFAULT_FOLDER = "Home"


@dataclass(frozen=True, slots=True)
class UploadForm:
    """F1's fields, checked: every other field is ignored."""

    is_private: bool
    folder: str
    target: access.Attachment
    file_url: str | None
    file_name: str | None

    @classmethod
    def parse(cls, ctx: Context, params: dict[str, Any]) -> UploadForm:
        is_private = ctx.registry[records.FILE].get_field("is_private")
        assert is_private is not None
        return cls(
            is_private=bool(coerce(is_private, _text(params, "is_private") or 0)),
            folder=_text(params, "folder") or DEFAULT_FOLDER,
            target=access.Attachment(
                _text(params, "doctype"), _text(params, "docname"), _text(params, "fieldname")
            ),
            file_url=_text(params, "file_url"),
            file_name=_text(params, "file_name"),
        )


def _text(params: dict[str, Any], key: str) -> str | None:
    """A field as stripped text; empty counts as absent (browsers send empty inputs)."""
    value = params.get(key)
    if value is None or isinstance(value, UploadFile):
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise errors.ValidationError(f"{key} must be text, got {type(value).__name__}")
    return str(value).strip() or None


GUESTS_REFUSED = "Guests are not allowed to upload files; log in first"


def check_guest(ctx: Context) -> None:
    """F7: anonymous uploads only with `files.allow_guest_upload` (A15: 403, not 401)."""
    if ctx.is_guest and not ctx.config.files.allow_guest_upload:
        raise errors.PermissionError(GUESTS_REFUSED)


async def save_upload(
    ctx: Context, params: dict[str, Any], staged: StagedFile | None
) -> dict[str, Any]:
    """F1-F7: check the caller and the target, store or link, insert the File record.

    Returns the File as F2 sends it (D8, nulls omitted). `staged` is the `file` part on disk;
    the caller removes it afterwards (placing made the stored file a link of its own).
    """
    check_guest(ctx)
    form = UploadForm.parse(ctx, params)
    await access.check_target(ctx, form.target)  # F7: 404 missing target, 403 no write
    if form.target.doctype is None and not ctx.is_guest:
        permissions.require(ctx, ctx.registry[records.FILE], "create")
    doc = Document.new(
        ctx,
        records.FILE,
        {
            "is_private": int(form.is_private),
            "folder": form.folder,
            "attached_to_doctype": form.target.doctype,
            "attached_to_name": form.target.name,
            "attached_to_field": form.target.field,
        },
        ignore_permissions=True,
    )
    if staged is not None and (staged.size or staged.filename):
        await _store(ctx, doc, form, staged)
    elif form.file_url is not None:
        # F3: checked by the File controller, as for any File record.
        doc.update({"file_url": form.file_url, "file_name": form.file_name})
    else:
        raise errors.ValidationError(NO_FILE)
    await doc.insert(ignore_permissions=True)
    # The uploader sees the whole record it made, even a Guest with no `read` on File (P6).
    return doc.as_dict(all_fields=True)


async def _store(ctx: Context, doc: Document, form: UploadForm, staged: StagedFile) -> None:
    """F4/F5: a safe name, the allow-list, then de-duplicate or place the bytes."""
    name = safe_file_name(form.file_name or staged.filename)
    if not name:
        raise errors.ValidationError(
            "file_name is empty once directory parts, '..', control characters and leading "
            "dots are removed"
        )
    check_extension(ctx.config.files, name)
    url = await _duplicate(ctx, staged, form.is_private)
    stored_name = name
    if url is None:
        directory = files_dir(ctx.config, form.is_private)
        stored_name = await run_in_threadpool(
            storage.place, staged.path, directory, name, staged.content_hash
        )
        url = local_url(stored_name, form.is_private)
        orphans.remove_when_unused(ctx, url)  # F9: gone again unless the record commits
    doc.update(
        {
            "file_url": url,
            "file_name": stored_name,
            "file_size": staged.size,
            "content_hash": staged.content_hash,
        }
    )
    if isinstance(doc, File):
        doc.stored_url = url


async def _duplicate(ctx: Context, staged: StagedFile, is_private: bool) -> str | None:
    """F4: the URL of a stored file with the same content and privacy. A private one only if
    the caller may read it (F12), so de-duplication never reveals another user's private file
    name.

    The recorded hash only finds candidates: the bytes on disk are compared with the upload's
    before they are shared (F10: trust only what maju computed from the bytes), so neither a
    hash set on a record by other means, nor a file changed on disk, nor an MD5 collision can
    put one user's upload under another's record.
    """
    meta = ctx.registry[records.FILE]
    for url in await records.duplicate_urls(ctx.db, meta, staged.content_hash, is_private):
        path = path_of(ctx.config, url)
        if path is None:
            continue
        if is_private and await access.readable_row(ctx, url) is None:
            continue
        if await run_in_threadpool(storage.same_bytes, staged.path, path):
            return url
    return None


@whitelist(methods=("POST",), allow_guest=True)
async def upload_file(ctx: Context, **params: Any) -> dict[str, Any]:
    """F1 through the method dispatcher: the form was read by E6, the part spooled by
    Starlette; the bytes are staged and stored exactly as on the streaming route."""
    check_guest(ctx)
    part = params.get("file")
    staged: StagedFile | None = None
    try:
        if isinstance(part, UploadFile):
            staged = StagedFile(
                ctx.config.private_files_dir, part.filename or "", ctx.config.files.max_file_size
            )
            await storage.stage_upload(staged, part)
        return await save_upload(ctx, params, staged)
    finally:
        if staged is not None:
            staged.discard()
