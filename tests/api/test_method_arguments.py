"""Argument gathering (M6) and coercion by annotation (M7), over HTTP and on `coerce` itself."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maju import errors
from maju.api.arguments import coerce, plan_for, type_name
from tests.api.test_method_dispatch import assert_error
from tests.sites import REPO_ROOT, Site, open_site

TYPED = "/api/method/methodtest.api.typed"


@pytest.fixture
async def msite(backend: str, tmp_path: Path) -> AsyncIterator[Site]:
    async with open_site(
        backend, tmp_path, site={"apps": ("methodtest",)}, root=str(REPO_ROOT / "tests")
    ) as running:
        yield running


async def test_m7_query_strings_coerced(msite: Site) -> None:
    r = await msite.client.get(
        TYPED,
        headers=msite.admin_headers,
        params={
            "a": "7",
            "b": "2.5",
            "flag": "TRUE",
            "items": '[1, "x"]',
            "obj": '{"k": 1}',
            "text": "42",
            "maybe": "",
            "mode": "slow",
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()["message"] == {
        "values": {
            "a": 7,
            "b": 2.5,
            "flag": True,
            "items": [1, "x"],
            "obj": {"k": 1},
            "text": "42",
            "maybe": None,
            "mode": "slow",
        },
        "types": {
            "a": "int",
            "b": "float",
            "flag": "bool",
            "items": "list",
            "obj": "dict",
            "text": "str",
            "maybe": "NoneType",
            "mode": "str",
        },
    }


async def test_m7_form_fields_coerced(msite: Site) -> None:
    r = await msite.client.post(
        TYPED, headers=msite.admin_headers, data={"a": "-3", "flag": "0", "maybe": "5"}
    )
    values = r.json()["message"]["values"]
    assert (values["a"], values["flag"], values["maybe"]) == (-3, False, 5)


async def test_m7_json_values_keep_their_types(msite: Site) -> None:
    r = await msite.client.post(
        TYPED,
        headers=msite.admin_headers,
        json={
            "a": 1,
            "b": 3,
            "flag": 1,
            "items": ["y"],
            "obj": {"z": None},
            "text": 12,
            "maybe": None,
        },
    )
    assert r.json()["message"]["values"] == {
        "a": 1,
        "b": 3.0,
        "flag": True,
        "items": ["y"],
        "obj": {"z": None},
        "text": "12",
        "maybe": None,
        "mode": "fast",
    }


TYPE_FAILURES = [
    ("a", "seven", "int"),
    ("a", "1.5", "int"),
    ("b", "nan", "float"),
    ("flag", "yes", "bool"),
    ("items", '{"k": 1}', "list[Any] | None"),
    ("obj", "[1]", "dict[str, Any] | None"),
    ("maybe", "x", "int | None"),
    ("mode", "medium", "Literal['fast', 'slow']"),
]


async def test_m7_failure_names_the_argument(msite: Site) -> None:
    for arg, value, expected in TYPE_FAILURES:
        r = await msite.client.get(
            TYPED, headers=msite.admin_headers, params={"a": "1", arg: value}
        )
        assert_error(
            r,
            417,
            "FrappeTypeError",
            f"Argument '{arg}' should be of type '{expected}' but got 'str' instead.",
        )


async def test_m7_json_type_mismatch(msite: Site) -> None:
    r = await msite.client.post(TYPED, headers=msite.admin_headers, json={"a": [1]})
    assert_error(
        r, 417, "FrappeTypeError", "Argument 'a' should be of type 'int' but got 'list' instead."
    )
    r = await msite.client.post(TYPED, headers=msite.admin_headers, json={"a": True})
    assert r.status_code == 417


async def test_m7_missing_required_argument(msite: Site) -> None:
    r = await msite.client.get(TYPED, headers=msite.admin_headers, params={"b": "1"})
    assert_error(r, 417, "ValidationError", "Missing required argument: a")
    r = await msite.client.get("/api/method/methodtest.api.untyped", headers=msite.admin_headers)
    assert_error(r, 417, "ValidationError", "Missing required argument: x")


async def test_m6_undeclared_keys_dropped_unannotated_passed_raw(msite: Site) -> None:
    r = await msite.client.post(
        "/api/method/methodtest.api.untyped",
        headers=msite.admin_headers,
        json={"x": [1, {"a": 2}], "z": "dropped", "cmd": "c"},
    )
    assert r.json() == {"message": {"x": [1, {"a": 2}], "y": "default"}}


async def test_m6_kwargs_get_everything_but_plumbing(msite: Site) -> None:
    r = await msite.client.post(
        "/api/method/methodtest.api.takes_kwargs?cmd=ignored",
        headers=msite.admin_headers,
        data={
            "a": "1",
            "ignore_permissions": "1",
            "flags": '{"x": 1}',
            "cmd": "c",
            "sid": "s",
            "csrf_token": "t",
            "_": "123",
            "b": "two",
        },
    )
    assert r.json() == {"message": {"a": "1", "b": "two"}}


async def test_m6_plumbing_only_if_declared_permission_flags_never(msite: Site) -> None:
    r = await msite.client.post(
        "/api/method/methodtest.api.declares_plumbing",
        headers=msite.admin_headers,
        json={"cmd": "c", "sid": "s", "csrf_token": "t", "ignore_permissions": 1, "flags": {}},
    )
    assert r.json() == {
        "message": {
            "cmd": "c",
            "sid": "s",
            "csrf_token": "t",
            "ignore_permissions": "unset",
            "flags": "unset",
        }
    }


async def test_m6_json_array_body_is_data(msite: Site) -> None:
    r = await msite.client.post(
        "/api/method/methodtest.api.takes_data", headers=msite.admin_headers, json=[1, 2, 3]
    )
    assert r.json() == {"message": 3}


async def test_m6_context_bound_by_annotation_never_from_request(msite: Site) -> None:
    r = await msite.client.post(
        "/api/method/methodtest.api.who",
        headers=msite.admin_headers,
        json={"ctx": "Guest", "ctx_other": "kept"},
    )
    assert r.json() == {
        "message": {"user": "Administrator", "read_only": False, "ctx_other": "kept"}
    }
    r = await msite.client.get("/api/method/methodtest.api.who", headers=msite.admin_headers)
    assert r.json()["message"]["read_only"] is True


# Pure checks of `coerce`, no database.


@pytest.mark.parametrize(
    ("annotation", "value", "expected"),
    [
        (int, " 12 ", 12),
        (int, "+3", 3),
        (int, 4.0, 4),
        (float, "1e3", 1000.0),
        (float, 2, 2.0),
        (bool, "False", False),
        (bool, "1", True),
        (bool, 0, False),
        (str, "x", "x"),
        (str, 5, "5"),
        (list, "[]", []),
        (dict, "{}", {}),
        (int | None, None, None),
        (int | None, "", None),
        (str | None, "", ""),
        (Any, "raw", "raw"),
        (Literal[1, 2], "2", 2),
        (int | str, "x", "x"),
        (int | str, "3", 3),
        ("SomeForwardRef", "kept", "kept"),
    ],
)
def test_m7_coerce_accepts(annotation: Any, value: Any, expected: Any) -> None:
    result = coerce("arg", annotation, value)
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize(
    ("annotation", "value"),
    [
        (int, True),
        (int, "1.0"),
        (int, 1.5),
        (int, None),
        (float, "inf"),
        (float, False),
        (bool, 2),
        (bool, "on"),
        (list, "{}"),
        (list, "not json"),
        (dict, []),
        (str, None),
        (str, [1]),
        (int | None, "x"),
        (Literal["a"], "b"),
    ],
)
def test_m7_coerce_refuses(annotation: Any, value: Any) -> None:
    with pytest.raises(errors.FrappeTypeError, match=r"^Argument 'arg' should be of type"):
        coerce("arg", annotation, value)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=-(2**70), max_value=2**70))
def test_m7_int_round_trips_from_text(n: int) -> None:
    assert coerce("n", int, str(n)) == n


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=12))
def test_m7_int_from_text_never_raises_anything_but_type_error(text: str) -> None:
    try:
        assert isinstance(coerce("n", int, text), int)
    except errors.FrappeTypeError:
        pass


def test_m7_type_names() -> None:
    assert type_name(int) == "int"
    assert type_name(int | None) == "int | None"
    assert type_name(list[str]) == "list[str]"


def test_m6_plan_context_from_string_annotation() -> None:
    """A `ctx: Context` imported only under TYPE_CHECKING is still the Context parameter."""
    namespace: dict[str, Any] = {}
    # This module's `from __future__ import annotations` applies: the annotations stay text.
    exec("async def f(ctx: Context, n: int, m: Missing = 1): pass", namespace)
    plan = plan_for(namespace["f"])
    assert [(p.name, p.is_context, p.required) for p in plan.params] == [
        ("ctx", True, True),
        ("n", False, True),
        ("m", False, False),
    ]
    assert plan.params[1].annotation is int
