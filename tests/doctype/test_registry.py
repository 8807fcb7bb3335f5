"""DocType loading: the real apps, a Frappe-shaped file as Frappe writes it, start-up refusals."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from maju.doctype.registry import load_registry
from maju.errors import ConfigError
from tests.sites import REPO_ROOT

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(autouse=True)
def _keep_sys_path(monkeypatch: pytest.MonkeyPatch) -> None:
    # load_registry makes apps importable by name; keep temporary app folders out of later tests.
    monkeypatch.setattr(sys, "path", list(sys.path))


def add_doctype(apps_dir: Path, app: str, doc: dict[str, Any]) -> Path:
    """Write `doc` where an app keeps a DocType: apps/<app>/doctype/<folder>/<folder>.json."""
    folder = str(doc["name"]).lower().replace(" ", "_")
    path = apps_dir / app / "doctype" / folder / f"{folder}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    return path


def copy_fixture(apps_dir: Path, app: str, fixture: str) -> Path:
    return add_doctype(apps_dir, app, json.loads((FIXTURES / fixture).read_text("utf-8")))


def test_loads_the_real_apps() -> None:
    registry = load_registry(("todo",), REPO_ROOT / "apps")
    assert {"ToDo", "ToDo Checklist Item", "User", "Role", "Has Role"} <= set(registry.doctypes)
    todo = registry["ToDo"]
    assert todo.app == "todo" and todo.table_name == "tabToDo"
    assert todo.source.endswith("apps/todo/doctype/todo/todo.json")
    status = todo.get_field("status")
    assert status is not None and status.select_options == ("Open", "Closed", "Cancelled")
    assert [(f.fieldname, child.name) for f, child in registry.child_tables(todo)] == [
        ("checklist", "ToDo Checklist Item")
    ]
    assert ("ToDo", "allocated_to") in {(m.name, f.fieldname) for m, f in registry.links_to("User")}
    assert registry.get("Nope") is None and "ToDo" in registry
    assert registry["User"].app == "maju"


def test_frappe_shaped_doctype_loads_unchanged(tmp_path: Path) -> None:
    """A DocType file as Frappe v15 exports it loads as written; keys maju ignores are kept."""
    apps = tmp_path / "apps"
    source = copy_fixture(apps, "meetings", "meeting_minutes.json")
    copy_fixture(apps, "meetings", "meeting_attendee.json")
    raw = json.loads((FIXTURES / "meeting_minutes.json").read_text("utf-8"))

    registry = load_registry(("meetings",), tmp_path / "apps")
    meta = registry["Meeting Minutes"]
    assert meta.source == str(source) and meta.app == "meetings"
    assert [f.fieldname for f in meta.fields] == raw["field_order"]
    for raw_field, field in zip(raw["fields"], meta.fields, strict=True):
        assert field.fieldtype == raw_field["fieldtype"]
        assert field.label == raw_field.get("label", field.label)
        assert field.options == raw_field.get("options")
        for flag in ("reqd", "read_only", "search_index", "allow_on_submit", "in_list_view"):
            assert getattr(field, flag) == bool(raw_field.get(flag)), (field.fieldname, flag)
        assert field.permlevel == raw_field.get("permlevel", 0)
        assert field.default == raw_field.get("default")
    subject = meta.get_field("subject")
    assert subject is not None and subject.length == 200
    assert [f.fieldname for f in meta.data_fields] == [
        "subject",
        "meeting_date",
        "status",
        "chaired_by",
        "reference_doctype",
        "reference_name",
        "minutes",
        "duration_hours",
        "is_confidential",
    ]
    assert [f.fieldname for f in meta.table_fields] == ["attendees"]
    assert (meta.module, meta.autoname, meta.title_field) == ("Meetings", "prompt", "subject")
    assert (meta.sort_field, meta.sort_order) == ("meeting_date", "ASC")
    assert meta.is_submittable and meta.allow_rename and not meta.istable
    rules = {(r.role, r.permlevel): r for r in meta.permissions}
    assert set(rules) == {("System Manager", 0), ("System Manager", 1), ("All", 0)}
    manager = rules[("System Manager", 0)]
    assert all(
        manager.grants(right) for right in ("read", "write", "create", "delete", "submit", "cancel")
    )
    assert rules[("All", 0)].if_owner and not rules[("All", 0)].grants("delete")
    for key in (
        "doctype",
        "actions",
        "engine",
        "field_order",
        "creation",
        "modified",
        "owner",
        "index_web_pages_for_search",
        "links",
        "states",
        "track_changes",
    ):
        assert meta.extra[key] == raw[key]

    child = registry["Meeting Attendee"]
    assert child.istable and child.standard_columns[-3:] == ("parent", "parentfield", "parenttype")
    assert [(f.fieldname, c.name) for f, c in registry.child_tables(meta)] == [
        ("attendees", "Meeting Attendee")
    ]


def base_doctype(**overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "doctype": "DocType",
        "name": "Widget",
        "module": "Shop",
        "fields": [{"fieldname": "title", "fieldtype": "Data"}],
    }
    doc.update(overrides)
    return doc


def refusal(tmp_path: Path, *docs: dict[str, Any]) -> tuple[str, list[Path]]:
    paths = [add_doctype(tmp_path / "apps", "shop", doc) for doc in docs]
    with pytest.raises(ConfigError) as info:
        load_registry(("shop",), tmp_path / "apps")
    return str(info.value), paths


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ({"fieldname": "size", "fieldtype": "Bigtext"}, "unknown fieldtype 'Bigtext'"),
        (
            {"fieldname": "owner_user", "fieldtype": "Link", "options": "Customer"},
            "Link to missing DocType 'Customer'",
        ),
        ({"fieldname": "colour", "fieldtype": "Select"}, "Select without options"),
        ({"fieldname": "colour", "fieldtype": "Select", "options": "\n"}, "Select without options"),
        (
            {"fieldname": "parts", "fieldtype": "Table", "options": "User"},
            "Table options must name a child DocType, got 'User'",
        ),
        (
            {"fieldname": "parts", "fieldtype": "Table", "options": "Part"},
            "Table options must name a child DocType, got 'Part'",
        ),
        (
            {"fieldname": "ref", "fieldtype": "Dynamic Link", "options": "ref_type"},
            "Dynamic Link options must name a field of Widget",
        ),
        ({"fieldname": "modified", "fieldtype": "Datetime"}, "clashes with a standard field"),
    ],
)
def test_startup_refuses_bad_fields_naming_file_and_field(
    tmp_path: Path, field: dict[str, Any], message: str
) -> None:
    doc = base_doctype(fields=[{"fieldname": "title", "fieldtype": "Data"}, field])
    text, (path,) = refusal(tmp_path, doc)
    assert text.startswith(f"{path}: field {field['fieldname']}: ")
    assert message in text


def test_startup_refuses_duplicate_fieldname(tmp_path: Path) -> None:
    doc = base_doctype(
        fields=[
            {"fieldname": "title", "fieldtype": "Data"},
            {"fieldname": "title", "fieldtype": "Small Text"},
        ]
    )
    text, (path,) = refusal(tmp_path, doc)
    assert text == f"{path}: field title: duplicate fieldname"


def test_startup_refuses_unknown_sort_field(tmp_path: Path) -> None:
    text, (path,) = refusal(tmp_path, base_doctype(sort_field="priority"))
    assert text == f"{path}: sort_field 'priority' is not a field"


def test_startup_refuses_a_doctype_defined_twice(tmp_path: Path) -> None:
    add_doctype(tmp_path / "apps", "shop", base_doctype())
    add_doctype(tmp_path / "apps", "store", base_doctype())
    with pytest.raises(ConfigError, match="DocType Widget is defined twice"):
        load_registry(("shop", "store"), tmp_path / "apps")


def test_startup_refuses_invalid_json_and_nameless_files(tmp_path: Path) -> None:
    path = add_doctype(tmp_path / "apps", "shop", base_doctype())
    path.write_text('{"name": "Widget",', encoding="utf-8")
    with pytest.raises(ConfigError, match=f"{path}: invalid JSON"):
        load_registry(("shop",), tmp_path / "apps")
    path.write_text('{"fields": []}', encoding="utf-8")
    with pytest.raises(ConfigError, match=f"{path}: a DocType file must be an object"):
        load_registry(("shop",), tmp_path / "apps")


def test_startup_refuses_a_missing_app(tmp_path: Path) -> None:
    (tmp_path / "apps").mkdir()
    with pytest.raises(ConfigError, match="installed app 'shop' not found"):
        load_registry(("shop",), tmp_path / "apps")


def test_dynamic_link_may_name_a_later_field(tmp_path: Path) -> None:
    """Frappe puts no order on a Dynamic Link and the field naming its DocType."""
    doc = base_doctype(
        fields=[
            {"fieldname": "ref_name", "fieldtype": "Dynamic Link", "options": "ref_type"},
            {"fieldname": "ref_type", "fieldtype": "Link", "options": "Role"},
        ]
    )
    add_doctype(tmp_path / "apps", "shop", doc)
    registry = load_registry(("shop",), tmp_path / "apps")
    assert [(m.name, f.fieldname) for m, f in registry.dynamic_links()] == [("Widget", "ref_name")]


def test_table_to_a_child_doctype_of_another_app_loads(tmp_path: Path) -> None:
    apps = tmp_path / "apps"
    add_doctype(
        apps,
        "shop",
        base_doctype(
            fields=[{"fieldname": "items", "fieldtype": "Table", "options": "Meeting Attendee"}]
        ),
    )
    copy_fixture(apps, "meetings", "meeting_attendee.json")
    registry = load_registry(("shop", "meetings"), apps)
    assert registry.child_tables(registry["Widget"])[0][1].name == "Meeting Attendee"
