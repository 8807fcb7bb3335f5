"""DocTypeMeta and FieldMeta: a DocType's definition, parsed once from sparse Frappe-shaped JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from maju.doctype.fields import LAYOUT_TYPES, TABLE_TYPES, has_column

# D1: every document's own columns, in output order.
STANDARD_FIELDS: tuple[str, ...] = (
    "name",
    "owner",
    "creation",
    "modified",
    "modified_by",
    "docstatus",
    "idx",
)
CHILD_FIELDS: tuple[str, ...] = ("parent", "parentfield", "parenttype")
STANDARD_FIELDTYPES: dict[str, str] = {
    "name": "Data",
    "owner": "Link",
    "creation": "Datetime",
    "modified": "Datetime",
    "modified_by": "Link",
    "docstatus": "Int",
    "idx": "Int",
    "parent": "Data",
    "parentfield": "Data",
    "parenttype": "Data",
}
RIGHTS = ("read", "write", "create", "delete", "submit", "cancel")
Right = Literal["read", "write", "create", "delete", "submit", "cancel"]


@dataclass(frozen=True, slots=True)
class FieldMeta:
    fieldname: str
    fieldtype: str
    label: str
    options: str | None = None
    reqd: bool = False
    default: Any = None  # Any: a DocType's default is whatever JSON the file holds
    unique: bool = False
    read_only: bool = False
    in_list_view: bool = False
    length: int = 140
    permlevel: int = 0
    allow_on_submit: bool = False
    hidden: bool = False
    # Frappe's search_index: the field gets an index together with the sort field.
    search_index: bool = False

    @property
    def has_column(self) -> bool:
        return has_column(self.fieldtype)

    @property
    def is_table(self) -> bool:
        return self.fieldtype in TABLE_TYPES

    @property
    def is_layout(self) -> bool:
        return self.fieldtype in LAYOUT_TYPES

    @property
    def select_options(self) -> tuple[str, ...]:
        return tuple(o.strip() for o in (self.options or "").split("\n") if o.strip())


@dataclass(frozen=True, slots=True)
class PermissionRule:
    role: str
    permlevel: int = 0
    read: bool = False
    write: bool = False
    create: bool = False
    delete: bool = False
    submit: bool = False
    cancel: bool = False
    if_owner: bool = False

    def grants(self, right: str) -> bool:
        return bool(getattr(self, right, False))


@dataclass(frozen=True)
class DocTypeMeta:
    name: str
    module: str = ""
    app: str = ""
    fields: tuple[FieldMeta, ...] = ()
    autoname: str = "hash"
    is_submittable: bool = False
    istable: bool = False
    issingle: bool = False
    sort_field: str = "modified"
    sort_order: Literal["ASC", "DESC"] = "DESC"
    permissions: tuple[PermissionRule, ...] = ()
    allow_rename: bool = False
    title_field: str | None = None
    # Where the JSON came from, for error messages; the controller's module path, if any.
    source: str = ""
    controller: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def table_name(self) -> str:
        return f"tab{self.name}"

    @cached_property
    def fields_by_name(self) -> dict[str, FieldMeta]:
        return {f.fieldname: f for f in self.fields}

    @cached_property
    def data_fields(self) -> tuple[FieldMeta, ...]:
        """Fields that hold a column, in DocType order."""
        return tuple(f for f in self.fields if f.has_column)

    @cached_property
    def table_fields(self) -> tuple[FieldMeta, ...]:
        return tuple(f for f in self.fields if f.is_table)

    @cached_property
    def standard_columns(self) -> tuple[str, ...]:
        return STANDARD_FIELDS + (CHILD_FIELDS if self.istable else ())

    def get_field(self, fieldname: str) -> FieldMeta | None:
        return self.fields_by_name.get(fieldname)

    def fieldtype_of(self, column: str) -> str | None:
        """The fieldtype of a standard or data column; None for anything else."""
        if column in self.standard_columns:
            if column == "name" and self.autoname == "autoincrement":
                return "Int"
            return STANDARD_FIELDTYPES[column]
        found = self.fields_by_name.get(column)
        return found.fieldtype if found is not None and found.has_column else None

    def label_of(self, fieldname: str) -> str:
        found = self.fields_by_name.get(fieldname)
        return found.label if found is not None else fieldname


def _flag(value: Any) -> bool:
    return bool(value) and value not in ("0", 0)


def parse_field(raw: dict[str, Any]) -> FieldMeta:
    fieldname = str(raw.get("fieldname") or "")
    label = str(raw.get("label") or fieldname.replace("_", " ").title())
    length = raw.get("length") or 140
    return FieldMeta(
        fieldname=fieldname,
        fieldtype=str(raw.get("fieldtype") or "Data"),
        label=label,
        options=raw.get("options") or None,
        reqd=_flag(raw.get("reqd")),
        default=raw.get("default"),
        unique=_flag(raw.get("unique")),
        read_only=_flag(raw.get("read_only")),
        in_list_view=_flag(raw.get("in_list_view")),
        length=int(length),
        permlevel=int(raw.get("permlevel") or 0),
        allow_on_submit=_flag(raw.get("allow_on_submit")),
        hidden=_flag(raw.get("hidden")),
        search_index=_flag(raw.get("search_index")),
    )


def parse_permission(raw: dict[str, Any]) -> PermissionRule:
    return PermissionRule(
        role=str(raw.get("role") or ""),
        permlevel=int(raw.get("permlevel") or 0),
        **{right: _flag(raw.get(right)) for right in (*RIGHTS, "if_owner")},
    )


# Frappe matches these autoname keywords case-insensitively (its own files say "Prompt").
_AUTONAME_KEYWORDS = frozenset({"hash", "prompt", "autoincrement"})


def _autoname(value: Any) -> str:
    autoname = str(value or "").strip() or "hash"
    return autoname.lower() if autoname.lower() in _AUTONAME_KEYWORDS else autoname


KNOWN_KEYS = frozenset(
    {
        "name",
        "module",
        "fields",
        "autoname",
        "is_submittable",
        "istable",
        "issingle",
        "sort_field",
        "sort_order",
        "permissions",
        "allow_rename",
        "title_field",
    }
)


def parse_doctype(
    raw: dict[str, Any], *, app: str = "", source: str = "", controller: str | None = None
) -> DocTypeMeta:
    """Build a DocTypeMeta from a Frappe DocType JSON object; unknown Frappe keys are kept aside."""
    sort_order = str(raw.get("sort_order") or "DESC").upper()
    return DocTypeMeta(
        name=str(raw.get("name") or ""),
        module=str(raw.get("module") or ""),
        app=app,
        fields=tuple(parse_field(f) for f in raw.get("fields") or ()),
        autoname=_autoname(raw.get("autoname")),
        is_submittable=_flag(raw.get("is_submittable")),
        istable=_flag(raw.get("istable")),
        issingle=_flag(raw.get("issingle")),
        sort_field=str(raw.get("sort_field") or "modified"),
        sort_order="ASC" if sort_order == "ASC" else "DESC",
        permissions=tuple(parse_permission(p) for p in raw.get("permissions") or ()),
        allow_rename=_flag(raw.get("allow_rename")),
        title_field=raw.get("title_field") or None,
        source=source,
        controller=controller,
        extra={k: v for k, v in raw.items() if k not in KNOWN_KEYS},
    )
