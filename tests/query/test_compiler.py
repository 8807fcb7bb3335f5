"""Golden SQL per dialect (maju/query/compiler.py): every construct, identifiers quoted, values
bound as numbered parameters (S1), NULL rules as COALESCE with a bound fallback (L18)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from maju.db.dialect import POSTGRES, SQLITE, Dialect
from maju.doctype.registry import Registry
from maju.query.compiler import (
    compile_count,
    compile_document_count,
    compile_list,
    compile_where,
)
from maju.query.nodes import (
    AllOf,
    AnyOf,
    Between,
    Column,
    Compare,
    Condition,
    Fallback,
    InList,
    InSubquery,
    IsNull,
    Like,
)
from maju.query.params import PageRules, parse_list_params
from maju.query.scope import QueryScope
from tests.query.conftest import full_scope

STATUS = Column("tabToDo", "status", "Select")
DATE = Column("tabToDo", "date", "Date")
IDX = Column("tabToDo", "idx", "Int")
MODIFIED = Column("tabToDo", "modified", "Datetime")
ALARM = Column("tabGadget", "alarm", "Time")
ESC = "ESCAPE '\\'"


def sql_of(scope: QueryScope, dialect: Dialect, **params: Any) -> tuple[str, dict[str, Any]]:
    return compile_list(parse_list_params(scope, params), dialect)


@pytest.mark.parametrize(
    ("node", "sql", "params"),
    [
        (Compare(STATUS, "=", "Open"), '"status" = :p0', {"p0": "Open"}),
        (
            Compare(STATUS, "!=", "Open", Fallback("")),
            'COALESCE("status", :p0) != :p1',
            {"p0": "", "p1": "Open"},
        ),
        (
            Compare(DATE, "<", dt.date(2024, 1, 1), Fallback(dt.date(1, 1, 1))),
            'COALESCE("date", :p0) < :p1',
            {"p0": dt.date(1, 1, 1), "p1": dt.date(2024, 1, 1)},
        ),
        (InList(STATUS, ("a", "b")), '"status" IN (:p0, :p1)', {"p0": "a", "p1": "b"}),
        (
            InList(STATUS, ("a", ""), negated=True, fallback=Fallback("")),
            'COALESCE("status", :p0) NOT IN (:p1, :p2)',
            {"p0": "", "p1": "a", "p2": ""},
        ),
        (
            Between(DATE, dt.date(2024, 1, 1), dt.date(2024, 1, 31)),
            '"date" BETWEEN :p0 AND :p1',
            {"p0": dt.date(2024, 1, 1), "p1": dt.date(2024, 1, 31)},
        ),
        (IsNull(DATE), '"date" IS NULL', {}),
        (IsNull(DATE, negated=True), '"date" IS NOT NULL', {}),
        (AllOf(()), "1 = 1", {}),
        (AnyOf(()), "1 = 0", {}),
        (
            AllOf((Compare(STATUS, "=", "a"), AnyOf((Compare(IDX, ">", 1), Compare(IDX, "<", 0))))),
            '"status" = :p0 AND ("idx" > :p1 OR "idx" < :p2)',
            {"p0": "a", "p1": 1, "p2": 0},
        ),
    ],
)
@pytest.mark.parametrize("dialect", [SQLITE, POSTGRES], ids=["sqlite", "postgresql"])
def test_conditions_are_the_same_on_both_dialects(
    dialect: Dialect, node: Condition, sql: str, params: dict[str, Any]
) -> None:
    assert compile_where(node, dialect) == (sql, params)


@pytest.mark.parametrize(
    ("node", "sqlite", "postgres"),
    [
        (
            Like(STATUS, "o%"),
            f'maju_lower("status") LIKE maju_lower(:p0) {ESC}',
            f'"status" ILIKE :p0 {ESC}',
        ),
        (
            Like(STATUS, "o%", negated=True, fallback=Fallback("")),
            f'maju_lower(COALESCE("status", :p0)) NOT LIKE maju_lower(:p1) {ESC}',
            f'COALESCE("status", :p0) NOT ILIKE :p1 {ESC}',
        ),
        (
            # The fallback is text, outside to_char: asyncpg sends date.min as -infinity.
            Like(DATE, "", negated=True, fallback=Fallback("0001-01-01")),
            f'maju_lower(COALESCE("date", :p0)) NOT LIKE maju_lower(:p1) {ESC}',
            f"""COALESCE(to_char("date", 'YYYY-MM-DD'), :p0) NOT ILIKE :p1 {ESC}""",
        ),
        (
            Like(IDX, "1%"),
            f'maju_lower(CAST("idx" AS TEXT)) LIKE maju_lower(:p0) {ESC}',
            f'CAST("idx" AS TEXT) ILIKE :p0 {ESC}',
        ),
        (
            Like(DATE, "2024-%"),
            f'maju_lower("date") LIKE maju_lower(:p0) {ESC}',
            f"""to_char("date", 'YYYY-MM-DD') ILIKE :p0 {ESC}""",
        ),
        (
            Like(MODIFIED, "2024-%"),
            f'maju_lower("modified") LIKE maju_lower(:p0) {ESC}',
            f"""to_char("modified", 'YYYY-MM-DD HH24:MI:SS.US') ILIKE :p0 {ESC}""",
        ),
        (
            Like(ALARM, "10:%"),
            f'maju_lower("alarm") LIKE maju_lower(:p0) {ESC}',
            f"""to_char("alarm", 'HH24:MI:SS.US') ILIKE :p0 {ESC}""",
        ),
    ],
)
def test_l19_like_per_dialect(node: Like, sqlite: str, postgres: str) -> None:
    """Case-insensitive on both (L19): SQLite folds both sides with maju_lower; with an ASCII
    pattern only text holding U+0130 or U+212A needs that, SQLite's LIKE answers the rest."""
    assert compile_where(node, SQLITE)[0] == _ascii_fast_path(sqlite)
    assert compile_where(node, POSTGRES)[0] == postgres
    non_ascii = Like(node.column, node.pattern + "é", node.negated, node.fallback)
    assert compile_where(non_ascii, SQLITE)[0] == sqlite


