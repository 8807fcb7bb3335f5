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
    # S13: hosts whose requests may supply the origin of absolute URLs when base_url is unset.
    allowed_hosts: tuple[str, ...] = ("localhost", "127.0.0.1", "[::1]")
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
    # Seconds after which any statement is cancelled (503 QueryTimeoutError, S12); also the
    # longest a request waits for a pooled connection or SQLite's write lock. 0: no limit.
    statement_timeout: float = 15.0

    def __post_init__(self) -> None:
        if not 0 <= self.statement_timeout < 10**6:
            raise ConfigError(
                "config key database.statement_timeout must be 0 (no limit) or a number of "
                f"seconds below 1000000, got {self.statement_timeout!r}"
            )


@dataclass(frozen=True, slots=True)
class ApiConfig:
    default_page_length: int = 20
    max_page_length: int = 500
    max_body_size: int = 26214400
    count_cap: int = 10000
    # S12: rows one document may hold per Table field.
    max_child_rows: int = 10000


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


LOG_LEVELS = ("debug", "info", "warning", "error", "critical")


@dataclass(frozen=True, slots=True)
class LogConfig:
    # `maju serve`'s log level, for maju's loggers and uvicorn's (the access log is at info).
    # The database drivers never log below info: at debug they print bound values.
    level: str = "info"

    def __post_init__(self) -> None:
        if self.level.lower() not in LOG_LEVELS:
            raise ConfigError(
                f"config key log.level must be one of {', '.join(LOG_LEVELS)}, got {self.level!r}"
            )


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
    log: LogConfig = field(default_factory=LogConfig)
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


def load_config(
    path: str | Path | None = None, environ: typing.Mapping[str, str] | None = None
) -> Config:
    """Load the configuration.

    Args:
        path: the TOML file; defaults to `MAJU_CONFIG`, else `config.toml` in the working
            directory (a missing default file means all defaults).
        environ: the environment to read `MAJU_<SECTION>__<KEY>` overrides from.
    """
    env = os.environ if environ is None else environ
    named = path if path is not None else (env.get("MAJU_CONFIG") or None)
    config_path = config_file(path, env)
    raw: dict[str, Any] = {}
    if config_path.is_file():
        try:
            raw = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{config_path}: invalid TOML: {exc}") from exc
        except OSError as exc:
            raise ConfigError(f"{config_path}: cannot read: {exc.strerror}") from exc
    elif named is not None:
        # An explicitly named file must exist: silently running on defaults would hide a typo.
        raise ConfigError(f"config file not found: {config_path}")
    sections = _validated_sections(raw, str(config_path))
    _apply_env_overrides(sections, env)
    hints = typing.get_type_hints(Config)
    built = {name: _build_section(name, hints[name], values) for name, values in sections.items()}
    root = config_path.parent.resolve() if config_path.is_file() else Path.cwd()
    return Config(**built, root=str(root))


def config_file(
    path: str | Path | None = None, environ: typing.Mapping[str, str] | None = None
) -> Path:
    """The file `load_config` reads: `path`, else `MAJU_CONFIG`, else ./config.toml."""
    env = os.environ if environ is None else environ
    named = path if path is not None else (env.get("MAJU_CONFIG") or None)
    return Path(named if named is not None else "config.toml")


def _section_types() -> dict[str, type[Any]]:
    hints = typing.get_type_hints(Config)
    return {f.name: hints[f.name] for f in dataclasses.fields(Config) if f.name != "root"}


def _validated_sections(raw: dict[str, Any], source: str) -> dict[str, dict[str, Any]]:
    known = _section_types()
    sections: dict[str, dict[str, Any]] = {}
    for name, values in raw.items():
        if name not in known:
            raise ConfigError(f"{source}: unknown config section [{name}]")
        if not isinstance(values, dict):
            raise ConfigError(f"{source}: config section [{name}] must be a table")
        keys = {f.name for f in dataclasses.fields(known[name])}
        for key in values:
            if key not in keys:
                raise ConfigError(f"{source}: unknown config key {name}.{key}")
        sections[name] = dict(values)
    return sections


