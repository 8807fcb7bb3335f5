"""Upload limits: the size error (F8) and the extension allow-list (F7)."""

from __future__ import annotations

from maju import errors
from maju.config import FilesConfig

MB = 1024 * 1024


def file_too_large(max_file_size: int) -> errors.PayloadTooLargeError:
    """F8's 413, stating the limit in MB as Frappe does (`25` for the default 26214400)."""
    return errors.PayloadTooLargeError(
        f"File size exceeded the maximum allowed size of {max_file_size / MB:g} MB"
    )


def extension(file_name: str) -> str:
    """The lower-case extension without its dot; empty when the name has none."""
    stem, dot, ext = file_name.rpartition(".")
    return ext.lower() if dot and stem else ""


def check_extension(config: FilesConfig, file_name: str) -> None:
    """F7: a non-empty `files.allowed_extensions` refuses any other extension with 417."""
    allowed = {e.strip().lstrip(".").lower() for e in config.allowed_extensions if e.strip()}
    if allowed and extension(file_name) not in allowed:
        raise errors.ValidationError(
            f"File type of {file_name} is not allowed; allowed types: {', '.join(sorted(allowed))}"
        )
