"""Parse a multipart/form-data upload as it arrives: text fields kept in memory (small, capped),
the `file` part streamed chunk by chunk into a staging file (F1, F9).

Starlette's `request.form()` spools every file part to a temporary file of its own first;
this parser feeds python-multipart's streaming parser from `request.stream()` and writes the
one part that matters straight into the files directory, so the bytes are copied once and
never held whole in memory, and the size limit (F8) stops the request the moment it is passed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from maju import errors
from maju.files.storage import StagedFile

FILE_PART = "file"
# Text fields are names, flags and URLs: far below these.
MAX_FIELD_BYTES = 64 * 1024
MAX_PARTS = 64


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


@dataclass(slots=True)
class ReceivedForm:
    """A parsed upload body: text fields (the first value of a repeated key wins, E6) and the
    staged `file` part, if one came."""

    fields: dict[str, str] = field(default_factory=dict)
    file: StagedFile | None = None


@dataclass(slots=True)
class _Part:
    disposition: bytes = b""
    header_name: bytes = b""
    header_value: bytes = b""
    name: str = ""
    kind: str = "field"  # "field", "file" (the staged one) or "skip" (other file parts)
    data: bytearray = field(default_factory=bytearray)


class StreamingForm:
    """One request's parser. `parse` returns the form or raises a 4xx error; on any failure
    the staging file is removed before the error leaves."""

    def __init__(
        self,
        staging_dir: Path,
        max_file_size: int,
        before_file: Callable[[Mapping[str, str]], None] | None = None,
    ) -> None:
        """`before_file` sees the text fields received so far when the `file` part begins,
        and all of them at the end: it raises to refuse the request before anything of the
        file is written (A10's `csrf_token` field, maju.api.caller.CsrfGate)."""
        self.staging_dir = staging_dir
        self.max_file_size = max_file_size
        self.before_file = before_file
        self.form = ReceivedForm()
        self._part = _Part()
        self._parts = 0
        self._pending: list[bytes] = []
        self._ended = False

    async def parse(self, content_type: str, stream: AsyncIterator[bytes]) -> ReceivedForm:
        parser: MultipartParser | None = None
        try:
            async for chunk in stream:
                if not chunk:
                    continue
                # E7: an empty body is never an error, so the boundary is needed only now.
                parser = parser or self._parser(content_type)
                parser.write(chunk)
                await self._flush()
            if parser is not None and not self._ended:
                raise errors.BadRequestError("Incomplete multipart body: no closing boundary")
            if self.before_file is not None:
                self.before_file(self.form.fields)
            if self.form.file is not None:
                await self.form.file.finish()
        except BaseException as exc:
            if self.form.file is not None:
                self.form.file.discard()
                self.form.file = None
            if isinstance(exc, FormParserError):
                raise errors.BadRequestError("Invalid multipart body") from exc
            raise
        return self.form

    def _parser(self, content_type: str) -> MultipartParser:
        _, options = parse_options_header(content_type)
        boundary = options.get(b"boundary")
        if not boundary:
            raise errors.BadRequestError("Missing boundary in multipart/form-data Content-Type")
        return MultipartParser(
            boundary,
            {
                "on_part_begin": self._on_part_begin,
                "on_header_field": self._on_header_field,
                "on_header_value": self._on_header_value,
                "on_header_end": self._on_header_end,
                "on_headers_finished": self._on_headers_finished,
                "on_part_data": self._on_part_data,
                "on_part_end": self._on_part_end,
                "on_end": self._on_end,
            },
        )

    async def _flush(self) -> None:
        if self._pending and self.form.file is not None:
            pending, self._pending = self._pending, []
            await self.form.file.write(pending)

    # ---- python-multipart callbacks (synchronous; file data is written in _flush) ----------

    def _on_part_begin(self) -> None:
        self._parts += 1
        if self._parts > MAX_PARTS:
            raise errors.BadRequestError(f"Too many form parts: at most {MAX_PARTS}")
        self._part = _Part()

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._part.header_name += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._part.header_value += data[start:end]

    def _on_header_end(self) -> None:
        part = self._part
        if part.header_name.strip().lower() == b"content-disposition":
            part.disposition = part.header_value
        part.header_name, part.header_value = b"", b""

    def _on_headers_finished(self) -> None:
        part = self._part
        _, options = parse_options_header(part.disposition)
        if b"name" not in options:
            raise errors.BadRequestError(
                'Every form part needs a Content-Disposition header with a "name"'
            )
        part.name = _decode(options[b"name"])
        if b"filename" not in options:
            part.kind = "field"
        elif part.name == FILE_PART and self.form.file is None:
            # F1: the bytes are in part `file`; only the first one counts (E6).
            if self.before_file is not None:
                self.before_file(self.form.fields)
            part.kind = "file"
            self.form.file = StagedFile(
                self.staging_dir, _decode(options[b"filename"]), self.max_file_size
            )
        else:
            part.kind = "skip"

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        part = self._part
        if part.kind == "file":
            self._pending.append(data[start:end])
        elif part.kind == "field":
            if len(part.data) + end - start > MAX_FIELD_BYTES:
                raise errors.PayloadTooLargeError(
                    f"Form field {part.name} is larger than {MAX_FIELD_BYTES // 1024} KB"
                )
            part.data += data[start:end]

    def _on_part_end(self) -> None:
        part = self._part
        if part.kind == "field":
            self.form.fields.setdefault(part.name, _decode(bytes(part.data)))

    def _on_end(self) -> None:
        self._ended = True
