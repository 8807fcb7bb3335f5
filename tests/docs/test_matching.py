"""The output comparison of the docs tests: it binds generated values, and it can fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.docs.blocks import Block, Directive, parse
from tests.docs.matching import Bindings, Mismatch
from tests.docs.roles import console_commands, roles

NAME_A, NAME_B = "q83pkcinsb", "h808fhu8l9"


def test_names_bind_and_are_substituted_into_later_commands() -> None:
    bindings = Bindings()
    bindings.check(f'{{"data": {{"name": "{NAME_A}"}}}}', '{"data":{"name":"0123456789"}}')
    assert bindings.command(f"curl $SITE/api/resource/ToDo/{NAME_A}") == (
        "curl $SITE/api/resource/ToDo/0123456789"
    )
    bindings.check(f'"ToDo {NAME_A} not found"', '"ToDo 0123456789 not found"')
    with pytest.raises(Mismatch):
        bindings.check(f'"{NAME_A}"', '"9876543210"')  # bound: must be the same value again


def test_binding_is_one_to_one() -> None:
    """Two names the page shows as different cannot be one name of the run (swapped rows)."""
    bindings = Bindings()
    bindings.check(f'["{NAME_A}"]', '["0000000001"]')
    with pytest.raises(Mismatch):
        bindings.check(f'["{NAME_B}"]', '["0000000001"]')
    with pytest.raises(Mismatch):
        Bindings().check(f'["{NAME_A}", "{NAME_A}"]', '["0000000001", "0000000002"]')


def test_a_command_naming_a_value_never_shown_is_a_page_error() -> None:
    with pytest.raises(Mismatch, match="no earlier output"):
        Bindings().command(f"curl $SITE/api/resource/ToDo/{NAME_A}")


def test_json_compares_keys_in_order_types_and_values() -> None:
    bindings = Bindings()
    bindings.check('{"a": 1, "b": "x"}', '{"a":1,"b":"x"}')
    for actual in ('{"b":"x","a":1}', '{"a":1.0,"b":"x"}', '{"a":1,"b":"y"}', '{"a":1}', "[]"):
        with pytest.raises(Mismatch):
            bindings.check('{"a": 1, "b": "x"}', actual)
    bindings.check('{"a": "...", "b": [1, 2]}', '{"a": {"any": "thing"}, "b": [1, 2]}')
    bindings.check('{"a": 1}\n{"a": 2}', '{"a":1}\n{"a":2}\n')  # one value per command
    with pytest.raises(Mismatch):
        bindings.check('{"a": 1}\n{"a": 2}', '{"a":1}')


def test_timestamps_of_the_pages_year_bind_other_dates_do_not() -> None:
    bindings = Bindings()
    bindings.check('"2026-11-28 07:02:14.001638"', '"2031-01-02 03:04:05.000006"')
    with pytest.raises(Mismatch):
        bindings.check('"2024-01-01 09:00:00.000000"', '"2024-01-01 09:00:00.000001"')


def test_text_output_with_ellipses() -> None:
    bindings = Bindings()
    bindings.check("Created .../apps/library\nnext\n", "Created /tmp/x/apps/library\nnext\n")
    bindings.check("first\n...\nlast\n", "first\na\nb\nlast\n")
    bindings.check("first\n...\nlast\n", "first\nlast\n")
    with pytest.raises(Mismatch):
        bindings.check("first\nlast\n", "first\nmiddle\nlast\n")
    with pytest.raises(Mismatch):
        bindings.check("3 passed in ...s\n", "2 passed, 1 failed in 1.2s\n")


def test_literal_substitutions_apply_to_commands_and_outputs() -> None:
    bindings = Bindings(literal={"127.0.0.1:8000": "127.0.0.1:5555"})
    assert bindings.command("curl http://127.0.0.1:8000/") == "curl http://127.0.0.1:5555/"
    bindings.check('"http://127.0.0.1:8000/x"', '"http://127.0.0.1:5555/x"')


def test_console_blocks_split_into_commands_and_outputs(tmp_path: Path) -> None:
    block = Block(tmp_path / "p.md", 1, "console", "$ a \\\n  b\nout 1\nout 2\n$ c\n")
    assert console_commands(block) == [("a \\\n  b", "out 1\nout 2\n"), ("c", "")]


def test_markers_directives_and_unmarked_blocks(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "<!-- doctest: make run -->\n\n"
        "<!-- doctest: file apps/x/api.py -->\n```python\nx = 1\n```\n\n"
        "```sh\necho '{}'\n```\n```json\n{}\n```\n",
        encoding="utf-8",
    )
    items = parse(page)
    assert isinstance(items[0], Directive) and items[0].words == ("make", "run")
    assert [r.name for _, r in roles(items) if r is not None] == ["file", "run", "output"]
    page.write_text("```python\nx = 1\n```\n", encoding="utf-8")
    with pytest.raises(ValueError, match="needs a doctest marker"):
        roles(parse(page))
    page.write_text(
        "<!-- doctest: file apps/x/doctype/y/y.json -->\n```json\n{}\n```\n", encoding="utf-8"
    )
    with pytest.raises(ValueError, match="no `maju migrate`"):
        roles(parse(page))


def test_ellipsis_inside_a_json_string_matches_any_text() -> None:
    bindings = Bindings()
    bindings.check('{"t": "Execution time: ... sec"}', '{"t": "Execution time: 0.004 sec"}')
    with pytest.raises(Mismatch):
        bindings.check('{"t": "Execution time: ... sec"}', '{"t": "Execution time: 0.004 min"}')
