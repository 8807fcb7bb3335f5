"""The ceiling: the benchmark's endpoints by hand on plain Starlette and the raw drivers.

Same work as maju (token check by SHA-256 against the User table with the caller's roles, the
same SELECTs and INSERT, the same JSON), nothing else: no framework layers, reads in autocommit,
one pool of open connections per worker. Run by uvicorn with `--factory reference_app:create_app`;
configured by BENCH_REF_URL (sqlite:///path or postgresql://...), BENCH_REF_SCHEMA and
BENCH_REF_POOL.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import os
import re
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, Protocol

import aiosqlite
import asyncpg
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

Row = tuple[Any, ...]  # Any: driver values
TODO_COLUMNS = (
    "name",
    "owner",
    "creation",
    "modified",
    "modified_by",
    "docstatus",
    "idx",
    "status",
    "priority",
    "date",
    "allocated_to",
    "description",
    "reference_type",
    "reference_name",
    "assigned_by",
)
CHILD_COLUMNS = (
    "name",
    "owner",
    "creation",
    "modified",
    "modified_by",
    "docstatus",
    "idx",
    "item",
    "done",
    "parent",
    "parentfield",
    "parenttype",
)
LISTABLE = frozenset(TODO_COLUMNS)
PRIVILEGED = frozenset({"Administrator", "System Manager"})
HASH_ALPHABET = "0123456789abcdefghijklmnopqrstuv"


def _select_list(columns: tuple[str, ...]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


# The SQL, written out; $n placeholders (the SQLite pool rewrites them to ?).
AUTH_SQL = (
    'SELECT u."name", u."api_secret", u."enabled", r."role" FROM "tabUser" u '
    'LEFT JOIN "tabHas Role" r ON r."parent" = u."name" AND r."parenttype" = \'User\' '
    'WHERE u."api_key" = $1'
)
READ_SQL = f'SELECT {_select_list(TODO_COLUMNS)} FROM "tabToDo" WHERE "name" = $1'
CHILD_SQL = (
    f"SELECT {_select_list(CHILD_COLUMNS)} "
    'FROM "tabToDo Checklist Item" WHERE "parent" = $1 AND "parenttype" = \'ToDo\' '
    'AND "parentfield" = \'checklist\' ORDER BY "idx"'
)
INSERT_SQL = (
    'INSERT INTO "tabToDo" ("name", "owner", "creation", "modified", "modified_by", '
    '"docstatus", "idx", "status", "priority", "description") '
    "VALUES ($1, $2, $3, $4, $5, 0, 0, $6, $7, $8)"
)
METHOD_SQL = 'SELECT "name", "status" FROM "tabToDo" WHERE "name" = $1'


class Database(Protocol):
    like: str
    dates_as_text: bool

    async def fetch(self, sql: str, *args: Any) -> list[Row]: ...
    async def write(self, sql: str, *args: Any) -> None: ...
    async def close(self) -> None: ...


class SQLitePool:
    """Open aiosqlite connections handed out from a queue; one writer connection behind a lock."""

    like = "LIKE"
    dates_as_text = True

    def __init__(self, path: str, size: int) -> None:
        self._path = path
        self._size = size
        self._idle: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        self._writer: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()
        self._sql: dict[str, str] = {}

    async def open(self) -> None:
        for _ in range(self._size):
            self._idle.put_nowait(await self._connect())
        self._writer = await self._connect()

    async def _connect(self) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(self._path, isolation_level=None)
        for pragma in ("journal_mode = WAL", "busy_timeout = 10000", "synchronous = NORMAL"):
            await conn.execute(f"PRAGMA {pragma}")
        return conn

    def _text(self, sql: str) -> str:
        text = self._sql.get(sql)
        if text is None:
            text = self._sql[sql] = re.sub(r"\$\d+", "?", sql)
        return text

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        conn = await self._idle.get()
        try:
            async with conn.execute(self._text(sql), args) as cursor:
                return [tuple(row) for row in await cursor.fetchall()]
        finally:
            self._idle.put_nowait(conn)

    async def write(self, sql: str, *args: Any) -> None:
        assert self._writer is not None
        async with self._write_lock:
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                await self._writer.execute(self._text(sql), args)
            except BaseException:
                await self._writer.execute("ROLLBACK")
                raise
            await self._writer.execute("COMMIT")

    async def close(self) -> None:
        while not self._idle.empty():
            await self._idle.get_nowait().close()
        if self._writer is not None:
            await self._writer.close()


class PostgresPool:
    like = "ILIKE"
    dates_as_text = False

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        return [tuple(r) for r in await self._pool.fetch(sql, *args)]

    async def write(self, sql: str, *args: Any) -> None:
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(sql, *args)

    async def close(self) -> None:
        await self._pool.close()


async def open_database(url: str, schema: str, size: int) -> Database:
    if url.startswith("sqlite:///"):
        pool = SQLitePool(url[len("sqlite:///") :], size)
        await pool.open()
        return pool
    settings = {"search_path": schema} if schema else {}
    return PostgresPool(
        await asyncpg.create_pool(url, min_size=size, max_size=size, server_settings=settings)
    )


def json_response(body: object, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


def error(status: int, exc_type: str, message: str) -> Response:
    return json_response({"exc_type": exc_type, "exception": f"{exc_type}: {message}"}, status)


def text_value(value: Any) -> Any:  # Any: driver values
    """D7 text for PostgreSQL's date and time objects (SQLite already stores the text)."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