def _apply_env_overrides(
    sections: dict[str, dict[str, Any]], env: typing.Mapping[str, str]
) -> None:
    """`MAJU_<SECTION>__<KEY>=value` replaces one key; an unknown one fails, naming the variable."""
    known = _section_types()
    for variable, value in env.items():
        if not variable.startswith("MAJU_") or "__" not in variable:
            continue
        section, _, name = variable[len("MAJU_") :].lower().partition("__")
        if section not in known:
            raise ConfigError(f"{variable}: unknown config section [{section}]")
        if name not in {f.name for f in dataclasses.fields(known[section])}:
            raise ConfigError(f"{variable}: unknown config key {section}.{name}")
        sections.setdefault(section, {})[name] = _EnvValue(value)


class _EnvValue(str):
    """A raw environment string, parsed by the target field's type."""


def _build_section(section: str, cls: type[Any], values: dict[str, Any]) -> Any:
    hints = typing.get_type_hints(cls)
    kwargs = {key: _coerce(f"{section}.{key}", hints[key], value) for key, value in values.items()}
    return cls(**kwargs)


def _options(hint: Any) -> tuple[Any, ...]:  # Any: typing objects
    union = typing.get_origin(hint) in (typing.Union, types.UnionType)
    return typing.get_args(hint) if union else (hint,)


def _coerce(key: str, hint: Any, value: Any) -> Any:  # Any: values come from TOML or env
    options = _options(hint)
    if isinstance(value, _EnvValue):
        value = _parse_env(key, options, str(value))
    if type(None) in options and (value is None or value == ""):
        # TOML has no null: an empty string means "unset" for optional keys.
        return None
    for option in options:
        if option is bool and isinstance(value, bool):
            return value
        if option is int and isinstance(value, int) and not isinstance(value, bool):
            return value
        if option is float and isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if option is str and isinstance(value, str):
            return value
        if (
            typing.get_origin(option) is tuple
            and isinstance(value, list | tuple)
            and all(isinstance(v, str) for v in value)
        ):
            return tuple(value)
    raise ConfigError(f"config key {key} has the wrong type: {value!r}")


def _parse_env(key: str, options: tuple[Any, ...], text: str) -> Any:
    if bool in options:
        if text.strip().lower() in ("1", "true", "yes", "on"):
            return True
        if text.strip().lower() in ("0", "false", "no", "off", ""):
            return False
        raise ConfigError(f"config key {key} expects a boolean, got {text!r}")
    if int in options:
        try:
            return int(text)
        except ValueError as exc:
            raise ConfigError(f"config key {key} expects an integer, got {text!r}") from exc
    if float in options:
        try:
            return float(text)
        except ValueError as exc:
            raise ConfigError(f"config key {key} expects a number, got {text!r}") from exc
    if any(typing.get_origin(o) is tuple for o in options):
        if text.lstrip().startswith("["):
            try:
                return tomllib.loads(f"v = {text}")["v"]
            except tomllib.TOMLDecodeError as exc:
                raise ConfigError(f"config key {key} expects a list, got {text!r}") from exc
        parts = [part.strip() for part in text.split(",") if part.strip()]
        # A key that takes one string or a list (cors.allow_cors) keeps a single value as is.
        return parts[0] if str in options and len(parts) == 1 else parts
    return text


INSECURE_DEVELOPER_KEY = "maju-developer-mode-insecure-key"


def resolve_secret_key(config: Config, create: bool = False) -> str:
    """The signing key: `site.secret_key`, else the site's generated key file.

    Production mode (developer_mode false) refuses to run without one, so sessions are never
    signed with a guessable key; `create` makes the key file on a site's first run.
    """
    if config.site.secret_key.strip():
        return config.site.secret_key.strip()
    key_file = config.site_dir / SECRET_KEY_FILE
    key = _read_key(key_file)
    if key:
        return key
    if create:
        config.site_dir.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            return _read_key(key_file) or resolve_secret_key(config)
        key = secrets.token_hex(32)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(key + "\n")
        return key
    if config.site.developer_mode:
        return INSECURE_DEVELOPER_KEY
    raise ConfigError(
        "site.secret_key is empty and the site has no generated key "
        f"({key_file}); set it, or run `maju migrate` to create the site"
    )


def _read_key(key_file: Path) -> str:
    try:
        return key_file.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return ""