def _ascii_fast_path(folded: str) -> str:
    match = re.fullmatch(r"maju_lower\((.*)\) (NOT LIKE|LIKE) maju_lower\((:p\d)\) (.*)", folded)
    assert match is not None, folded
    col, like, param, escape = match.groups()
    return (
        f"(CASE WHEN instr({col}, char(304)) > 0 OR instr({col}, char(8490)) > 0 "
        f"THEN {folded} ELSE {col} {like} {param} {escape} END)"
    )


def test_l19_like_backslash_is_literal() -> None:
    assert compile_where(Like(STATUS, "a\\%"), SQLITE)[1] == {"p0": "a\\\\%"}


def test_p5_child_rows_of_owned_parents_subquery() -> None:
    parent = Column("tabToDo Checklist Item", "parent", "Data")
    owner = Compare(Column("tabToDo", "owner", "Link"), "=", "ann")
    node = AllOf(
        (
            Compare(Column("tabToDo Checklist Item", "idx", "Int"), ">", 0),
            InSubquery(parent, "tabToDo", "name", owner),
        )
    )
    assert compile_where(node, POSTGRES) == (
        '"idx" > :p0 AND "parent" IN (SELECT "tabToDo"."name" FROM "tabToDo" '
        'WHERE "tabToDo"."owner" = :p1)',
        {"p0": 0, "p1": "ann"},
    )


@pytest.mark.parametrize("dialect", [SQLITE, POSTGRES], ids=["sqlite", "postgresql"])
def test_l11_l9_default_listing(todo_scope: QueryScope, dialect: Dialect) -> None:
    assert sql_of(todo_scope, dialect) == (
        'SELECT "name" FROM "tabToDo" ORDER BY "modified" DESC LIMIT :limit',
        {"limit": 20},
    )
    assert sql_of(todo_scope, dialect, limit_start=10, limit=5, order_by="status asc, idx") == (
        'SELECT "name" FROM "tabToDo" ORDER BY "status" ASC, "idx" ASC LIMIT :limit OFFSET :offset',
        {"limit": 5, "offset": 10},
    )