async def authenticate(db: Database, request: Request) -> tuple[str, frozenset[str]] | None:
    """The user and roles for a valid `token key:secret` header of an enabled user, else None."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    key, _, secret = value.strip().partition(":")
    if scheme.lower() != "token" or not key or not secret:
        return None
    rows = await db.fetch(AUTH_SQL, key)
    digest = hashlib.sha256(secret.encode()).hexdigest()
    if not rows or not rows[0][1] or not hmac.compare_digest(digest, str(rows[0][1])):
        return None
    if not rows[0][2]:
        return None
    return str(rows[0][0]), frozenset({"All", "Guest", *(str(r[3]) for r in rows if r[3])})


Handler = Callable[[Database, Request], Awaitable[Response]]


def authenticated(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def run(request: Request) -> Response:
        db: Database = request.state.db
        caller = await authenticate(db, request)
        if caller is None:
            return error(401, "AuthenticationError", "Invalid API key or secret")
        # Only privileged callers are benchmarked: maju adds no owner condition for them (P5).
        if caller[0] != "Administrator" and not caller[1] & PRIVILEGED:
            return error(403, "PermissionError", "Not permitted")
        return await handler(db, request)

    return run


async def ping(db: Database, request: Request) -> Response:
    return json_response({"message": "pong"})


def where_clause(db: Database, filters: list[Any], or_filters: list[Any], args: list[Any]) -> str:
    """`[field, op, value]` triples with `=` or `like` on known columns, as bound SQL."""

    def condition(entry: Any) -> str:
        field, op, value = entry
        if field not in LISTABLE or op not in ("=", "like"):
            raise ValueError(f"unsupported filter {entry!r}")
        args.append(value)
        return f'"{field}" {"=" if op == "=" else db.like} ${len(args)}'

    parts = [condition(f) for f in filters]
    if or_filters:
        parts.append("(" + " OR ".join(condition(f) for f in or_filters) + ")")
    return f" WHERE {' AND '.join(parts)}" if parts else ""


async def list_todos(db: Database, request: Request) -> Response:
    params = request.query_params
    try:
        fields = orjson.loads(params.get("fields", '["name"]'))
        filters = orjson.loads(params.get("filters", "[]"))
        or_filters = orjson.loads(params.get("or_filters", "[]"))
        limit = int(params.get("limit", "20"))
        if not set(fields) <= LISTABLE:
            raise ValueError("unknown field")
        args: list[Any] = []
        where = where_clause(db, filters, or_filters, args)
    except ValueError as exc:
        return error(417, "DataError", str(exc))
    args.append(limit)
    columns = ", ".join(f'"{f}"' for f in fields)
    sql = f'SELECT {columns} FROM "tabToDo"{where} ORDER BY "modified" DESC LIMIT ${len(args)}'
    rows = await db.fetch(sql, *args)
    return json_response({"data": [dict(zip(fields, row, strict=True)) for row in rows]})


def document(db: Database, columns: tuple[str, ...], row: Row, doctype: str) -> dict[str, Any]:
    """D8 order, D9 nulls omitted."""
    doc: dict[str, Any] = {
        c: v if db.dates_as_text else text_value(v)
        for c, v in zip(columns, row, strict=True)
        if v is not None
    }
    doc["doctype"] = doctype
    return doc


async def read_todo(db: Database, request: Request) -> Response:
    name = request.path_params["name"]
    rows = await db.fetch(READ_SQL, name)
    if not rows:
        return error(404, "DoesNotExistError", f"ToDo {name} not found")
    doc = document(db, TODO_COLUMNS, rows[0], "ToDo")
    children = await db.fetch(CHILD_SQL, name)
    doc["checklist"] = [document(db, CHILD_COLUMNS, c, "ToDo Checklist Item") for c in children]
    return json_response({"data": doc})


async def create_todo(db: Database, request: Request) -> Response:
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        return error(400, "BadRequestError", "Invalid JSON body")
    if not isinstance(body, dict) or not body.get("description"):
        return error(417, "MandatoryError", "Value missing for ToDo: Description")
    status = body.get("status") or "Open"
    priority = body.get("priority") or "Medium"
    if status not in ("Open", "Closed", "Cancelled") or priority not in ("Low", "Medium", "High"):
        return error(417, "ValidationError", "Status or Priority cannot be that")
    name = "".join(secrets.choice(HASH_ALPHABET) for _ in range(10))
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    stamp: Any = now.strftime("%Y-%m-%d %H:%M:%S.%f") if db.dates_as_text else now
    user = "Administrator"
    await db.write(
        INSERT_SQL, name, user, stamp, stamp, user, status, priority, str(body["description"])
    )
    text = now.strftime("%Y-%m-%d %H:%M:%S.%f")
    doc: dict[str, Any] = {
        "name": name,
        "owner": user,
        "creation": text,
        "modified": text,
        "modified_by": user,
        "docstatus": 0,
        "idx": 0,
        "status": status,
        "priority": priority,
        "description": str(body["description"]),
        "doctype": "ToDo",
        "checklist": [],
    }
    return json_response({"data": doc})


async def todo_status(db: Database, request: Request) -> Response:
    rows = await db.fetch(METHOD_SQL, request.query_params.get("name", ""))
    if not rows:
        return json_response({})
    return json_response({"message": {"name": rows[0][0], "status": rows[0][1]}})


def create_app() -> Starlette:
    url = os.environ["BENCH_REF_URL"]
    schema = os.environ.get("BENCH_REF_SCHEMA", "")
    size = int(os.environ.get("BENCH_REF_POOL", "8"))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Database]]:
        db = await open_database(url, schema, size)
        try:
            yield {"db": db}
        finally:
            await db.close()

    return Starlette(
        routes=[
            Route("/api/method/ping", authenticated(ping), methods=["GET"]),
            Route(
                "/api/method/benchapp.api.todo_status", authenticated(todo_status), methods=["GET"]
            ),
            Route("/api/resource/ToDo", authenticated(list_todos), methods=["GET"]),
            Route("/api/resource/ToDo", authenticated(create_todo), methods=["POST"]),
            Route("/api/resource/ToDo/{name:path}", authenticated(read_todo), methods=["GET"]),
        ],
        lifespan=lifespan,
    )
