"""F5: stored file names that cannot leave the files directories, and file URLs <-> paths.

A stored name is one plain path component. `safe_file_name` turns whatever a client sent into
one; `resolve` is the only way from a name to a path, and it refuses anything that is not
plain or that resolves (through a symlink, say) outside its directory.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from maju.config import Config

PUBLIC_PREFIX = "/files/"
PRIVATE_PREFIX = "/private/files/"
# `file_name` is a Data field of 140 characters; leave room for F4's six-character suffix.
MAX_NAME_CHARS = 130
# Most filesystems allow 255 bytes per name; UTF-8 names may take four bytes a character.
MAX_NAME_BYTES = 240

# Control, format (bidi overrides that disguise an extension: "photo\u202egnp.exe") and lone
# surrogate characters (Unicode categories Cc, Cf, Cs).
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})
# A `?` or `#` in a stored name would cut its own URL short, and a `%` would be read as an
# escape (`x%2Fy`, `php%00.png`), so none of them is kept: a `file_url` always fetches its
# own file (F13).
_URL_BREAKING = re.compile(r"[?#%]")


def safe_file_name(raw: str) -> str:
    """F5: the name without directory part, `..`, control characters or leading dots, and
    (F13) without `?`, `#` or `%`.

    Returns "" when nothing is left (callers answer 417). Over-long names lose characters
    from the end of the stem, keeping the extension.
    """
    text = _strip_unsafe(raw).replace("\\", "/")
    text = text.rsplit("/", 1)[-1]
    text = _URL_BREAKING.sub("", text)
    while ".." in text:
        text = text.replace("..", "")
    text = text.strip().lstrip(".").strip()
    return _shorten(text)


def _shorten(name: str) -> str:
    def fits(candidate: str) -> bool:
        return len(candidate) <= MAX_NAME_CHARS and len(candidate.encode()) <= MAX_NAME_BYTES

    if fits(name):
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext) > 16:
        stem, ext, dot = name, "", ""
    while stem and not fits(f"{stem}{dot}{ext}"):
        stem = stem[:-1]
    return f"{stem.rstrip()}{dot}{ext}" if stem.strip() else ""


def is_plain_name(name: str) -> bool:
    """A single, harmless path component: what `resolve` accepts."""
    return (
        bool(name)
        and name == name.strip()
        and not name.startswith(".")
        and "/" not in name
        and "\\" not in name
        and ".." not in name
        and _strip_unsafe(name) == name
    )


def _strip_unsafe(text: str) -> str:
    return "".join(c for c in text if unicodedata.category(c) not in _UNSAFE_CATEGORIES)


def with_suffix(name: str, suffix: str) -> str:
    """F4: `photo.png` + `3a9c1e` -> `photo3a9c1e.png`."""
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        return f"{name}{suffix}"
    return f"{stem}{suffix}.{ext}"


def files_dir(config: Config, is_private: bool) -> Path:
    return config.private_files_dir if is_private else config.public_files_dir


def resolve(directory: Path, name: str) -> Path | None:
    """The path of stored `name` inside `directory`, or None when the name is not plain or
    the path would resolve outside the directory (F5). The file need not exist."""
    if not is_plain_name(name):
        return None
    base = directory.resolve()
    path = (base / name).resolve()
    if path.parent != base:
        return None
    return path


@dataclass(frozen=True, slots=True)
class LocalURL:
    """A `/files/<name>` or `/private/files/<name>` URL, split."""

    is_private: bool
    name: str

    @property
    def url(self) -> str:
        return local_url(self.name, self.is_private)


def local_url(name: str, is_private: bool) -> str:
    return f"{PRIVATE_PREFIX if is_private else PUBLIC_PREFIX}{name}"


def parse_local_url(url: str) -> LocalURL | None:
    """Split a local file URL; None for anything else (remote links, other paths)."""
    for prefix, is_private in ((PRIVATE_PREFIX, True), (PUBLIC_PREFIX, False)):
        if url.startswith(prefix):
            return LocalURL(is_private, url[len(prefix) :])
    return None


def is_remote_url(url: str) -> bool:
    """F3: links are `http://` or `https://` URLs (with a host)."""
    scheme, sep, rest = url.partition("://")
    return bool(sep) and scheme.lower() in ("http", "https") and bool(rest.strip("/"))


def path_of(config: Config, url: str) -> Path | None:
    """The path a local file URL names inside the files directories, else None (F5)."""
    local = parse_local_url(url)
    if local is None:
        return None
    return resolve(files_dir(config, local.is_private), local.name)