def test_l10_no_limit_per_dialect(todo_scope: QueryScope) -> None:
    query = parse_list_params(todo_scope, {"limit": 0, "start": 3}, page=PageRules(20, None))
    assert compile_list(query, SQLITE)[0].endswith('"modified" DESC LIMIT -1 OFFSET :offset')
    assert compile_list(query, POSTGRES)[0].endswith('"modified" DESC LIMIT ALL OFFSET :offset')
    query = parse_list_params(todo_scope, {"limit": 0})
    assert compile_list(query, SQLITE)[0].endswith('ORDER BY "modified" DESC')


@pytest.mark.parametrize("dialect", [SQLITE, POSTGRES], ids=["sqlite", "postgresql"])
def test_l5_l6_l12_select_list_aggregates_and_group_by(
    todo_scope: QueryScope, dialect: Dialect
) -> None:
    sql, params = sql_of(
        todo_scope,
        dialect,
        group_by="status",
        fields='["status as s", "count(*)", "sum(idx) as total", '
        '"max(`tabToDo`.`date`)", "avg(idx)", "min(name)"]',
    )
    assert sql == (
        'SELECT "status" AS "s", COUNT(*), SUM("idx") AS "total", MAX("date"), '
        'AVG("idx"), MIN("name") FROM "tabToDo" GROUP BY "tabToDo"."status" '
        'ORDER BY "tabToDo"."status" ASC LIMIT :limit'
    )
    assert params == {"limit": 20}


@pytest.mark.parametrize("dialect", [SQLITE, POSTGRES], ids=["sqlite", "postgresql"])
def test_l5_l11_an_alias_never_shadows_a_sort_column(
    todo_scope: QueryScope, dialect: Dialect
) -> None:
    """Both databases read a bare ORDER BY name as an output alias first: qualify it."""
    assert sql_of(todo_scope, dialect, fields='["status as modified"]')[0] == (
        'SELECT "status" AS "modified" FROM "tabToDo" ORDER BY "tabToDo"."modified" DESC '
        "LIMIT :limit"
    )


@pytest.mark.parametrize("dialect", [SQLITE, POSTGRES], ids=["sqlite", "postgresql"])
def test_l5_distinct(todo_scope: QueryScope, dialect: Dialect) -> None:
    assert (
        sql_of(todo_scope, dialect, fields='["distinct status"]', limit=0)[0]
        == 'SELECT DISTINCT "status" FROM "tabToDo"'
    )


@pytest.mark.parametrize("dialect", [SQLITE, POSTGRES], ids=["sqlite", "postgresql"])
def test_l7_l15_child_join_qualifies_every_column(todo_scope: QueryScope, dialect: Dialect) -> None:
    sql, params = sql_of(
        todo_scope,
        dialect,
        fields='["name", "checklist.item"]',
        filters='[["done", "=", 1]]',
        limit=2,
    )
    assert sql == (
        'SELECT "tabToDo"."name", "tabToDo Checklist Item"."item" FROM "tabToDo" '
        'LEFT JOIN "tabToDo Checklist Item" ON "tabToDo Checklist Item"."parent" = '
        '"tabToDo"."name" AND "tabToDo Checklist Item"."parenttype" = :p0 AND '
        '"tabToDo Checklist Item"."parentfield" = :p1 WHERE "tabToDo Checklist Item"."done" = '
        ':p2 ORDER BY "tabToDo"."modified" DESC LIMIT :limit'
    )
    assert params == {"p0": "ToDo", "p1": "checklist", "p2": 1, "limit": 2}


def test_l7_join_without_parentfield_for_a_child_doctype_in_two_tables(
    gadget_scope: QueryScope,
) -> None:
    sql, params = sql_of(gadget_scope, SQLITE, filters='{"part": "bolt"}')
    assert (
        'LEFT JOIN "tabGadget Part" ON "tabGadget Part"."parent" = "tabGadget"."name" '
        'AND "tabGadget Part"."parenttype" = :p0 WHERE "tabGadget Part"."part" = :p1'
    ) in sql
    assert params == {"p0": "Gadget", "p1": "bolt", "limit": 20}


