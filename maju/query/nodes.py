"""The listing syntax tree: frozen nodes the parser builds and the compiler turns into SQL.

Every identifier a node holds (table, column) was looked up in DocType metadata by the parser;
every value was coerced to its column's type. Nothing here is request text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Union

CompareOp = Literal["=", "!=", "<", ">", "<=", ">="]
AggregateFunc = Literal["count", "sum", "avg", "min", "max"]


@dataclass(frozen=True, slots=True)
class Column:
    """A column of the listed table or of a joined child table, found in metadata."""

    table: str  # the table name, e.g. "tabToDo"
    fieldname: str
    fieldtype: str


@dataclass(frozen=True, slots=True)
class Join:
    """LEFT JOIN of a child table on its parent's name (L7, L15).

    `parentfield` is set when the join names one Table field, so rows of another Table field of
    the same child DocType stay out.
    """

    table: str
    parent_table: str
    parenttype: str
    parentfield: str | None


@dataclass(frozen=True, slots=True)
class Aggregate:
    func: AggregateFunc
    arg: Column | None  # None: count(*)


@dataclass(frozen=True, slots=True)
class SelectItem:
    expr: Column | Aggregate
    key: str  # the row key (L5)
    alias: str | None = None  # an explicit `as` alias, shown in the SQL
    # The D6 type the value is sent as (count: Int, avg: Float, min/max: the column's).
    fieldtype: str = "Data"


@dataclass(frozen=True, slots=True)
class Fallback:
    """L18: a NULL in the column compares as this value (COALESCE, value bound)."""

    value: object


@dataclass(frozen=True, slots=True)
class Compare:
    column: Column
    op: CompareOp
    value: object
    fallback: Fallback | None = None


@dataclass(frozen=True, slots=True)
class Like:
    """Case-insensitive LIKE; the client's `%` and `_` are wildcards, a backslash is literal."""

    column: Column
    pattern: str
    negated: bool = False
    fallback: Fallback | None = None


@dataclass(frozen=True, slots=True)
class InList:
    column: Column
    values: tuple[object, ...]  # never empty: the parser turns [] into [fallback] (L17)
    negated: bool = False
    fallback: Fallback | None = None


@dataclass(frozen=True, slots=True)
class Between:
    column: Column
    low: object
    high: object
    fallback: Fallback | None = None


@dataclass(frozen=True, slots=True)
class IsNull:
    column: Column
    negated: bool = False


@dataclass(frozen=True, slots=True)
class InSubquery:
    """`column IN (SELECT key FROM table WHERE where)`: a child row whose parent passes `where`."""

    column: Column
    table: str
    key: str
    where: Condition


@dataclass(frozen=True, slots=True)
class AllOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    items: tuple[Condition, ...]


Condition = Union[Compare, Like, InList, Between, IsNull, InSubquery, AllOf, AnyOf]  # noqa: UP007


@dataclass(frozen=True, slots=True)
class OrderItem:
    column: Column
    descending: bool = False


@dataclass(frozen=True, slots=True)
class ListQuery:
    """One parsed listing: what `GET /api/resource/{dt}` and `frappe.client.get_list` run.

    `limit` None means no limit (L10, privileged callers only); `where` holds the caller's
    filters, or_filters and the silent row conditions (P5) AND-ed together.
    """

    table: str
    select: tuple[SelectItem, ...]
    joins: tuple[Join, ...] = ()
    where: Condition | None = None
    group_by: tuple[Column, ...] = ()
    order_by: tuple[OrderItem, ...] = ()
    distinct: bool = False
    limit: int | None = 20
    offset: int = 0
    as_dict: bool = True
    debug: bool = False
    with_count: bool = False

    @property
    def is_aggregate(self) -> bool:
        return bool(self.group_by) or any(isinstance(s.expr, Aggregate) for s in self.select)
