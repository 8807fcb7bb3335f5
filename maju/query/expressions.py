"""The small grammar of L5, L11 and L12: field expressions, order and group items, as tokens.

Only these forms exist; anything else (other functions, quotes, comments, sub-queries, extra
tokens) fails to parse and the caller answers 417 naming the element. Nothing here knows the
DocType: names are resolved against metadata in `maju.query.scope`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(r"\s*(?:(`[^`]+`)|([A-Za-z_][A-Za-z0-9_]*)|([().*]))")
AGGREGATES = ("count", "sum", "avg", "min", "max")


@dataclass(frozen=True, slots=True)
class ColumnRef:
    """`field`, `tablefield.childfield` or `` `tab{dt}`.`field` `` (table kept with its prefix)."""

    field: str
    table: str | None = None  # from the backtick form, e.g. "tabToDo"
    via: str | None = None  # the Table field of `tablefield.childfield`
    text: str = ""  # as written, white space removed


@dataclass(frozen=True, slots=True)
class FieldExpr:
    ref: ColumnRef | None  # None only for count(*)
    func: str | None = None
    distinct: bool = False
    alias: str | None = None

    @property
    def key(self) -> str:
        """L5's row key: the alias, else the bare field name, else `func(arg)`."""
        if self.alias:
            return self.alias
        if self.func is not None:
            return f"{self.func}({self.ref.text if self.ref else '*'})"
        assert self.ref is not None
        return self.ref.field


@dataclass(frozen=True, slots=True)
class OrderRef:
    ref: ColumnRef
    descending: bool


def tokenize(text: str) -> list[str] | None:
    """The tokens of `text`, or None if any character is outside the grammar."""
    tokens: list[str] = []
    pos = 0
    stripped = text.rstrip()
    while pos < len(stripped):
        match = _TOKEN.match(stripped, pos)
        if match is None:
            return None
        tokens.append(match.group(match.lastindex or 0))
        pos = match.end()
    return tokens


def _is_ident(token: str) -> bool:
    return token[0] not in "`().*"


def _take_column(tokens: list[str], pos: int) -> tuple[ColumnRef, int] | None:
    """A column reference starting at `pos`, and the position after it."""
    if pos >= len(tokens):
        return None
    first = tokens[pos]
    dotted = pos + 2 < len(tokens) and tokens[pos + 1] == "."
    if first.startswith("`"):
        if not dotted or tokens[pos + 2].startswith(("(", ")", ".", "*")):
            return None
        field = tokens[pos + 2].strip("`")
        return ColumnRef(field, table=first[1:-1], text="".join(tokens[pos : pos + 3])), pos + 3
    if not _is_ident(first):
        return None
    if dotted and _is_ident(tokens[pos + 2]):
        second = tokens[pos + 2]
        return ColumnRef(second, via=first, text=f"{first}.{second}"), pos + 3
    if pos + 1 < len(tokens) and tokens[pos + 1] == ".":
        return None
    return ColumnRef(first, text=first), pos + 1


def parse_field(text: str) -> FieldExpr | None:
    """One `fields` element (L5), or None when it is not exactly one of L5's forms."""
    tokens = tokenize(text)
    if not tokens:
        return None
    pos = 0
    distinct = False
    if tokens[0].lower() == "distinct" and len(tokens) > 1 and tokens[1] != ".":
        distinct, pos = True, 1
    func: str | None = None
    ref: ColumnRef | None
    if pos + 1 < len(tokens) and tokens[pos + 1] == "(" and _is_ident(tokens[pos]):
        func = tokens[pos].lower()
        if func not in AGGREGATES or distinct:
            return None
        if pos + 2 < len(tokens) and tokens[pos + 2] == "*" and func == "count":
            ref, pos = None, pos + 3
        else:
            found = _take_column(tokens, pos + 2)
            if found is None:
                return None
            ref, pos = found
        if pos >= len(tokens) or tokens[pos] != ")":
            return None
        pos += 1
    else:
        found = _take_column(tokens, pos)
        if found is None:
            return None
        ref, pos = found
    alias: str | None = None
    if pos < len(tokens) and tokens[pos].lower() == "as":
        if pos + 2 != len(tokens) or not _is_ident(tokens[pos + 1]):
            return None
        alias = tokens[pos + 1]
        pos += 2
    if pos != len(tokens):
        return None
    return FieldExpr(ref, func=func, distinct=distinct, alias=alias)


def parse_column(text: str) -> ColumnRef | None:
    """A bare column reference (filters' field names, group_by items)."""
    tokens = tokenize(text)
    if not tokens:
        return None
    found = _take_column(tokens, 0)
    if found is None or found[1] != len(tokens):
        return None
    return found[0]


def parse_order(text: str) -> OrderRef | None:
    """`<column> [asc|desc]` (L11), keywords case-insensitive."""
    tokens = tokenize(text)
    if not tokens:
        return None
    found = _take_column(tokens, 0)
    if found is None:
        return None
    ref, pos = found
    descending = False
    if pos < len(tokens) and tokens[pos].lower() in ("asc", "desc"):
        descending = tokens[pos].lower() == "desc"
        pos += 1
    return OrderRef(ref, descending) if pos == len(tokens) else None


def split_items(text: str) -> list[str]:
    """Split a comma-separated list, leaving commas inside backticks alone.

    Works on the backtick-separated chunks with str.split, not character by character: an
    `order_by` can be megabytes long, and a Python loop over it would hold the event loop.
    """
    items: list[str] = []
    current: list[str] = []
    for position, chunk in enumerate(text.split("`")):
        if position:
            current.append("`")
        if position % 2:  # inside backticks
            current.append(chunk)
            continue
        first, *rest = chunk.split(",")
        current.append(first)
        for piece in rest:
            items.append("".join(current).strip())
            current = [piece]
    items.append("".join(current).strip())
    return items