@pytest.mark.parametrize("dialect", [SQLITE, POSTGRES], ids=["sqlite", "postgresql"])
def test_l18_filters_end_to_end(todo_scope: QueryScope, dialect: Dialect) -> None:
    sql, params = sql_of(
        todo_scope,
        dialect,
        filters='[["status", "=", "Open"], '
        '["priority", "!=", "Low"], ["date", ">", "2024-01-01"], '
        '["date", "<=", "2024-02-01"], ["description", "=", ""], '
        '["status", "in", ["Open", ""]], ["status", "in", ["Open"]]]',
    )
    assert sql == (
        'SELECT "name" FROM "tabToDo" WHERE "status" = :p0 AND COALESCE("priority", :p1) != '
        ':p2 AND "date" > :p3 AND COALESCE("date", :p4) <= :p5 AND COALESCE("description", :p6)'
        ' = :p7 AND COALESCE("status", :p8) IN (:p9, :p10) AND "status" IN (:p11) '
        'ORDER BY "modified" DESC LIMIT :limit'
    )
    assert params == {
        "p0": "Open",
        "p1": "",
        "p2": "Low",
        "p3": dt.date(2024, 1, 1),
        "p4": dt.date(1, 1, 1),
        "p5": dt.date(2024, 2, 1),
        "p6": "",
        "p7": "",
        "p8": "",
        "p9": "Open",
        "p10": "",
        "p11": "Open",
        "limit": 20,
    }


def test_s1_request_text_only_reaches_parameters(todo_scope: QueryScope) -> None:
    evil = 'x\'; DROP TABLE "tabToDo"; --'
    sql, params = sql_of(
        todo_scope, POSTGRES, filters=[["status", "like", evil], ["description", "in", [evil]]]
    )
    assert evil not in sql and "DROP" not in sql
    assert params["p0"] == evil and params["p1"] == evil


@pytest.mark.parametrize("dialect", [SQLITE, POSTGRES], ids=["sqlite", "postgresql"])
def test_x2_count_statements(todo_scope: QueryScope, dialect: Dialect) -> None:
    query = parse_list_params(todo_scope, {"filters": '{"status": "Open"}', "limit": 5, "start": 5})
    assert compile_count(query, dialect, cap=100) == (
        'SELECT COUNT(*) FROM (SELECT 1 FROM "tabToDo" WHERE "status" = :p0 LIMIT :limit) '
        'AS "counted"',
        {"p0": "Open", "limit": 101},
    )
    assert compile_count(query, dialect) == (
        'SELECT COUNT(*) FROM "tabToDo" WHERE "status" = :p0',
        {"p0": "Open"},
    )
    grouped = parse_list_params(
        todo_scope, {"fields": '["status", "count(*)"]', "group_by": "status"}
    )
    assert compile_count(grouped, dialect, cap=9) == (
        'SELECT COUNT(*) FROM (SELECT "status", COUNT(*) FROM "tabToDo" GROUP BY "status" '
        'LIMIT :limit) AS "counted"',
        {"limit": 10},
    )
    assert compile_list(query, dialect, extra_row=True)[1] == {
        "p0": "Open",
        "limit": 6,
        "offset": 5,
    }


@pytest.mark.parametrize("dialect", [SQLITE, POSTGRES], ids=["sqlite", "postgresql"])
def test_p8_document_count_counts_documents_not_joined_rows(
    todo_scope: QueryScope, dialect: Dialect
) -> None:
    plain = parse_list_params(todo_scope, {"filters": '{"status": "Open"}'})
    assert compile_document_count(plain, dialect) == (
        'SELECT COUNT(*) FROM "tabToDo" WHERE "status" = :p0',
        {"p0": "Open"},
    )
    joined = parse_list_params(todo_scope, {"filters": '{"item": "milk"}'})
    sql, _ = compile_document_count(joined, dialect)
    assert sql.startswith('SELECT COUNT(DISTINCT "tabToDo"."name") FROM "tabToDo" LEFT JOIN')


def test_identifiers_are_quoted_by_the_dialect(todo_registry: Registry) -> None:
    """A DocType name with a space stays inside the dialect's quotes."""
    assert SQLITE.quote('a"b') == '"a""b"'
    scope = full_scope(todo_registry, "ToDo Checklist Item")
    assert (
        sql_of(scope, POSTGRES, fields='["item"]', limit=0)[0]
        == 'SELECT "item" FROM "tabToDo Checklist Item" ORDER BY "modified" DESC'
    )
