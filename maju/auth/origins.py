"""C1 and A10's origin rules: which origins `cors.allow_cors` admits, compared normalised.

Both the CORS middleware (maju.api.cors) and the CSRF check (maju.auth.csrf) ask the same
question, "may this origin act with the user's cookies?", so the answer lives in auth, below
both of them.
"""

from __future__ import annotations


def normalise_origin(origin: str) -> str:
    """Scheme, host and port, lower-cased, without a default port or trailing slash."""
    origin = origin.strip().rstrip("/")
    scheme, sep, rest = origin.partition("://")
    if not sep:
        return origin.lower()
    scheme, rest = scheme.lower(), rest.lower()
    default = {"http": ":80", "https": ":443"}.get(scheme)
    if default and rest.endswith(default):
        rest = rest[: -len(default)]
    return f"{scheme}://{rest}"


def allowed_origins(allow_cors: str | tuple[str, ...] | None) -> frozenset[str] | None:
    """C1: None when CORS is off, {"*"} for any origin, else the exact origins."""
    if allow_cors is None:
        return None
    entries = (allow_cors,) if isinstance(allow_cors, str) else allow_cors
    if any(e.strip() == "*" for e in entries):
        return frozenset({"*"})
    return frozenset(normalise_origin(e) for e in entries if e.strip())


def origin_allowed(origin: str | None, allowed: frozenset[str] | None) -> bool:
    if not origin or allowed is None or origin == "null":
        return False
    return "*" in allowed or normalise_origin(origin) in allowed
