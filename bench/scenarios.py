"""The benchmark's scenarios and modes, plus the one-request probe that gates each scenario."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, urlencode

BENCH_DIR = Path(__file__).resolve().parent
CREATE_SCRIPT = BENCH_DIR / "create_todo.lua"
CREATE_BODY = b'{"description": "Benchmark ToDo created by wrk", "priority": "High"}'
LIST_FIELDS = '["name","status","description"]'


@dataclass(frozen=True, slots=True)
class Mode:
    key: Literal["keep-alive", "close", "1 conn"]
    connections: int | None = None  # None: the run's --connections
    close: bool = False


KEEP_ALIVE = Mode("keep-alive")
CLOSE = Mode("close", close=True)
ONE = Mode("1 conn", connections=1)


@dataclass(frozen=True, slots=True)
class Scenario:
    key: str
    title: str
    method: Literal["GET", "POST"]
    path: str
    modes: tuple[Mode, ...]
    # List scenarios run on every size (growth, issue 7 item 5); the rest on the largest only.
    every_size: bool = False
    # "exact": maju and the reference must answer the same JSON; "keys": same shape only.
    compare: Literal["exact", "keys"] = "exact"
    script: Path | None = None
    body: bytes | None = None


def _query(params: dict[str, str]) -> str:
    return urlencode(params, quote_via=quote, safe="")


def scenarios(sample_name: str) -> list[Scenario]:
    """In run order; create comes last since it grows the table the others read."""
    by_name = _query({"name": sample_name})
    return [
        Scenario("ping", "ping", "GET", "/api/method/ping", (KEEP_ALIVE, CLOSE)),
        Scenario(
            "list",
            "list 20, filter on status",
            "GET",
            "/api/resource/ToDo?"
            + _query({"fields": LIST_FIELDS, "filters": '[["status","=","Open"]]', "limit": "20"}),
            (KEEP_ALIVE, CLOSE, ONE),
            every_size=True,
        ),
        Scenario(
            "list_or_like",
            "list 20, or_filters + like",
            "GET",
            "/api/resource/ToDo?"
            + _query(
                {
                    "fields": LIST_FIELDS,
                    "filters": '[["description","like","%invoice%"]]',
                    "or_filters": '[["status","=","Open"],["priority","=","High"]]',
                    "limit": "20",
                }
            ),
            (KEEP_ALIVE,),
            every_size=True,
        ),
        Scenario(
            "read",
            "read one",
            "GET",
            f"/api/resource/ToDo/{quote(sample_name, safe='')}",
            (KEEP_ALIVE, ONE),
        ),
        Scenario(
            "method",
            "method, one SELECT",
            "GET",
            f"/api/method/benchapp.api.todo_status?{by_name}",
            (KEEP_ALIVE,),
        ),
        Scenario(
            "create",
            "create one (POST)",
            "POST",
            "/api/resource/ToDo",
            (KEEP_ALIVE,),
            compare="keys",
            script=CREATE_SCRIPT,
            body=CREATE_BODY,
        ),
    ]


@dataclass(frozen=True, slots=True)
class Probe:
    status: int
    body: Any  # Any: the parsed JSON answer, None when it was not JSON
    text: str


def probe(base_url: str, scenario: Scenario, authorization: str) -> Probe:
    """One request as wrk will send it (same verb, path, body and Authorization)."""
    headers = {"Authorization": authorization}
    if scenario.body is not None:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(
        base_url + scenario.path, data=scenario.body, headers=headers, method=scenario.method
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    text = raw.decode("utf-8", "replace")
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    return Probe(status, body, text)


def unavailable_reason(answer: Probe) -> str | None:
    """None when maju served the scenario, else why not ("not available yet": no route yet)."""
    if answer.status == 200:
        return None
    body = answer.body if isinstance(answer.body, dict) else {}
    exception = str(body.get("exception") or answer.text[:200])
    if (
        answer.status == 405
        or (answer.status == 404 and "Page " in exception)
        or (answer.status == 417 and "Failed to get method" in exception)
    ):
        return "not available yet"
    return f"error: HTTP {answer.status} {exception}"


def difference(
    maju: Any, reference: Any, mode: Literal["exact", "keys"], at: str = ""
) -> str | None:
    """Where the two answers first differ (values too in "exact" mode), or None."""
    if isinstance(maju, dict) and isinstance(reference, dict):
        if list(maju) != list(reference) and set(maju) != set(reference):
            return (
                f"{at or 'body'} keys differ: maju {sorted(maju)} vs reference {sorted(reference)}"
            )
        for key in maju:
            found = difference(maju[key], reference[key], mode, f"{at}.{key}")
            if found:
                return found
        return None
    if isinstance(maju, list) and isinstance(reference, list):
        if mode == "exact" and len(maju) != len(reference):
            return f"{at} has {len(maju)} items in maju, {len(reference)} in the reference"
        for i, (a, b) in enumerate(zip(maju, reference, strict=False)):
            found = difference(a, b, mode, f"{at}[{i}]")
            if found:
                return found
        return None
    if type(maju) is not type(reference):
        return f"{at} is {type(maju).__name__} in maju, {type(reference).__name__} in the reference"
    if mode == "exact" and maju != reference:
        return f"{at} is {maju!r} in maju, {reference!r} in the reference"
    return None
