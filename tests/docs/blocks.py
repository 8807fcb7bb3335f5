"""Read a Markdown page into its fenced code blocks and `doctest` comments, in page order.

A page tells the docs tests what each block is with an HTML comment (invisible when rendered):

- on the line right before a fence, it is the block's *marker*:
  `<!-- doctest: file apps/library/api.py -->`;
- anywhere else, on a line of its own, it is a *directive* run at that point of the page:
  `<!-- doctest: make run -->`.

tests/docs/roles.py says what each marker and directive means.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_COMMENT = re.compile(r"^\s*<!--\s*doctest:\s*(.*?)\s*-->\s*$")
_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([^`\s]*)[^`]*$")


@dataclass(frozen=True, slots=True)
class Block:
    """A fenced code block: its language, text (indentation of a list item removed) and marker."""

    page: Path
    line: int  # 1-based line of the opening fence
    lang: str
    text: str
    marker: tuple[str, ...] = ()
    indent: str = ""

    @property
    def where(self) -> str:
        return f"{self.page.name}:{self.line}"


@dataclass(frozen=True, slots=True)
class Directive:
    page: Path
    line: int
    words: tuple[str, ...]

    @property
    def where(self) -> str:
        return f"{self.page.name}:{self.line}"


Item = Block | Directive


def parse(page: Path) -> list[Item]:
    """Every block and directive of `page`, in order; an unclosed fence is an error."""
    lines = page.read_text(encoding="utf-8").splitlines()
    items: list[Item] = []
    pending: Directive | None = None  # a comment that becomes a marker if a fence follows
    index = 0
    while index < len(lines):
        line = lines[index]
        fence = _FENCE.match(line)
        comment = _COMMENT.match(line)
        if fence:
            marker = pending.words if pending is not None and pending.line == index else ()
            pending = None
            block, index = _read_block(page, lines, index, fence, marker)
            items.append(block)
            continue
        if pending is not None:
            items.append(pending)
            pending = None
        if comment:
            pending = Directive(page, index + 1, tuple(comment.group(1).split()))
        index += 1
    if pending is not None:
        items.append(pending)
    return items


def _read_block(
    page: Path, lines: list[str], start: int, fence: re.Match[str], marker: tuple[str, ...]
) -> tuple[Block, int]:
    indent, ticks, lang = fence.group(1), fence.group(2), fence.group(3)
    closing = re.compile(rf"^\s*{re.escape(ticks[0])}{{{len(ticks)},}}\s*$")
    body: list[str] = []
    for index in range(start + 1, len(lines)):
        line = lines[index]
        if closing.match(line):
            text = "\n".join(body) + ("\n" if body else "")
            return Block(page, start + 1, lang.lower(), text, marker, indent), index + 1
        body.append(line[len(indent) :] if line.startswith(indent) else line.lstrip())
    raise ValueError(f"{page.name}:{start + 1}: the code block is never closed")


def console_commands(block: Block) -> list[tuple[str, str]]:
    """(command, expected output) pairs of a console block: `$ ` starts a command, a trailing
    backslash continues it, and the lines up to the next `$ ` are its output."""
    pairs: list[tuple[str, list[str]]] = []
    continued = False
    for line in block.text.splitlines():
        if continued:
            command, output = pairs[-1]
            pairs[-1] = (f"{command}\n{line}", output)
            continued = line.endswith("\\")
        elif line.startswith("$ "):
            pairs.append((line[2:], []))
            continued = line.endswith("\\")
        elif not pairs:
            raise ValueError(f"{block.where}: a console block starts with a `$ ` command")
        else:
            pairs[-1][1].append(line)
    return [(command, "\n".join(output) + "\n" if output else "") for command, output in pairs]
