"""Configuration: TOML loading, MAJU_<SECTION>__<KEY> overrides, unknown keys, the secret key."""

from __future__ import annotations

import dataclasses
import re
import stat
from pathlib import Path
from typing import Any

import pytest

from maju.config import Config, load_config, resolve_secret_key
from maju.errors import ConfigError
from tests.sites import REPO_ROOT


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_follow_spec_preamble(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no config.toml here: every default
    config = load_config(environ={})
    assert config.site.secret_key == "" and config.site.developer_mode is False
    assert config.site.base_url is None and config.site.time_zone == "UTC"
    assert (config.api.default_page_length, config.api.max_page_length) == (20, 500)
    assert (config.api.max_body_size, config.api.count_cap) == (26214400, 10000)
    assert (
        config.auth.session_expiry_hours,
        config.auth.login_max_attempts,
        config.auth.login_lock_seconds,
    ) == (170, 10, 60)
    assert config.files.max_file_size == 26214400 and config.files.allow_guest_upload is False
    assert config.files.allowed_extensions == () and config.files.accel_redirect_prefix is None
    assert config.cors.allow_cors is None and config.proxy.trusted_proxies == ()
    assert (
        config.oauth.access_token_expiry,
        config.oauth.code_expiry,
        config.oauth.allow_password_grant,
    ) == (3600, 600, False)
    assert (config.server.host, config.server.port, config.server.workers) == ("127.0.0.1", 8000, 1)
    assert config.root == str(tmp_path.resolve())
    assert config.site_dir == tmp_path.resolve() / "site"
    assert config.database_url == f"sqlite:///{tmp_path.resolve() / 'site' / 'maju.db'}"


def test_loads_toml_and_resolves_paths_against_its_folder(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[site]
secret_key = "s3cret"
developer_mode = true
base_url = "https://erp.example.com"
dir = "data/site"
apps = ["todo", "shop"]

[database]
url = "postgresql://postgres@127.0.0.1:5432/test"
schema = "tenant"
pool_size = 3

[cors]
allow_cors = ["https://a.example.com", "https://b.example.com"]

[files]
allowed_extensions = ["png"]
accel_redirect_prefix = "/protected/"
""",
    )
    config = load_config(path, environ={})
    assert config.site.secret_key == "s3cret" and config.site.developer_mode is True
    assert config.site.base_url == "https://erp.example.com"
    assert config.site.apps == ("todo", "shop")
    assert config.site_dir == tmp_path.resolve() / "data" / "site"
    assert config.database_url == "postgresql://postgres@127.0.0.1:5432/test"
    assert (config.database.schema, config.database.pool_size) == ("tenant", 3)
    assert config.cors.allow_cors == ("https://a.example.com", "https://b.example.com")
    assert config.files.allowed_extensions == ("png",)
    assert config.files.accel_redirect_prefix == "/protected/"
    assert config.public_files_dir == config.site_dir / "public" / "files"
    assert config.private_files_dir == config.site_dir / "private" / "files"


def test_empty_string_unsets_an_optional_key(tmp_path: Path) -> None:
    path = write(tmp_path, '[site]\nbase_url = ""\n[cors]\nallow_cors = ""\n')
    config = load_config(path, environ={})
    assert config.site.base_url is None and config.cors.allow_cors is None


@pytest.mark.parametrize(
    ("variable", "value", "section", "key", "expected"),
    [
        # bool
        ("MAJU_SITE__DEVELOPER_MODE", "true", "site", "developer_mode", True),
        ("MAJU_SITE__DEVELOPER_MODE", "1", "site", "developer_mode", True),
        ("MAJU_FILES__ALLOW_GUEST_UPLOAD", "off", "files", "allow_guest_upload", False),
        # int
        ("MAJU_SERVER__PORT", "9000", "server", "port", 9000),
        ("MAJU_API__MAX_BODY_SIZE", "1024", "api", "max_body_size", 1024),
        # str
        ("MAJU_SERVER__HOST", "0.0.0.0", "server", "host", "0.0.0.0"),
        ("MAJU_DATABASE__URL", "postgresql://x@h/db", "database", "url", "postgresql://x@h/db"),
        # list, comma-separated or TOML array
        (
            "MAJU_FILES__ALLOWED_EXTENSIONS",
            "png, jpg",
            "files",
            "allowed_extensions",
            ("png", "jpg"),
        ),
        (
            "MAJU_PROXY__TRUSTED_PROXIES",
            '["10.0.0.0/8", "127.0.0.1"]',
            "proxy",
            "trusted_proxies",
            ("10.0.0.0/8", "127.0.0.1"),
        ),
        ("MAJU_SITE__APPS", "", "site", "apps", ()),
        # one string or a list (C1)
        ("MAJU_CORS__ALLOW_CORS", "*", "cors", "allow_cors", "*"),
        (
            "MAJU_CORS__ALLOW_CORS",
            "https://a.example,https://b.example",
            "cors",
            "allow_cors",
            ("https://a.example", "https://b.example"),
        ),
        # None: an empty value unsets an optional key
        ("MAJU_SITE__BASE_URL", "", "site", "base_url", None),
        (
            "MAJU_FILES__ACCEL_REDIRECT_PREFIX",
            "/protected/",
            "files",
            "accel_redirect_prefix",
            "/protected/",
        ),
    ],
)
def test_env_override_types(
    tmp_path: Path, variable: str, value: str, section: str, key: str, expected: object
) -> None:
    path = write(
        tmp_path, '[site]\nbase_url = "https://from-file.example"\n[server]\nport = 8001\n'
    )
    config = load_config(path, environ={variable: value})
    assert getattr(getattr(config, section), key) == expected


def test_env_override_wins_over_file_and_leaves_other_keys(tmp_path: Path) -> None:
    path = write(tmp_path, '[server]\nhost = "10.1.1.1"\nport = 8001\n')
    config = load_config(
        path,
        environ={
            "MAJU_SERVER__PORT": "9001",
            "MAJU_REQUIRE_POSTGRES": "1",  # no "__": not config
            "OTHER__THING": "x",
        },
    )
    assert (config.server.host, config.server.port) == ("10.1.1.1", 9001)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("MAJU_SERVER__PORT", "eighty", "server.port expects an integer"),
        ("MAJU_SITE__DEVELOPER_MODE", "maybe", "site.developer_mode expects a boolean"),
        ("MAJU_FILES__ALLOWED_EXTENSIONS", "[png", "files.allowed_extensions expects a list"),
    ],
)
def test_bad_env_values_fail_naming_the_key(
    tmp_path: Path, variable: str, value: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(write(tmp_path, ""), environ={variable: value})


def test_unknown_env_section_and_key_fail_naming_the_variable(tmp_path: Path) -> None:
    path = write(tmp_path, "")
    with pytest.raises(ConfigError, match=r"MAJU_NOPE__PORT: unknown config section \[nope\]"):
        load_config(path, environ={"MAJU_NOPE__PORT": "1"})
    with pytest.raises(ConfigError, match=r"MAJU_SERVER__PROT: unknown config key server\.prot"):
        load_config(path, environ={"MAJU_SERVER__PROT": "1"})


def test_unknown_section_fails_naming_it(tmp_path: Path) -> None:
    path = write(tmp_path, "[sever]\nport = 1\n")
    with pytest.raises(ConfigError, match=r"unknown config section \[sever\]") as info:
        load_config(path, environ={})
    assert str(path) in str(info.value)


def test_unknown_key_fails_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown config key api\.max_page_lenght"):
        load_config(write(tmp_path, "[api]\nmax_page_lenght = 5\n"), environ={})


def test_root_is_not_a_section(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown config section \[root\]"):
        load_config(write(tmp_path, '[root]\nx = "y"\n'), environ={})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[server]\nport = "80"\n', "server.port has the wrong type"),
        ("[site]\ndeveloper_mode = 1\n", "site.developer_mode has the wrong type"),
        ("[site]\napps = [1, 2]\n", "site.apps has the wrong type"),
        ("site = 3\n", "config section [site] must be a table"),
        ("[site\n", "invalid TOML"),
    ],
)
def test_wrong_types_and_bad_toml_fail(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(write(tmp_path, text), environ={})


def test_maju_config_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = tmp_path / "conf"
    elsewhere.mkdir()
    path = write(elsewhere, "[server]\nport = 8123\n")
    monkeypatch.chdir(tmp_path)
    config = load_config(environ={"MAJU_CONFIG": str(path)})
    assert config.server.port == 8123
    assert config.root == str(elsewhere.resolve())


def test_missing_explicit_file_fails(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(missing, environ={})
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(environ={"MAJU_CONFIG": str(missing)})


def test_sample_config_documents_every_key() -> None:
    """The shipped config.toml names every key (set or commented out) and loads to defaults."""
    text = (REPO_ROOT / "config.toml").read_text(encoding="utf-8")
    for section in dataclasses.fields(Config):
        if section.name == "root":
            continue
        assert f"[{section.name}]" in text
        for key in dataclasses.fields(getattr(Config(), section.name)):
            assert re.search(rf"^(# )?{key.name} = ", text, re.MULTILINE), (
                f"{section.name}.{key.name} missing from config.toml"
            )
    config = load_config(REPO_ROOT / "config.toml", environ={})
    assert config == Config(root=str(REPO_ROOT))


def site_config(tmp_path: Path, **site: Any) -> Config:  # Any: SiteConfig fields
    config = load_config(write(tmp_path, ""), environ={})
    return dataclasses.replace(config, site=dataclasses.replace(config.site, **site))


def test_secret_key_from_config(tmp_path: Path) -> None:
    assert resolve_secret_key(site_config(tmp_path, secret_key="abc")) == "abc"


def test_production_refuses_an_empty_secret_key(tmp_path: Path) -> None:
    config = site_config(tmp_path, secret_key="   ")
    with pytest.raises(ConfigError, match=r"site\.secret_key is empty"):
        resolve_secret_key(config)
    assert not (config.site_dir / "secret_key").exists()


def test_developer_mode_runs_without_a_key(tmp_path: Path) -> None:
    assert resolve_secret_key(site_config(tmp_path, developer_mode=True))


def test_generated_key_is_created_once_and_private(tmp_path: Path) -> None:
    config = site_config(tmp_path)
    key = resolve_secret_key(config, create=True)
    key_file = config.site_dir / "secret_key"
    assert len(key) == 64 and key_file.read_text().strip() == key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # Reused afterwards, also in production mode and without `create`.
    assert resolve_secret_key(config, create=True) == key
    assert resolve_secret_key(config) == key
