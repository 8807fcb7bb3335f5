"""Bytes on disk: stage an upload as it arrives, place it under its F4 name, remove it (F10).

An upload is written chunk by chunk into a hidden staging file inside the private files
directory (never servable: F5 refuses leading dots), hashed on the way, and never held whole
in memory (F9). Placing it hard-links the staging file to its final name, which fails rather
than overwrites when the name is taken, so two uploads racing for one name never clobber each
other; the name then gets the hash suffix (or a random one), as F4 says.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import secrets
import shutil
import tempfile
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from maju.files.limits import file_too_large
from maju.files.paths import resolve, with_suffix

log = logging.getLogger(__name__)

STAGING_PREFIX = ".upload-"
_RANDOM_TRIES = 20
_READ_CHUNK = 1024 * 1024


class StagedFile:
    """An upload's bytes in a staging file, with their size and MD5 (F2's `content_hash`).

    Args:
        directory: where to stage (the private files directory: same filesystem, not served).
        filename: the name the client gave the part (sanitised later, F5).
        max_size: F8's limit; writing past it raises 413 and the caller discards the file.
    """

    def __init__(self, directory: Path, filename: str, max_size: int) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=STAGING_PREFIX, suffix=".part", dir=directory)
        self.path = Path(name)
        self.filename = filename
        self.max_size = max_size
        self.size = 0
        self._file = os.fdopen(fd, "wb")
        self._md5 = hashlib.md5(usedforsecurity=False)

    async def write(self, chunks: list[bytes]) -> None:
        """Append chunks (in a worker thread: disks can be slow); 413 once past the limit."""
        added = sum(len(c) for c in chunks)
        if self.size + added > self.max_size:
            raise file_too_large(self.max_size)
        if added:
            await run_in_threadpool(self._write, chunks)
            self.size += added

    def _write(self, chunks: list[bytes]) -> None:
        for chunk in chunks:
            self._file.write(chunk)
            self._md5.update(chunk)

    async def finish(self) -> None:
        """Flush and close; the bytes are complete."""
        if not self._file.closed:
            await run_in_threadpool(self._file.close)

    @property
    def content_hash(self) -> str:
        return self._md5.hexdigest()

    def discard(self) -> None:
        """Remove the staging file (placing made its own link, so the stored file stays)."""
        if not self._file.closed:
            self._file.close()
        remove(self.path)


async def stage_upload(staged: StagedFile, upload: UploadFile) -> None:
    """Copy a Starlette UploadFile (already spooled by `request.form()`) into `staged`."""
    while chunk := await upload.read(_READ_CHUNK):
        await staged.write([chunk])
    await staged.finish()


def place(staged: Path, directory: Path, name: str, content_hash: str) -> str:
    """F4: store `staged` as `name` in `directory`, or with the hash's last six characters
    before the extension when the name is taken, or with a random suffix when that is taken
    too. Returns the name used. Never overwrites an existing file."""
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(staged, 0o644)  # readable by a front server (nginx) like any static file
    candidates = [name, with_suffix(name, content_hash[-6:])]
    candidates += [with_suffix(name, secrets.token_hex(3)) for _ in range(_RANDOM_TRIES)]
    for candidate in candidates:
        target = resolve(directory, candidate)
        if target is None:
            continue
        if _link(staged, target):
            return candidate
    raise FileExistsError(f"no free name for {name}")


def _link(source: Path, target: Path) -> bool:
    """Make `target` hold `source`'s bytes unless it exists; False when it does."""
    try:
        os.link(source, target)
        return True
    except FileExistsError:
        return False
    except OSError as exc:
        if exc.errno not in (errno.EXDEV, errno.EPERM, errno.ENOTSUP, errno.EMLINK):
            raise
    # No hard links here (another filesystem, or one without them): exclusive create + copy.
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return False
    try:
        with os.fdopen(fd, "wb") as out, source.open("rb") as src:
            shutil.copyfileobj(src, out, _READ_CHUNK)
    except BaseException:
        remove(target)
        raise
    return True


def hash_file(path: Path) -> tuple[int, str]:
    """Size and MD5 of a stored file, read in chunks (run it in a worker thread)."""
    md5 = hashlib.md5(usedforsecurity=False)
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_READ_CHUNK):
            md5.update(chunk)
            size += len(chunk)
    return size, md5.hexdigest()


def same_bytes(first: Path, second: Path) -> bool:
    """Whether two files hold the same bytes, read side by side in chunks (run it in a worker
    thread). F4 shares a stored file only after this, never on a recorded hash alone."""
    try:
        if first.stat().st_size != second.stat().st_size:
            return False
        with first.open("rb") as a, second.open("rb") as b:
            while True:
                chunk = a.read(_READ_CHUNK)
                if chunk != b.read(_READ_CHUNK):
                    return False
                if not chunk:
                    return True
    except OSError:
        return False


def remove(path: Path) -> None:
    """Delete a file if it is there; a failure is logged, never raised (cleanup paths)."""
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("could not remove %s: %s", path.name, exc.strerror)
