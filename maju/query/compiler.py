"""Compile a ListQuery into `(sql, params)` for one dialect: pure, no I/O, golden-testable.

Every node compiles to a `Fragment`; identifiers come from the nodes (metadata) quoted by the
dialect, and every value becomes a numbered parameter (`:p0`, `:p1`, ... in text order), so
`debug` shows placeholders, never values (S1, L20).
"""

from __future__ import annotations

from typing import Any

from maju.db.dialect import Dialect, Fragment, StorageKind
from maju.query.nodes import (
    Aggregate,
    AllOf,
    AnyOf,
    Between,
    Column,
    Compare,
    Condition,
    InList,
    InSubquery,
    IsNull,
    Join,
    Like,
    ListQuery,
    SelectItem,
)
from maju.query.values import kind_of

_TEXT_KINDS: dict[str, StorageKind] = {
    "int": "int",
    "check": "int",
    "date": "date",
    "datetime": "datetime",
    "time": "time",
}


class Compiler:
    """One compilation: the dialect, whether columns need their table, the parameter counter."""

    def __init__(self, dialect: Dialect, *, qualify: bool = False) -> None:
        self.dialect = dialect
        self.qualify = qualify
        self._count = 0

    def param(self, value: object) -> Fragment:
        key = f"p{self._count}"
        self._count += 1
        return f":{key}", {key: value}

    def column(self, column: Column) -> str:
        q = self.dialect.quote
        return f"{q(column.table)}.{q(column.fieldname)}" if self.qualify else q(column.fieldname)

    def compile(self, node: Condition) -> Fragment:
        """The one dispatch: a condition node to its fragment."""
        if isinstance(node, Compare):
            return self._compare(node)
        if isinstance(node, Like):
            return self._like(node)
        if isinstance(node, InList):
            return self._in(node)
        if isinstance(node, Between):
            return self._between(node)
        if isinstance(node, IsNull):
            return f"{self.column(node.column)} IS {'NOT ' if node.negated else ''}NULL", {}
        if isinstance(node, InSubquery):
            return self._subquery(node)
        if isinstance(node, AllOf | AnyOf):
            return self._group(node)
        raise TypeError(f"not a condition node: {type(node).__name__}")

    def _operand(self, column: Column, fallback: object | None, params: dict[str, Any]) -> str:
        """The column, or COALESCE(column, :fallback) when L18 says NULL compares as a value."""
        sql = self.column(column)
        if fallback is None:
            return sql
        placeholder, bound = self.param(fallback)
        params.update(bound)
        return f"COALESCE({sql}, {placeholder})"

    def _compare(self, node: Compare) -> Fragment:
        params: dict[str, Any] = {}
        lhs = self._operand(node.column, node.fallback.value if node.fallback else None, params)
        placeholder, bound = self.param(node.value)
        return f"{lhs} {node.op} {placeholder}", {**params, **bound}

    def _like(self, node: Like) -> Fragment:
        params: dict[str, Any] = {}
        lhs = self.column(node.column)
        kind = _TEXT_KINDS.get(kind_of(node.column.fieldtype))
        if kind is not None:
            lhs = self.dialect.as_text(lhs, kind)
        if node.fallback is not None:
            # The fallback is already text: rendering a bound 0001-01-01 would go through
            # asyncpg, which sends date.min as -infinity (to_char gives NULL).
            placeholder, bound = self.param(node.fallback.value)
            lhs = f"COALESCE({lhs}, {placeholder})"
            params.update(bound)
        # The client's % and _ are wildcards; a backslash is literal (as in Frappe).
        placeholder, bound = self.param(node.pattern.replace("\\", "\\\\"))
        sql = self.dialect.ilike(lhs, placeholder, node.negated, node.pattern.isascii())
        return sql, {**params, **bound}

    def _in(self, node: InList) -> Fragment:
        params: dict[str, Any] = {}
        lhs = self._operand(node.column, node.fallback.value if node.fallback else None, params)
        placeholders = []
        for value in node.values:
            placeholder, bound = self.param(value)
            placeholders.append(placeholder)
            params.update(bound)
        op = "NOT IN" if node.negated else "IN"
        return f"{lhs} {op} ({', '.join(placeholders)})", params

    def _between(self, node: Between) -> Fragment:
        params: dict[str, Any] = {}
        lhs = self._operand(node.column, node.fallback.value if node.fallback else None, params)
        low, low_params = self.param(node.low)
        high, high_params = self.param(node.high)
        return f"{lhs} BETWEEN {low} AND {high}", {**params, **low_params, **high_params}

    def _subquery(self, node: InSubquery) -> Fragment:
        q = self.dialect.quote
        inner = Compiler(self.dialect, qualify=True)
        inner._count = self._count
        where, params = inner.compile(node.where)
        self._count = inner._count
        sql = (
            f"{self.column(node.column)} IN (SELECT {q(node.table)}.{q(node.key)} "
            f"FROM {q(node.table)} WHERE {where})"
        )
        return sql, params

    def _group(self, node: AllOf | AnyOf) -> Fragment:
        joiner = " AND " if isinstance(node, AllOf) else " OR "
        if not node.items:  # folded here: an empty AND is true, an empty OR false
            return ("1 = 1" if isinstance(node, AllOf) else "1 = 0"), {}
        parts: list[str] = []
        params: dict[str, Any] = {}
        for item in node.items:
            sql, bound = self.compile(item)
            nested = isinstance(item, AllOf | AnyOf) and len(item.items) > 1
            parts.append(f"({sql})" if nested else sql)
            params.update(bound)
        return joiner.join(parts), params

    def sort_column(self, query: ListQuery, column: Column) -> str:
        """A GROUP BY or ORDER BY column: qualified when an alias could shadow its bare name.

        Both databases resolve a bare ORDER BY name to an output alias first (`status as
        modified` would re-sort the default order; two equal aliases are an error).
        """
        if self.qualify or not any(item.alias for item in query.select):
            return self.column(column)
        q = self.dialect.quote
        return f"{q(column.table)}.{q(column.fieldname)}"

    def select_item(self, item: SelectItem) -> str:
        expr = item.expr
        if isinstance(expr, Aggregate):
            arg = "*" if expr.arg is None else self.column(expr.arg)
            sql = f"{expr.func.upper()}({arg})"
        else:
            sql = self.column(expr)
        return f"{sql} AS {self.dialect.quote(item.alias)}" if item.alias else sql

    def join(self, join: Join) -> Fragment:
        q = self.dialect.quote
        child, parent = q(join.table), q(join.parent_table)
        parenttype, params = self.param(join.parenttype)
        sql = (
            f"LEFT JOIN {child} ON {child}.{q('parent')} = {parent}.{q('name')} "
            f"AND {child}.{q('parenttype')} = {parenttype}"
        )
        if join.parentfield is not None:
            parentfield, bound = self.param(join.parentfield)
            sql += f" AND {child}.{q('parentfield')} = {parentfield}"
            params.update(bound)
        return sql, params

    def source(self, query: ListQuery) -> Fragment:
        """FROM, joins and WHERE: what the rows and their count share."""
        parts = [f"FROM {self.dialect.quote(query.table)}"]
        params: dict[str, Any] = {}
        for join in query.joins:
            sql, bound = self.join(join)
            parts.append(sql)
            params.update(bound)
        if query.where is not None:
            sql, bound = self.compile(query.where)
            parts.append(f"WHERE {sql}")
            params.update(bound)
        return " ".join(parts), params

    def select(self, query: ListQuery, items: str | None = None) -> Fragment:
        """SELECT ... GROUP BY, without ORDER BY or paging."""
        columns = (
            items
            if items is not None
            else ", ".join(self.select_item(item) for item in query.select)
        )
        distinct = "DISTINCT " if query.distinct else ""
        source, params = self.source(query)
        sql = f"SELECT {distinct}{columns} {source}"
        if query.group_by:
            sql += " GROUP BY " + ", ".join(self.sort_column(query, c) for c in query.group_by)
        return sql, params


