"""The exception tree: class names are Frappe's `exc_type` strings, each knowing its status (E11).

Raise these anywhere; `maju.api.responses.error_response` renders them in one place.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import orjson

# Everything str.splitlines() breaks at.
_LINE_BREAK = re.compile("[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def _escaped(match: re.Match[str]) -> str:
    return match.group().encode("unicode_escape").decode("ascii")


class ConfigError(Exception):
    """A configuration or DocType definition problem found at start-up (not an HTTP error)."""


class MajuError(Exception):
    """Base of every error a client may see; `status` is its HTTP status."""

    status: ClassVar[int] = 500

    def __init__(
        self,
        message: str = "",
        *,
        messages: list[str] | None = None,
        title: str = "Message",
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        # D4: several user-facing messages (one per missing field) for one error.
        self.messages = messages if messages is not None else ([message] if message else [])
        self.title = title
        self.headers = headers or {}
        # Keys a handler sets on the error body itself (A2's `message`, A5's `session_expired`).
        self.extra = extra or {}

    @property
    def exc_type(self) -> str:
        return type(self).__name__

    def exception_line(self) -> str:
        """E9's one line; a line break inside the message (a client value echoed back) is
        written as its escape, `\\n`."""
        if not self.message:
            return self.exc_type
        return f"{self.exc_type}: {_LINE_BREAK.sub(_escaped, self.message)}"

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"exc_type": self.exc_type, "exception": self.exception_line()}
        if self.messages:
            body["_server_messages"] = server_messages(self.messages, title=self.title)
        if self.status == 403 and self.message:
            body["_error_message"] = self.message
        body.update(self.extra)
        return body


def server_messages(messages: list[str], *, title: str = "Message") -> str:
    """Encode messages as E10 says: a JSON string of an array of JSON-encoded message objects."""
    encoded = [
        orjson.dumps(
            {"message": text, "title": title, "indicator": "red", "raise_exception": 1}
        ).decode()
        for text in messages
    ]
    return orjson.dumps(encoded).decode()


class BadRequestError(MajuError):
    status = 400


class CSRFTokenError(MajuError):
    status = 400


class AuthenticationError(MajuError):
    status = 401


class PermissionError(MajuError):
    status = 403


class MethodNotAllowedError(MajuError):
    status = 405


class NameError(MajuError):
    status = 409


class DuplicateEntryError(NameError):
    status = 409


class PayloadTooLargeError(MajuError):
    status = 413


class ValidationError(MajuError):
    status = 417


class DoesNotExistError(ValidationError):
    status = 404


class MandatoryError(ValidationError):
    pass


class DataError(ValidationError):
    pass


class LinkValidationError(ValidationError):
    pass


class UniqueValidationError(ValidationError):
    pass


class TimestampMismatchError(ValidationError):
    pass


class DocstatusTransitionError(ValidationError):
    pass


class UpdateAfterSubmitError(ValidationError):
    pass


class LinkExistsError(ValidationError):
    pass


class CharacterLengthExceededError(ValidationError):
    pass


class ReadOnlyRequestError(ValidationError):
    pass


class FrappeTypeError(MajuError):
    status = 417


class TooManyRequestsError(MajuError):
    status = 429


class RateLimitExceededError(MajuError):
    status = 429


class _RetryLaterError(MajuError):
    """A fault the client may retry: always carries `Retry-After` (X6)."""

    retry_after: ClassVar[int] = 5

    def __init__(self, message: str = "", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.headers = {"Retry-After": str(self.retry_after), **self.headers}


class DatabaseUnavailableError(_RetryLaterError):
    """The database cannot be reached, or no pooled connection freed up in time (X6)."""

    status = 503


class QueryTimeoutError(_RetryLaterError):
    """A statement ran past `database.statement_timeout` and was cancelled (S12)."""

    status = 503


class InsufficientStorageError(MajuError):
    """The disk is full (X6)."""

    status = 507
