"""Load the site configuration from TOML into frozen dataclasses, with env overrides."""

from __future__ import annotations

import dataclasses
import os
import secrets
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from maju.errors import ConfigError

SECRET_KEY_FILE = "secret_key"


@dataclass(frozen=True, slots=True)
class SiteConfig:
    secret_key: str = ""
    developer_mode: bool = False
    base_url: str | None = None
    time_zone: str = "UTC"
    # Folder holding the SQLite file, the files directories and the generated secret key.
    dir: str = "site"
    # Installed apps: packages under apps/ (or importable) with a doctype/ folder.
    apps: tuple[str, ...] = ("todo",)


@dataclass(frozen=True, slots=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1


@dataclass(frozen=True, slots=True)
class DatabaseConfig:
    # Empty: the embedded default, a SQLite file in the site folder.
    url: str = ""
    # PostgreSQL only: the schema put first on the search_path (tests isolate by schema).
    schema: str = ""
    pool_size: int = 8


@dataclass(frozen=True, slots=True)
class ApiConfig:
    default_page_length: int = 20
    max_page_length: int = 500
    max_body_size: int = 26214400
    count_cap: int = 10000


@dataclass(frozen=True, slots=True)
class AuthConfig:
    session_expiry_hours: int = 170
    login_max_attempts: int = 10
    login_lock_seconds: int = 60


@dataclass(frozen=True, slots=True)
class FilesConfig:
    max_file_size: int = 26214400
    allow_guest_upload: bool = False
    allowed_extensions: tuple[str, ...] = ()
    accel_redirect_prefix: str | None = None


@dataclass(frozen=True, slots=True)
class CorsConfig:
    # Unset: no CORS headers. "*", one origin, or a list of origins (C1).
    allow_cors: str | tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class ProxyConfig:
    trusted_proxies: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OAuthConfig:
    access_token_expiry: int = 3600
    code_expiry: int = 600
    allow_password_grant: bool = False


@dataclass(frozen=True, slots=True)
class Config:
    site: SiteConfig = field(default_factory=SiteConfig)
    server: ServerConfig = field(default_factory=ServerConfig)
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    api: ApiConfig = field(default_factory=ApiConfig)
    auth: AuthConfig = field(default_factory=AuthConfig)
    files: FilesConfig = field(default_factory=FilesConfig)
    cors: CorsConfig = field(default_factory=CorsConfig)
    proxy: ProxyConfig = field(default_factory=ProxyConfig)
    oauth: OAuthConfig = field(default_factory=OAuthConfig)
    # Directory relative paths in the file are resolved against (the config file's folder).
    root: str = "."

    @property
    def site_dir(self) -> Path:
        return (Path(self.root) / self.site.dir).resolve()

    @property
    def database_url(self) -> str:
        return self.database.url or f"sqlite:///{self.site_dir / 'maju.db'}"

    @property
    def public_files_dir(self) -> Path:
        return self.site_dir / "public" / "files"

    @property
    def private_files_dir(self) -> Path:
        return self.site_dir / "private" / "files"


def load_config(path: str | Path | None = None, environ: typing.Mapping[str, str] | None = None) -> Config:
    """Load the configuration.

    Args:
        path: the TOML file; defaults to `MAJU_CONFIG`, else `config.toml` in the working
            directory (a missing default file means all defaults).
        environ: the environment to read `MAJU_<SECTION>__<KEY>` overrides from.
    """
    env = os.environ if environ is None else environ
    explicit = path is not None or "MAJU_CONFIG" in env
    config_path = Path(path if path is not None else env.get("MAJU_CONFIG", "config.toml"))
    raw: dict[str, Any] = {}
    if config_path.exists():
        try:
            raw = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{config_path}: invalid TOML: {exc}") from exc
    elif explicit:
        raise ConfigError(f"config file not found: {config_path}")
    _apply_env_overrides(raw, env)
    sections: dict[str, Any] = {}
    section_types = {f.name: f.type for f in dataclasses.fields(Config) if f.name != "root"}
    hints = typing.get_type_hints(Config)
    for section_name, values in raw.items():
        if section_name not in section_types:
            raise ConfigError(f"unknown config section: [{section_name}]")
        if not isinstance(values, dict):
            raise ConfigError(f"config section [{section_name}] must be a table")
        sections[section_name] = _build_section(section_name, hints[section_name], values)
    root = str(config_path.parent.resolve()) if config_path.exists() else str(Path.cwd())
    return Config(**sections, root=root)


def _apply_env_overrides(raw: dict[str, Any], env: typing.Mapping[str, str]) -> None:
    for key, value in env.items():
        if not key.startswith("MAJU_") or "__" not in key:
            continue
        section, _, name = key[len("MAJU_") :].partition("__")
        raw.setdefault(section.lower(), {})[name.lower()] = _EnvValue(value)


class _EnvValue(str):
    """A raw environment string, parsed by the target field's type."""


def _build_section(section: str, cls: type[Any], values: dict[str, Any]) -> Any:
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in values.items():
        if key not in known:
            raise ConfigError(f"unknown config key: {section}.{key}")
        kwargs[key] = _coerce(f"{section}.{key}", hints[key], value)
    return cls(**kwargs)


def _coerce(key: str, hint: Any, value: Any) -> Any:  # Any: values come from TOML or env
    if isinstance(value, _EnvValue):
        value = _parse_env(key, hint, str(value))
    options = typing.get_args(hint) if _is_union(hint) else (hint,)
    if value is None and type(None) in options:
        return None
    for option in options:
        if option is bool and isinstance(value, bool):
            return value
        if option is int and isinstance(value, int) and not isinstance(value, bool):
            return value
        if option is str and isinstance(value, str):
            return value
        if typing.get_origin(option) is tuple and isinstance(value, list | tuple):
            if all(isinstance(v, str) for v in value):
                return tuple(value)
    raise ConfigError(f"config key {key} has the wrong type: {value!r}")


def _is_union(hint: Any) -> bool:
    return typing.get_origin(hint) in (typing.Union, types.UnionType)


def _parse_env(key: str, hint: Any, text: str) -> Any:
    options = typing.get_args(hint) if _is_union(hint) else (hint,)
    if bool in options:
        if text.lower() in ("1", "true", "yes", "on"):
            return True
        if text.lower() in ("0", "false", "no", "off", ""):
            return False
        raise ConfigError(f"config key {key} expects a boolean, got {text!r}")
    if int in options:
        try:
            return int(text)
        except ValueError as exc:
            raise ConfigError(f"config key {key} expects an integer, got {text!r}") from exc
    if any(typing.get_origin(o) is tuple for o in options):
        if text.startswith("["):
            try:
                parsed = tomllib.loads(f"v = {text}")["v"]
            except tomllib.TOMLDecodeError as exc:
                raise ConfigError(f"config key {key} expects a list, got {text!r}") from exc
            if str in options:
                return parsed
            return parsed
        if str in options:
            return text or None
        return [part.strip() for part in text.split(",") if part.strip()]
    if text == "" and type(None) in options:
        return None
    return text


def resolve_secret_key(config: Config, create: bool = False) -> str:
    """The signing key: `site.secret_key`, else the site's generated key file.

    Production mode (developer_mode false) refuses to run without one; `create` makes the key
    file on a site's first run.
    """
    if config.site.secret_key:
        return config.site.secret_key
    key_file = config.site_dir / SECRET_KEY_FILE
    if key_file.exists():
        key = key_file.read_text(encoding="utf-8").strip()
        if key:
            return key
    if create:
        config.site_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(key + "\n")
        return key
    if config.site.developer_mode:
        return "maju-developer-mode-insecure-key"
    raise ConfigError(
        "site.secret_key is empty and the site has no generated key "
        f"({key_file}); set it or run `maju migrate` to create the site"
    )
