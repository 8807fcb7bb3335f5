"""Resolve a method name to a whitelisted function (M2, M3), refusing before importing anything.

A client can send any string, so the name is checked as text first: its first segment must be
an installed app or maju, no segment may be private, and only then is the module imported. The
function must be a real attribute of that module (no module `__getattr__`, no walking into
other modules) defined in an installed app or in maju, and marked by `@whitelist`.

`run_method` (D23) names a method of a DocType's controller class instead: a public,
`@whitelist`-marked attribute of the class, found without loading any document.
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import FunctionType, ModuleType
from typing import Any

from maju import errors
from maju.api.arguments import CallPlan, plan_for
from maju.site import Site
from maju.whitelisting import WhitelistSpec, whitelist_spec

_SEGMENT = r"[A-Za-z_][A-Za-z0-9_]*"
_DOTTED = re.compile(rf"^{_SEGMENT}(?:\.{_SEGMENT})+$")
# Frappe names maju does not provide (desk internals, print helpers) are unresolvable (M11).
FRAPPE_NAMESPACE = "frappe"
INDEX_KEY = "method_index"


@dataclass(frozen=True, slots=True)
class Target:
    """A resolved, whitelisted function and what calling it needs."""

    fn: Callable[..., Any]
    spec: WhitelistSpec
    plan: CallPlan
    is_async: bool


def unresolvable(name: str) -> errors.ValidationError:
    return errors.ValidationError(f"Failed to get method for command {name}")


def not_whitelisted(name: str) -> errors.PermissionError:
    return errors.PermissionError(f"Function {name} is not whitelisted.")


def target_for(name: str, fn: Callable[..., Any]) -> Target:
    spec = whitelist_spec(fn)
    if spec is None or not inspect.isfunction(fn):
        raise not_whitelisted(name)
    return Target(fn=fn, spec=spec, plan=plan_for(fn), is_async=inspect.iscoroutinefunction(fn))


def method_target(cls: type, name: str) -> Target:
    """D23 with M3: the controller method `name` of `cls` a client may call, else 403.

    `fn` is the class attribute (call it bound to a document: `getattr(doc, name)`); for a
    plain method the plan leaves `self` out, as binding supplies it.
    """
    if not name.isidentifier() or name.startswith("_"):
        raise not_whitelisted(name)
    fn = getattr(cls, name, None)
    spec = whitelist_spec(fn)
    if fn is None or spec is None or not callable(fn):
        raise not_whitelisted(name)
    plan = plan_for(fn)
    if isinstance(inspect.getattr_static(cls, name), FunctionType):
        plan = CallPlan(plan.params[1:], plan.accepts_kwargs)
    return Target(fn=fn, spec=spec, plan=plan, is_async=inspect.iscoroutinefunction(fn))


class MethodIndex:
    """The process's resolved functions by name, filled lazily; one per Site (no module global).

    Only successes are kept, so a client naming random strings cannot grow it.
    """

    def __init__(self, apps: tuple[str, ...], aliases: Mapping[str, Callable[..., Any]]) -> None:
        self.packages = frozenset(apps) | {"maju"}
        self.aliases = aliases
        self._targets: dict[str, Target] = {}
        self._methods: dict[tuple[type, str], Target] = {}

    def resolve(self, name: str) -> Target:
        """M2 in order: the alias table (M11, M13 short names included), then a dotted path."""
        found = self._targets.get(name)
        if found is None:
            alias = self.aliases.get(name)
            found = target_for(name, alias) if alias is not None else self._resolve_path(name)
            self._targets[name] = found
        return found

    def resolve_method(self, cls: type, name: str) -> Target:
        """D23: `method_target`, kept once found (a class has finitely many methods)."""
        found = self._methods.get((cls, name))
        if found is None:
            found = self._methods[(cls, name)] = method_target(cls, name)
        return found

    def _resolve_path(self, name: str) -> Target:
        if not _DOTTED.match(name):
            raise unresolvable(name)
        segments = name.split(".")
        package = segments[0]
        if package == FRAPPE_NAMESPACE:
            raise unresolvable(name)
        if package not in self.packages:
            # S9: refused on the text alone; nothing outside the apps is ever imported.
            raise errors.ValidationError(f"App {package} is not installed")
        if any(segment.startswith("_") for segment in segments):
            raise not_whitelisted(name)  # private names are never callable, whatever marks them
        module = self._import(name, ".".join(segments[:-1]))
        # vars(), not getattr(): a module's lazy __getattr__ is not a way in.
        fn = vars(module).get(segments[-1])
        if fn is None:
            raise unresolvable(name)
        if not self._owned(fn):
            # `from os import system` in an app module must not make os.system reachable.
            raise not_whitelisted(name)
        return target_for(name, fn)

    def _import(self, name: str, module_name: str) -> ModuleType:
        try:
            return importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            missing = exc.name or ""
            if module_name == missing or module_name.startswith(missing + "."):
                raise unresolvable(name) from exc
            raise  # the app's own module failed to import something: a developer's bug (500)

    def _owned(self, fn: object) -> bool:
        owner = getattr(fn, "__module__", None)
        if not isinstance(owner, str):
            return False
        return owner.split(".", 1)[0] in self.packages


def method_index(site: Site) -> MethodIndex:
    """The site's index, made on first use (the alias table imports the client methods)."""
    index = site.extensions.get(INDEX_KEY)
    if not isinstance(index, MethodIndex):
        from maju.api.dispatch_aliases import alias_table

        index = MethodIndex(site.registry.apps, alias_table())
        site.extensions[INDEX_KEY] = index
    return index
