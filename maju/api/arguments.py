"""Turn E6's form dict into a whitelisted function's arguments (M6) coerced by annotation (M7).

A function's signature is read once into a `CallPlan` (cached by the dispatcher); each request
then only walks the plan. Three annotations are bound by maju and never filled from the
request: `Context` (the request's Context), `Site` (the process's Site: its database pool for
a transaction of one's own, its secret key) and Starlette's `Request` (headers, scheme), for
the few functions that need more than the Context carries (login, password reset).
"""

from __future__ import annotations

import inspect
import re
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import orjson
from starlette.requests import Request

from maju import errors
from maju.context import Context
from maju.doctype import numbers
from maju.site import Site

# M6: never passed, even to **kwargs: a client must not switch permission checks off.
ALWAYS_DROPPED = frozenset({"ignore_permissions", "flags"})
# M6: request plumbing, passed only to a function that names the parameter.
ONLY_IF_DECLARED = frozenset({"cmd", "sid", "csrf_token", "_"})

_INT = re.compile(r"[+-]?[0-9]+")
_BOOLS = {"true": True, "1": True, "false": False, "0": False}
_MISSING = object()


# What maju binds by annotation, by the annotation's class or, when it is unresolved text
# (imported under TYPE_CHECKING only), by its name.
Injected = Literal["context", "site", "request"]
_INJECTED: tuple[tuple[type, Injected], ...] = (
    (Context, "context"),
    (Site, "site"),
    (Request, "request"),
)


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    annotation: Any  # Any: whatever the developer annotated (a type, a union, a string)
    required: bool
    positional_only: bool
    injected: Injected | None

    @property
    def is_context(self) -> bool:
        return self.injected == "context"


@dataclass(frozen=True, slots=True)
class CallPlan:
    params: tuple[Param, ...]
    accepts_kwargs: bool


def plan_for(fn: Callable[..., Any]) -> CallPlan:
    """Read `fn`'s signature once: which parameters exist, which is the Context, their types."""
    signature = inspect.signature(fn)
    hints = _hints(fn, signature)
    params: list[Param] = []
    accepts_kwargs = False
    for p in signature.parameters.values():
        if p.kind is p.VAR_KEYWORD:
            accepts_kwargs = True
            continue
        if p.kind is p.VAR_POSITIONAL:
            continue
        annotation = hints.get(p.name, Any)
        params.append(
            Param(
                name=p.name,
                annotation=annotation,
                required=p.default is p.empty,
                positional_only=p.kind is p.POSITIONAL_ONLY,
                injected=_injected(annotation),
            )
        )
    return CallPlan(tuple(params), accepts_kwargs)


def _hints(fn: Callable[..., Any], signature: inspect.Signature) -> dict[str, Any]:
    """Resolved annotations; a name only imported under TYPE_CHECKING stays a string."""
    try:
        return typing.get_type_hints(fn)
    except Exception:  # a forward reference that does not resolve at run time
        pass
    namespace = getattr(fn, "__globals__", {})
    hints: dict[str, Any] = {}
    for p in signature.parameters.values():
        annotation = p.annotation
        if annotation is p.empty:
            continue
        if isinstance(annotation, str):
            try:
                annotation = typing.get_type_hints(_Annotated(annotation), globalns=namespace)[
                    "value"
                ]
            except Exception:  # unresolvable: keep the text, checked by name below
                pass
        hints[p.name] = annotation
    return hints


class _Annotated:
    """A stand-in object holding one annotation, so typing resolves it with its usual rules."""

    def __init__(self, annotation: str) -> None:
        self.__annotations__ = {"value": annotation}


def _injected(annotation: Any) -> Injected | None:
    if isinstance(annotation, str):
        name = annotation.strip("'\" ").rsplit(".", 1)[-1]
        return next((kind for cls, kind in _INJECTED if cls.__name__ == name), None)
    if isinstance(annotation, type):
        return next((kind for cls, kind in _INJECTED if issubclass(annotation, cls)), None)
    return None


