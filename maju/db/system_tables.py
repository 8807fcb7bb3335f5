"""maju's own tables that are not DocTypes: counters and bookkeeping shared by all workers."""

from __future__ import annotations

from maju.db.schema import ColumnSpec, IndexSpec, TableSpec

# D2: one counter per naming-series prefix, so concurrent workers never hand out the same name.
SERIES = TableSpec(
    "__series",
    (
        ColumnSpec("name", "varchar", 140, primary_key=True),
        ColumnSpec("current", "bigint", not_null_zero=True),
    ),
)

# Password hashes live apart from the User row, so no listing or document read can reach them.
AUTH = TableSpec(
    "__auth",
    (ColumnSpec("name", "varchar", 140, primary_key=True), ColumnSpec("password", "text")),
)

# A3: server-side sessions, shared by every worker. `id` is the SHA-256 of the session id, so a
# copy of the table gives no usable cookie; times are epoch seconds.
SESSIONS = TableSpec(
    "__sessions",
    (
        ColumnSpec("id", "varchar", 64, primary_key=True),
        ColumnSpec("user", "varchar", 140),
        ColumnSpec("csrf_token", "varchar", 64),
        ColumnSpec("created", "float", not_null_zero=True),
        ColumnSpec("touched", "float", not_null_zero=True),
        ColumnSpec("expires", "float", not_null_zero=True),
    ),
    (IndexSpec("ix___sessions_user", ("user",)), IndexSpec("ix___sessions_expires", ("expires",))),
)

# A13: failed logins per user ("user:<name>") and per client IP ("ip:<address>") in one window;
# `window_end` is in epoch seconds, and rows past it are swept.
LOGIN_FAILURES = TableSpec(
    "__login_failures",
    (
        ColumnSpec("key", "text", primary_key=True),
        ColumnSpec("hits", "int", not_null_zero=True),
        ColumnSpec("window_end", "float", not_null_zero=True),
    ),
    (IndexSpec("ix___login_failures_window_end", ("window_end",)),),
)

# C4: calls per whitelisted function and client IP in the current window.
RATE_LIMITS = TableSpec(
    "__rate_limits",
    (
        ColumnSpec("key", "text", primary_key=True),
        ColumnSpec("hits", "int", not_null_zero=True),
        ColumnSpec("window_end", "float", not_null_zero=True),
    ),
    (IndexSpec("ix___rate_limits_window_end", ("window_end",)),),
)

# A14/O7: OAuth access tokens, stored only as SHA-256 hashes; issued by the OAuth provider.
OAUTH_TOKENS = TableSpec(
    "__oauth_tokens",
    (
        ColumnSpec("token_hash", "varchar", 64, primary_key=True),
        ColumnSpec("user", "varchar", 140),
        ColumnSpec("client", "varchar", 140),
        ColumnSpec("scopes", "text"),
        ColumnSpec("created", "float", not_null_zero=True),
        ColumnSpec("expires", "float", not_null_zero=True),
        ColumnSpec("revoked", "int", not_null_zero=True),
    ),
    (IndexSpec("ix___oauth_tokens_user", ("user",)),),
)

# A12: single-use password reset keys (SHA-256 of the key), valid 24 hours.
RESET_KEYS = TableSpec(
    "__reset_keys",
    (
        ColumnSpec("key_hash", "varchar", 64, primary_key=True),
        ColumnSpec("user", "varchar", 140),
        ColumnSpec("expires", "float", not_null_zero=True),
    ),
    (IndexSpec("ix___reset_keys_user", ("user",)),),
)

SYSTEM_TABLES: tuple[TableSpec, ...] = (
    SERIES,
    AUTH,
    SESSIONS,
    LOGIN_FAILURES,
    RATE_LIMITS,
    OAUTH_TOKENS,
    RESET_KEYS,
)

__all__ = ["SYSTEM_TABLES", "IndexSpec"]
