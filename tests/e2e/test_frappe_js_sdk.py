"""The npm `frappe-js-sdk` (axios) drives a real maju server end to end.

tests/e2e/js/scenario.js runs the SDK calls a web or node app makes and prints what each call
returned or threw; these tests assert on that output. One uvicorn server per backend per module,
one node process per backend.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.servers import ServedSite

JS_DIR = Path(__file__).resolve().parent / "js"
USER = "js@example.com"
PASSWORD = "js-Secret-1"


def _require_node() -> tuple[str, str]:
    """node and npm, or a loud skip (a failure under CI: the SDK must really be exercised)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node and npm:
        return node, npm
    reason = "!!! node/npm not found: the frappe-js-sdk end-to-end tests did NOT run !!!"
    if os.environ.get("CI") == "true" or os.environ.get("MAJU_REQUIRE_POSTGRES") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def _install(npm: str) -> None:
    """`npm ci` from the committed lock file, once (node_modules is git-ignored).

    pytest-xdist may run both backends at once on two workers, and `npm ci` first deletes
    node_modules, so installs are serialised on a lock file and skipped once the SDK is there.
    """
    target = JS_DIR / "node_modules" / "frappe-js-sdk" / "package.json"
    with open(Path(tempfile.gettempdir()) / "maju-e2e-npm-ci.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if target.exists():
            return
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=JS_DIR,
            capture_output=True,
            text=True,
            timeout=240,
        )
    assert done.returncode == 0 and target.exists(), f"npm ci failed:\n{done.stderr}"


def _run_scenario(server: ServedSite) -> dict[str, Any]:
    node, npm = _require_node()
    _install(npm)
    server.add_user(USER, PASSWORD)
    pair = server.keys_for(USER)
    env = {
        **os.environ,
        "MAJU_URL": server.url,
        "MAJU_API_KEY": pair.api_key,
        "MAJU_API_SECRET": pair.api_secret,
        "MAJU_USER": USER,
        "MAJU_PASSWORD": PASSWORD,
    }
    done = subprocess.run(
        [node, "scenario.js"], cwd=JS_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, f"{done.stderr}\nserver log:\n{server.log.read_text()}"
    out: dict[str, Any] = json.loads(done.stdout)
    crashes = {k: v["crash"] for k, v in out.items() if isinstance(v, dict) and "crash" in v}
    assert not crashes, crashes
    return out


def _value(results: dict[str, Any], step: str) -> Any:
    assert "value" in results[step], results[step]
    return results[step]["value"]


def _error(results: dict[str, Any], step: str) -> dict[str, Any]:
    assert "error" in results[step], results[step]
    error: dict[str, Any] = results[step]["error"]
    return error


def _a7_token_auth_and_documents(results: dict[str, Any]) -> None:
    """A7 token auth, D13 create with children, D14 read, D15 update, D17 delete, L lists."""
    assert _value(results, "token_who") == USER
    first = _value(results, "create")
    assert first["owner"] == USER and first["date"] == "2026-03-04"
    assert [(r["item"], r["done"], r["idx"]) for r in first["checklist"]] == [
        ("one", 0, 1),
        ("two", 1, 2),
    ]
    second = _value(results, "create_second")
    # L2/L11: fields, filters (triples), order_by "priority asc", limit.
    assert _value(results, "list") == [
        {"name": first["name"], "priority": "High", "description": "js first"}
    ]
    # L3: no fields means `name` only, L11's default order (modified desc).
    assert _value(results, "list_defaults") == [{"name": second["name"]}, {"name": first["name"]}]
    # The SDK always sends `order_by=` (empty) and `as_dict`; a dict filter and limit_start.
    rows = _value(results, "list_filter_dict_start")
    assert [r["name"] for r in rows] == [second["name"]]
    assert _value(results, "list_as_arrays") == [[first["name"]]]
    assert _value(results, "get")["checklist"][1]["item"] == "two"
    updated = _value(results, "update")
    assert updated["status"] == "Closed" and [r["item"] for r in updated["checklist"]] == ["three"]
    assert _value(results, "count_all") == 2
    assert _value(results, "count_filtered") == 1
    assert _value(results, "delete") == {"message": "ok"}
    # E9: the SDK reports `exception ?? exc_type`; a 404 has no `exception`, so apps comparing
    # it with "DoesNotExistError" (as they do against Frappe) see exactly that.
    missing = _error(results, "get_deleted")
    assert missing["httpStatus"] == 404 and missing["exc_type"] == "DoesNotExistError"
    assert missing["exception"] == "DoesNotExistError"
    bad = _error(results, "bad_token")
    assert bad["httpStatus"] == 401 and bad["exc_type"] == "AuthenticationError"


def _m_method_calls(results: dict[str, Any]) -> None:
    """M9 call.get/post with the body as JSON; M4 and M2 refusals reach the SDK as errors."""
    assert _value(results, "call_get") == {"message": "Hello Ann"}
    closed = _value(results, "call_post")["message"]
    assert closed["status"] == "Closed" and closed["description"].endswith("Closed: js")
    assert _error(results, "call_post_get_only")["httpStatus"] == 403
    unknown = _error(results, "call_unknown")
    assert unknown["httpStatus"] == 417 and "Failed to get method" in unknown["exception"]


def _f1_upload_file_from_node(results: dict[str, Any]) -> None:
    """F1: the SDK's multipart upload (node's FormData/File through axios), attached to a ToDo."""
    uploaded = _value(results, "upload")["message"]
    assert uploaded["file_name"] == "js-note.txt" and uploaded["is_private"] == 1
    assert uploaded["file_size"] == len("hello from js")
    assert uploaded["attached_to_doctype"] == "ToDo"
    assert uploaded["attached_to_name"] == _value(results, "create")["name"]
    assert uploaded["file_url"].startswith("/private/files/")


def _a1_a4_a6_password_login_session_and_logout(results: dict[str, Any]) -> None:
    """A1 login through the SDK; A4 cookies; A10 (no Origin from node) lets the cookie write; A6.

    axios in node keeps no cookies (withCredentials is browser-only), so without a jar the next
    call is a Guest: that is the SDK's behaviour, not maju's. With a jar on the SDK's own axios
    instance the `sid` session works for reads and writes until logout deletes the cookies.
    """
    assert _value(results, "login_no_jar")["message"] == "Logged In"
    assert _error(results, "who_no_jar")["httpStatus"] == 403
    wrong = _error(results, "login_wrong")
    assert wrong["httpStatus"] == 401 and wrong["message"] == "Invalid login credentials"
    assert _value(results, "login") == {
        "message": "Logged In",
        "home_page": "/app",
        "full_name": USER,
    }
    assert results["cookies"] == ["full_name", "sid", "system_user", "user_id", "user_image"]
    assert _value(results, "session_who") == USER
    assert _value(results, "session_create")["owner"] == USER
    assert "error" not in results["logout"] and "crash" not in results["logout"]
    assert results["cookies_after_logout"] == []
    assert _error(results, "who_after_logout")["httpStatus"] == 403


def test_frappe_js_sdk_end_to_end(server: ServedSite) -> None:
    """One test (one node run) per backend: pytest-xdist's load scheduling spreads a module's
    tests over workers, and each worker would start its own server for a module-scoped fixture."""
    results = _run_scenario(server)
    _a7_token_auth_and_documents(results)
    _m_method_calls(results)
    _f1_upload_file_from_node(results)
    _a1_a4_a6_password_login_session_and_logout(results)