def bind(
    plan: CallPlan, form: Mapping[str, Any], ctx: Context, site: Site, request: Request
) -> tuple[list[Any], dict[str, Any]]:
    """M6: positional and keyword arguments for one call; raises 417 naming the argument.

    Args:
        plan: the function's `CallPlan`.
        form: E6's parameters.
        ctx, site, request: bound to the parameters annotated with their types.
    """
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for param in plan.params:
        if param.injected == "context":
            value: Any = ctx
        elif param.injected == "site":
            value = site
        elif param.injected == "request":
            value = request
        else:
            raw = form.get(param.name, _MISSING) if param.name not in ALWAYS_DROPPED else _MISSING
            if raw is _MISSING:
                if param.required:
                    raise errors.ValidationError(f"Missing required argument: {param.name}")
                continue
            value = coerce(param.name, param.annotation, raw)
        if param.positional_only:
            args.append(value)
        else:
            kwargs[param.name] = value
    if plan.accepts_kwargs:
        declared = {p.name for p in plan.params}
        for key, raw in form.items():
            if key in declared or key in ALWAYS_DROPPED or key in ONLY_IF_DECLARED:
                continue
            kwargs[key] = raw
    return args, kwargs


def coerce(arg: str, annotation: Any, value: Any) -> Any:  # Any: per annotation
    """M7: a request value as the annotated type, or 417 FrappeTypeError naming `arg`."""
    result = _coerce(annotation, value)
    if result is _MISSING:
        raise errors.FrappeTypeError(
            f"Argument '{arg}' should be of type '{type_name(annotation)}' but got "
            f"'{type(value).__name__}' instead."
        )
    return result


def _coerce(annotation: Any, value: Any) -> Any:  # Any: per annotation; _MISSING on failure
    if annotation is Any or isinstance(annotation, str) or annotation is object:
        return value
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        return _coerce_union(typing.get_args(annotation), value)
    if origin is Literal:
        return _coerce_literal(typing.get_args(annotation), value)
    if origin is typing.Annotated:
        return _coerce(typing.get_args(annotation)[0], value)
    target = origin or annotation
    coercer = _SCALARS.get(target)
    if coercer is None:
        # Types M7 does not name (dates, decimals, a developer's own classes) arrive as sent.
        return value
    return coercer(value)


def _coerce_union(options: tuple[Any, ...], value: Any) -> Any:
    if value is None and type(None) in options:
        return None
    if value == "" and type(None) in options and str not in options:
        return None  # an empty query value for an optional number or flag means "not given"
    for option in options:
        if option is type(None):
            continue
        result = _coerce(option, value)
        if result is not _MISSING:
            return result
    return _MISSING


def _coerce_literal(choices: tuple[Any, ...], value: Any) -> Any:
    for choice in choices:
        if value == choice and type(value) is type(choice):
            return choice
        if (
            isinstance(value, str)
            and not isinstance(choice, str)
            and _coerce(type(choice), value) == choice
        ):
            return choice
    return _MISSING


def _to_str(value: Any) -> Any:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)  # a JSON number where text is expected: its written form
    return _MISSING


def _to_int(value: Any) -> Any:
    """M7: a JSON integer, an integral float, or a string of digits; S12 bounds the size."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return _MISSING
    if isinstance(value, str) and not _INT.fullmatch(value.strip()):
        return _MISSING
    try:
        return numbers.to_integer(value)
    except numbers.NumberError:
        return _MISSING


def _to_float(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return _MISSING
    try:
        number = float(numbers.to_decimal(value))
    except numbers.NumberError:
        return _MISSING
    return number if abs(number) != float("inf") else _MISSING


def _to_bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        return _BOOLS.get(value.strip().lower(), _MISSING)
    return _MISSING


def _from_json(kind: type) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        if isinstance(value, str):
            try:
                value = orjson.loads(value)
            except orjson.JSONDecodeError:
                return _MISSING
        return value if isinstance(value, kind) else _MISSING

    return convert


_SCALARS: dict[Any, Callable[[Any], Any]] = {
    str: _to_str,
    int: _to_int,
    float: _to_float,
    bool: _to_bool,
    list: _from_json(list),
    dict: _from_json(dict),
}


def type_name(annotation: Any) -> str:
    """How M7's message spells a type: `int`, `int | None`, `list[str]`."""
    if annotation is type(None):
        return "None"
    if isinstance(annotation, type) and not typing.get_args(annotation):
        return annotation.__name__
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return " | ".join(type_name(a) for a in typing.get_args(annotation))
    return str(annotation).replace("typing.", "")
