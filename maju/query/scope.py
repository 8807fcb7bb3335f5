"""What a listing may name: the DocType, its child tables and the caller's readable fields.

`QueryScope` is the parser's only window on metadata and permissions: it is built once per
request (`maju.query.execute.scope_for`) and turns every column reference of the request into a
`Column` found in metadata, recording the child-table joins that reference needs (L7, L15).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from maju import errors
from maju.doctype.meta import CHILD_FIELDS, DocTypeMeta, FieldMeta
from maju.query.expressions import ColumnRef
from maju.query.nodes import Column, Condition, Join

NOT_LISTABLE = frozenset({"Password"})  # L4, L15: never selected, filtered or sorted on


def not_permitted(shown: str) -> errors.DataError:
    if len(shown) > 200:  # echoed back: hostile elements can be megabytes long (S12)
        shown = shown[:200] + "…"
    return errors.DataError(f"Field not permitted in query: {shown}")


@dataclass(frozen=True, slots=True)
class QueryScope:
    """The listed DocType as one caller sees it.

    Args:
        meta: the listed DocType.
        children: its (Table field, child DocType) pairs, in field order.
        readable: the data and Table fields of `meta` the caller may read (P6); standard fields
            are always readable, child-table fields follow their Table field (P7).
        today: the current date in `site.time_zone` (L19's periods, between's missing bounds).
        time_zone: `site.time_zone`, for Datetime values carrying an offset.
        row_conditions: conditions AND-ed silently into every listing and count (P5).
    """

    meta: DocTypeMeta
    children: tuple[tuple[FieldMeta, DocTypeMeta], ...] = ()
    readable: frozenset[str] = frozenset()
    today: dt.date = field(default_factory=dt.date.today)
    time_zone: str = "UTC"
    row_conditions: tuple[Condition, ...] = ()

    @property
    def table(self) -> str:
        return self.meta.table_name

    def child_doctypes(self) -> dict[str, tuple[DocTypeMeta, tuple[FieldMeta, ...]]]:
        """Each child DocType with the Table fields holding it."""
        found: dict[str, tuple[DocTypeMeta, tuple[FieldMeta, ...]]] = {}
        for table_field, child in self.children:
            previous = found.get(child.name, (child, ()))[1]
            found[child.name] = (child, (*previous, table_field))
        return found

    def columns(self) -> list[Column]:
        """L4's `*`: D1 fields, readable data fields in DocType order, then a child's links."""
        meta = self.meta
        own = [name for name in meta.standard_columns if name not in CHILD_FIELDS]
        own += [
            f.fieldname
            for f in meta.data_fields
            if f.fieldname in self.readable and f.fieldtype not in NOT_LISTABLE
        ]
        own += [name for name in meta.standard_columns if name in CHILD_FIELDS]
        return [Column(self.table, name, meta.fieldtype_of(name) or "Data") for name in own]


class Resolver:
    """Resolves column references for one parse, collecting the joins they need."""

    def __init__(self, scope: QueryScope) -> None:
        self.scope = scope
        self._joins: dict[str, Join] = {}

    @property
    def joins(self) -> tuple[Join, ...]:
        return tuple(self._joins.values())

    def column(
        self,
        ref: ColumnRef,
        shown: str,
        *,
        drop_unreadable: bool = False,
        child_fallback: bool = False,
    ) -> Column | None:
        """The Column `ref` names, or None for an unreadable one when `drop_unreadable` (P6).

        `child_fallback` lets a plain name missing from the DocType resolve to the one child
        DocType that has it (L15). Anything else unknown raises L8's DataError with `shown`.
        """
        scope = self.scope
        if ref.via is not None:
            return self._via_table_field(ref, shown, drop_unreadable)
        if ref.table is not None and ref.table != scope.table:
            return self._child_by_table(ref.table, ref.field, shown)
        column = self._own(ref.field)
        if column is not None:
            return column
        if ref.field in scope.meta.fields_by_name and ref.field not in scope.readable:
            f = scope.meta.fields_by_name[ref.field]
            if f.has_column and f.fieldtype not in NOT_LISTABLE and drop_unreadable:
                return None
        if child_fallback and ref.table is None:
            holders = [
                child for child, _ in scope.child_doctypes().values() if _listable(child, ref.field)
            ]
            if len(holders) == 1:
                return self.child_column(holders[0].name, ref.field, shown)
        raise not_permitted(shown)

    def child_column(self, doctype: str, fieldname: str, shown: str) -> Column:
        """A field of a child DocType of the listed one (quads, L14), joined on its parent."""
        entry = self.scope.child_doctypes().get(doctype)
        if entry is None or not _listable(entry[0], fieldname):
            raise not_permitted(shown)
        child, held_by = entry
        # P6/P7: a child row is readable only through a Table field the caller may read.
        table_fields = tuple(f for f in held_by if f.fieldname in self.scope.readable)
        if not table_fields:
            raise not_permitted(shown)
        # With one Table field of this child DocType, the join can name it (same rows).
        parentfield = table_fields[0].fieldname if len(table_fields) == 1 else None
        self._join(child, parentfield, shown)
        return Column(child.table_name, fieldname, child.fieldtype_of(fieldname) or "Data")

    def _own(self, fieldname: str) -> Column | None:
        meta = self.scope.meta
        fieldtype = meta.fieldtype_of(fieldname)
        if fieldtype is None or fieldtype in NOT_LISTABLE:
            return None
        if fieldname not in meta.standard_columns and fieldname not in self.scope.readable:
            return None
        return Column(self.scope.table, fieldname, fieldtype)

    def _via_table_field(self, ref: ColumnRef, shown: str, drop_unreadable: bool) -> Column | None:
        scope = self.scope
        pair = next(((f, c) for f, c in scope.children if f.fieldname == ref.via), None)
        if pair is None:
            raise not_permitted(shown)  # L7: `<linkfield>.<field>` is a later phase
        table_field, child = pair
        if not _listable(child, ref.field):
            raise not_permitted(shown)
        if table_field.fieldname not in scope.readable:
            if drop_unreadable:
                return None
            raise not_permitted(shown)
        self._join(child, table_field.fieldname, shown)
        return Column(child.table_name, ref.field, child.fieldtype_of(ref.field) or "Data")

    def _child_by_table(self, table: str, fieldname: str, shown: str) -> Column:
        for child, _ in self.scope.child_doctypes().values():
            if child.table_name == table:
                return self.child_column(child.name, fieldname, shown)
        raise not_permitted(shown)

    def _join(self, child: DocTypeMeta, parentfield: str | None, shown: str) -> None:
        join = Join(child.table_name, self.scope.table, self.scope.meta.name, parentfield)
        existing = self._joins.setdefault(child.table_name, join)
        if existing != join:
            # Two Table fields of one child DocType in one listing would need two joins of
            # the same table; refuse rather than guess which rows were meant.
            raise not_permitted(shown)


def _listable(meta: DocTypeMeta, fieldname: str) -> bool:
    fieldtype = meta.fieldtype_of(fieldname)
    return fieldtype is not None and fieldtype not in NOT_LISTABLE
