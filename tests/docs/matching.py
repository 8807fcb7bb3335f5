"""Compare what a command printed with the output a page shows, values a server makes included.

A page shows real output: document names such as `q83pkcinsb`, timestamps, API keys. A run
makes other ones, so those values are *bound*: the first time the page shows one, it matches
any value of its kind that the run printed at that place, and from then on it stands for that
value, in later outputs (which must show the same value again) and in later commands (which get
the run's value substituted). Binding is one to one: two names the page shows as different
must be different in the run, so a listing that swaps two rows still fails.

The kinds of generated values (found in the page's text only):

- a document name: 10 characters of `0-9a-v` holding a digit and a letter (maju's hash names);
- a hex string of 15 to 64 characters holding a digit and a letter (API keys, secrets, tokens);
- a URL-safe token of 43 characters (password-reset keys);
- a timestamp `YYYY-MM-DD HH:MM:SS.ffffff` of the year the pages were written (DOC_YEAR).

Everything else must match exactly, but for a few literal substitutions every page gets (the
server's real port for `127.0.0.1:8000`, the current year for DOC_YEAR in names such as
`TDR-2026-0001`). Output that parses as JSON (one value or several) is compared as JSON: same
keys in the same order, same types; a string `"..."` matches any value, and `...` inside a
string any text (a duration). Other output is compared line by line: a line `...` matches any
number of lines, `...` inside a line any text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

DOC_YEAR = "2026"

_KINDS: dict[str, tuple[str, str]] = {
    # kind: (how the page shows one, what a run's value looks like)
    "timestamp": (
        rf"{DOC_YEAR}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{{6}}",
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}",
    ),
    "hex": (
        r"(?<![0-9A-Za-z_-])(?=[0-9a-f]*[0-9])(?=[0-9a-f]*[a-f])[0-9a-f]{15,64}(?![0-9A-Za-z_-])",
        r"[0-9a-f]{%d}",
    ),
    "token": (
        r"(?<![0-9A-Za-z_-])(?=[\w-]*[0-9])(?=[\w-]*[a-z])(?=[\w-]*[A-Z])[\w-]{43}(?![\w-])",
        r"[0-9A-Za-z_-]{43}",
    ),
    "name": (
        r"(?<![0-9A-Za-z_-])(?=[0-9a-v]*[0-9])(?=[0-9a-v]*[a-v])[0-9a-v]{10}(?![0-9A-Za-z_-])",
        r"[0-9a-v]{10}",
    ),
}
_GENERATED = re.compile("|".join(f"(?P<{kind}>{shown})" for kind, (shown, _) in _KINDS.items()))
ANY = "..."


class Mismatch(AssertionError):
    """The run printed something else than the page shows."""


@dataclass
class Bindings:
    """The generated values a page has shown so far, and what each stood for in this run."""

    literal: dict[str, str] = field(default_factory=dict)
    bound: dict[str, str] = field(default_factory=dict)
    _owner: dict[str, str] = field(default_factory=dict)

    # ---- commands ------------------------------------------------------------------------

    def command(self, text: str) -> str:
        """`text` as the run must execute it: bound values replaced by the run's, literal
        substitutions applied; a generated value the page never showed is a page error."""
        out: list[str] = []
        position = 0
        for found in _GENERATED.finditer(text):
            out.append(self._literal(text[position : found.start()]))
            token = found.group()
            if token not in self.bound:
                raise Mismatch(
                    f"the command uses {token!r}, which no earlier output of the page showed"
                )
            out.append(self.bound[token])
            position = found.end()
        out.append(self._literal(text[position:]))
        return "".join(out)

    def _literal(self, text: str) -> str:
        for shown, real in self.literal.items():
            text = text.replace(shown, real)
        return text

    def shown(self, text: str) -> str:
        """`text` of this run as the page shows it: bound values back to the page's tokens."""
        for value, token in sorted(self._owner.items(), key=lambda item: -len(item[0])):
            text = text.replace(value, token)
        for page_text, real in self.literal.items():
            text = text.replace(real, page_text)
        return text

    # ---- outputs -------------------------------------------------------------------------

    def check(self, expected: str, actual: str) -> None:
        """Raise Mismatch unless `actual` is what the page's `expected` output shows."""
        shown = parse_json_stream(expected)
        if shown is None:
            self._check_text(expected, actual)
            return
        got = parse_json_stream(actual)
        if got is None:
            raise Mismatch(f"expected JSON, got:\n{actual}")
        if len(got) != len(shown):
            raise Mismatch(f"expected {len(shown)} JSON values, got {len(got)}:\n{actual}")
        problems: list[str] = []
        for expected_value, actual_value in zip(shown, got, strict=True):
            self._check_value(expected_value, actual_value, "$", problems)
        if problems:
            raise Mismatch(f"{problems[0]}\ngot:\n{actual}")

    def _check_value(self, expected: Any, actual: Any, path: str, problems: list[str]) -> None:
        """Walk the whole value, binding what matches, and note what does not."""
        if expected == ANY:
            return
        if isinstance(expected, dict):
            if not isinstance(actual, dict):
                problems.append(f"{path}: expected an object, got {json.dumps(actual)}")
                return
            for key, value in expected.items():
                if key in actual:
                    self._check_value(value, actual[key], f"{path}.{key}", problems)
            if list(expected) != list(actual):
                problems.append(f"{path}: expected the keys {list(expected)}, got {list(actual)}")
        elif isinstance(expected, list):
            if not isinstance(actual, list) or len(actual) != len(expected):
                problems.append(
                    f"{path}: expected {json.dumps(expected)}, got {json.dumps(actual)}"
                )
                return
            for index, (value, got) in enumerate(zip(expected, actual, strict=True)):
                self._check_value(value, got, f"{path}[{index}]", problems)
        elif isinstance(expected, str):
            if not isinstance(actual, str) or not self._match(expected, actual, text=False):
                problems.append(f"{path}: expected {expected!r}, got {actual!r}")
        elif type(expected) is not type(actual) or expected != actual:
            problems.append(f"{path}: expected {expected!r}, got {actual!r}")

    def _check_text(self, expected: str, actual: str) -> None:
        if not self._match(_normal(expected), _normal(actual), text=True):
            raise Mismatch(f"expected:\n{expected}\ngot:\n{actual}")

    def _match(self, expected: str, actual: str, *, text: bool) -> bool:
        """Match one string (or, with `text`, a whole output) and bind its new values."""
        pattern, groups = self._pattern(expected, text=text)
        found = re.fullmatch(pattern, actual)
        if found is None:
            return False
        fresh = {token: found.group(group) for group, token in groups.items()}
        for token, value in fresh.items():
            owner = self._owner.get(value)
            if owner is not None and owner != token:
                return False  # one to one: the run's value already stands for another
        for token, value in fresh.items():
            self.bound[token] = value
            self._owner[value] = token
        return True

    def _pattern(self, expected: str, *, text: bool) -> tuple[str, dict[str, str]]:
        groups: dict[str, str] = {}  # regex group -> the page's token
        seen: dict[str, str] = {}  # the page's token -> its group
        parts: list[str] = []
        position = 0

        def literal(chunk: str) -> str:
            chunk = self._literal(chunk)
            if not text:
                return "[^\n]*?".join(re.escape(piece) for piece in chunk.split(ANY))
            return _text_pattern(chunk)

        for found in _GENERATED.finditer(expected):
            parts.append(literal(expected[position : found.start()]))
            token, kind = found.group(), found.lastgroup or ""
            if token in self.bound:
                parts.append(re.escape(self.bound[token]))
            elif token in seen:
                parts.append(f"(?P={seen[token]})")
            else:
                group = f"g{len(groups)}"
                seen[token], groups[group] = group, token
                run_pattern = _KINDS[kind][1]
                if "%d" in run_pattern:
                    run_pattern = run_pattern % len(token)
                parts.append(f"(?P<{group}>{run_pattern})")
            position = found.end()
        parts.append(literal(expected[position:]))
        return "".join(parts), groups


def _text_pattern(chunk: str) -> str:
    """Plain output: a line `...` is any lines, `...` in a line any text on it."""
    out: list[str] = []
    lines = chunk.split("\n")
    for number, line in enumerate(lines):
        last = number == len(lines) - 1
        if line.strip() == ANY and not last:
            out.append(r"(?:[^\n]*\n)*?")
            continue
        out.append("[^\n]*?".join(re.escape(piece) for piece in line.split(ANY)))
        if not last:
            out.append("\n")
    return "".join(out)


def _normal(output: str) -> str:
    lines = [line.rstrip() for line in output.replace("\r\n", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"


def parse_json_stream(text: str) -> list[Any] | None:
    """The JSON values `text` holds one after another, or None if it is not only JSON."""
    decoder = json.JSONDecoder()
    values: list[Any] = []
    position, end = 0, len(text)
    while True:
        while position < end and text[position].isspace():
            position += 1
        if position == end:
            return values or None
        try:
            value, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError:
            return None
        values.append(value)
