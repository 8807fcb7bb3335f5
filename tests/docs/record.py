"""DOCS_RECORD=1: write what the commands printed into the page, for the page's author.

Writing a page's outputs by hand is slow, so an author runs the page's test with DOCS_RECORD=1:
every output that does not match is replaced, in the Markdown file, by what the command really
printed, and the test still fails, naming the blocks, so the diff is reviewed before commit.
Without the variable nothing is ever written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tests.docs.blocks import Block, console_commands


@dataclass
class Recorder:
    # (page, fence line) -> the block and its new outputs by command index
    outputs: dict[tuple[Path, int], tuple[Block, dict[int, str]]] = field(default_factory=dict)

    def record(self, block: Block, index: int, actual: str) -> None:
        entry = self.outputs.setdefault((block.page, block.line), (block, {}))
        entry[1][index] = actual

    def rewrite(self) -> str:
        """Rewrite the blocks, bottom up so that line numbers hold; say which ones."""
        done: list[str] = []
        for (page, _), (block, new) in sorted(self.outputs.items(), reverse=True):
            lines = page.read_text(encoding="utf-8").split("\n")
            old_count = len(block.text.splitlines())
            body = _new_body(block, new)
            indented = [f"{block.indent}{line}" if line else line for line in body]
            lines[block.line : block.line + old_count] = indented
            page.write_text("\n".join(lines), encoding="utf-8")
            done.append(block.where)
        return ", ".join(reversed(done))


def _clean(output: str) -> list[str]:
    lines = [line.rstrip() for line in output.replace("\r\n", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _new_body(block: Block, new: dict[int, str]) -> list[str]:
    if block.lang != "console":
        return _clean(new[0])
    body: list[str] = []
    for index, (command, expected) in enumerate(console_commands(block)):
        body += [f"$ {line}" if n == 0 else line for n, line in enumerate(command.split("\n"))]
        body += _clean(new[index]) if index in new else _clean(expected)
    return body