def _compiler(query: ListQuery, dialect: Dialect) -> Compiler:
    # Columns carry their table only when a join makes bare names ambiguous.
    return Compiler(dialect, qualify=bool(query.joins))


def compile_list(query: ListQuery, dialect: Dialect, *, extra_row: bool = False) -> Fragment:
    """The listing's SELECT; `extra_row` fetches one row past the page (X2's has_next_page)."""
    compiler = _compiler(query, dialect)
    sql, params = compiler.select(query)
    if query.order_by:
        sql += " ORDER BY " + ", ".join(
            f"{compiler.sort_column(query, o.column)}{' DESC' if o.descending else ' ASC'}"
            for o in query.order_by
        )
    limit = query.limit + 1 if extra_row and query.limit is not None else query.limit
    paging = dialect.limit_offset(limit, query.offset, params)
    return (f"{sql} {paging}" if paging else sql), params


def compile_count(query: ListQuery, dialect: Dialect, *, cap: int | None = None) -> Fragment:
    """COUNT of the rows the listing would return over all pages, stopping past `cap` (X2)."""
    compiler = _compiler(query, dialect)
    grouped = query.distinct or query.is_aggregate
    if cap is None and not grouped:
        source, params = compiler.source(query)
        return f"SELECT COUNT(*) {source}", params
    inner, params = compiler.select(query, None if grouped else "1")
    if cap is not None:
        inner += " " + dialect.limit_offset(cap + 1, 0, params)
    return f"SELECT COUNT(*) FROM ({inner}) AS {dialect.quote('counted')}", params


def compile_where(where: Condition, dialect: Dialect, *, qualify: bool = False) -> Fragment:
    """One condition tree alone (golden tests, and callers that build their own statement)."""
    return Compiler(dialect, qualify=qualify).compile(where)


def compile_document_count(query: ListQuery, dialect: Dialect) -> Fragment:
    """COUNT of the listed DocType's documents passing the query's conditions (get_count, P8).

    A child-table filter joins child rows; counting distinct names keeps one per document.
    """
    compiler = _compiler(query, dialect)
    source, params = compiler.source(query)
    name = compiler.column(Column(query.table, "name", "Data"))
    what = f"DISTINCT {name}" if query.joins else "*"
    return f"SELECT COUNT({what}) {source}", params
