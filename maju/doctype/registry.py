"""Discover DocType JSON files of maju and the installed apps, and refuse bad ones at start-up."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import orjson

from maju import errors
from maju.doctype.fields import ALL_TYPES
from maju.doctype.meta import DocTypeMeta, FieldMeta, parse_doctype
from maju.errors import ConfigError

CORE_DIR = Path(__file__).resolve().parent.parent / "core"


@dataclass(frozen=True)
class Registry:
    """Every DocType of the site by name, plus the installed app packages."""

    doctypes: Mapping[str, DocTypeMeta]
    apps: tuple[str, ...] = ()

    def get(self, name: str) -> DocTypeMeta | None:
        return self.doctypes.get(name)

    def __getitem__(self, name: str) -> DocTypeMeta:
        meta = self.doctypes.get(name)
        if meta is None:
            raise errors.DoesNotExistError(f"DocType {name} not found")
        return meta

    def __contains__(self, name: object) -> bool:
        return name in self.doctypes

    def __iter__(self) -> Iterator[DocTypeMeta]:
        return iter(self.doctypes.values())

    def child_tables(self, meta: DocTypeMeta) -> list[tuple[FieldMeta, DocTypeMeta]]:
        """(Table field, child DocType) pairs of `meta`, in field order."""
        return [(f, self.doctypes[f.options or ""]) for f in meta.table_fields]

    @cached_property
    def _links(self) -> dict[str, list[tuple[DocTypeMeta, FieldMeta]]]:
        links: dict[str, list[tuple[DocTypeMeta, FieldMeta]]] = {}
        for meta in self.doctypes.values():
            for f in meta.data_fields:
                if f.fieldtype == "Link" and f.options:
                    links.setdefault(f.options, []).append((meta, f))
        return links

    def links_to(self, doctype: str) -> list[tuple[DocTypeMeta, FieldMeta]]:
        """Every (DocType, Link field) pointing at `doctype`: what a delete must check (D17)."""
        return self._links.get(doctype, [])

    def dynamic_links(self) -> list[tuple[DocTypeMeta, FieldMeta]]:
        return [
            (m, f)
            for m in self.doctypes.values()
            for f in m.data_fields
            if f.fieldtype == "Dynamic Link"
        ]


def app_doctype_dirs(app: str, apps_dir: Path) -> Path:
    return apps_dir / app / "doctype"


def load_registry(apps: tuple[str, ...], apps_dir: Path) -> Registry:
    """Load maju's core DocTypes and each app's; raise ConfigError naming the file and field."""
    if str(apps_dir) not in sys.path:
        # Apps are importable by their own name (`todo.api.hello`, M2).
        sys.path.insert(0, str(apps_dir))
    found: dict[str, DocTypeMeta] = {}
    sources = [("maju", CORE_DIR / "doctype", "maju.core.doctype")]
    for app in apps:
        if not (apps_dir / app).is_dir():
            raise ConfigError(f"installed app {app!r} not found in {apps_dir}")
        sources.append((app, app_doctype_dirs(app, apps_dir), f"{app}.doctype"))
    for app, folder, package in sources:
        for meta in _load_folder(app, folder, package):
            if meta.name in found:
                raise ConfigError(
                    f"{meta.source}: DocType {meta.name} is defined twice "
                    f"(also in {found[meta.name].source})"
                )
            found[meta.name] = meta
    for meta in found.values():
        _validate(meta, found)
    return Registry(doctypes=found, apps=tuple(apps))


def _load_folder(app: str, folder: Path, package: str) -> Iterator[DocTypeMeta]:
    if not folder.is_dir():
        return
    for json_file in sorted(folder.glob("*/*.json")):
        if json_file.stem != json_file.parent.name:
            continue
        try:
            raw = orjson.loads(json_file.read_bytes())
        except orjson.JSONDecodeError as exc:
            raise ConfigError(f"{json_file}: invalid JSON: {exc}") from exc
        if not isinstance(raw, dict) or not raw.get("name"):
            raise ConfigError(f"{json_file}: a DocType file must be an object with a name")
        controller_file = json_file.with_suffix(".py")
        controller = (
            f"{package}.{json_file.parent.name}.{json_file.stem}"
            if controller_file.exists()
            else None
        )
        yield parse_doctype(raw, app=app, source=str(json_file), controller=controller)


def _validate(meta: DocTypeMeta, doctypes: Mapping[str, DocTypeMeta]) -> None:
    seen: set[str] = set()
    fieldnames = {f.fieldname for f in meta.fields if f.fieldname}
    for f in meta.fields:
        where = f"{meta.source}: field {f.fieldname or '(no fieldname)'}"
        if f.fieldtype not in ALL_TYPES:
            raise ConfigError(f"{where}: unknown fieldtype {f.fieldtype!r}")
        if not f.fieldname:
            if f.is_layout:
                continue
            raise ConfigError(f"{where}: missing fieldname")
        if f.fieldname in seen:
            raise ConfigError(f"{where}: duplicate fieldname")
        seen.add(f.fieldname)
        if f.fieldname in meta.standard_columns and not f.is_layout:
            raise ConfigError(f"{where}: clashes with a standard field")
        if f.fieldtype == "Link" and (f.options or "") not in doctypes:
            raise ConfigError(f"{where}: Link to missing DocType {f.options!r}")
        if f.is_table:
            child = doctypes.get(f.options or "")
            if child is None or not child.istable:
                raise ConfigError(
                    f"{where}: Table options must name a child DocType, got {f.options!r}"
                )
        if f.fieldtype == "Select" and not f.select_options:
            raise ConfigError(f"{where}: Select without options")
        # Frappe puts no order on the two fields: the DocType field may come after.
        if f.fieldtype == "Dynamic Link" and (f.options or "") not in fieldnames:
            raise ConfigError(
                f"{where}: Dynamic Link options must name a field of {meta.name}, got {f.options!r}"
            )
    if meta.sort_field not in meta.standard_columns and meta.sort_field not in seen:
        raise ConfigError(f"{meta.source}: sort_field {meta.sort_field!r} is not a field")


def load_controllers(registry: Registry) -> None:
    """Import each DocType's controller module in lifespan, so a broken one stops the start
    rather than the first request (importing opens nothing); maju.doctype.controller finds
    the classes in `sys.modules` later."""
    for meta in registry:
        if meta.controller and importlib.util.find_spec(meta.controller) is not None:
            importlib.import_module(meta.controller)
