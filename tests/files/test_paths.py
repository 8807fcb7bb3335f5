"""F5 at the unit level: whatever a client sends, the stored name is one plain component and
resolves inside its directory; URLs map to paths only inside the files directories."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from maju.files.limits import extension, file_too_large
from maju.files.paths import (
    MAX_NAME_BYTES,
    MAX_NAME_CHARS,
    is_plain_name,
    is_remote_url,
    parse_local_url,
    resolve,
    safe_file_name,
    with_suffix,
)

NASTY = st.text(
    alphabet=st.sampled_from(list("./\\\x00\x1f\x7f ~:é?#%ab")) | st.characters(), max_size=300
)


@settings(max_examples=300, deadline=None)
@given(NASTY)
def test_f5_safe_names_stay_inside(raw: str) -> None:
    name = safe_file_name(raw)
    if not name:
        return
    assert is_plain_name(name)
    assert len(name) <= MAX_NAME_CHARS and len(name.encode()) <= MAX_NAME_BYTES
    assert safe_file_name(name) == name  # idempotent: a stored name is its own safe form
    # F13: nothing that would make the name's URL fetch another file (issue 10 item 16).
    assert not set(name) & set("?#%/\\")
    assert all(unicodedata.category(c) not in ("Cc", "Cf", "Cs") for c in name)
    base = Path("/srv/site/public/files")
    path = resolve(base, name)
    assert path is not None and path.parent == base.resolve()


def test_f5_resolve_refuses_escapes(tmp_path: Path) -> None:
    inside = tmp_path / "files"
    inside.mkdir()
    (tmp_path / "secret").write_text("x")
    (inside / "escape").symlink_to(tmp_path / "secret")
    for name in ("..", "../secret", "a/b", "/etc/passwd", ".hidden", "", " x", "a\x00b", "escape"):
        assert resolve(inside, name) is None, name
    assert resolve(inside, "ok.txt") == inside.resolve() / "ok.txt"


def test_f5_urls_and_names() -> None:
    assert parse_local_url("/private/files/a.png") is not None
    assert parse_local_url("/files/a.png").is_private is False  # type: ignore[union-attr]
    assert parse_local_url("/filesx/a.png") is None
    assert is_remote_url("https://example.com/a") and is_remote_url("HTTP://h")
    assert not is_remote_url("http://") and not is_remote_url("ftp://h/a")
    assert safe_file_name("photo\u202egnp.exe") == "photognp.exe"  # no bidi disguise
    assert safe_file_name("a\ud800b.txt") == "ab.txt"
    assert with_suffix("photo.png", "3a9c1e") == "photo3a9c1e.png"  # F4
    assert with_suffix("README", "3a9c1e") == "README3a9c1e"
    assert extension("a.tar.GZ") == "gz" and extension("noext") == "" and extension("x.") == ""


def test_f8_message_states_megabytes() -> None:
    assert str(file_too_large(26214400)) == "File size exceeded the maximum allowed size of 25 MB"
    assert file_too_large(1).status == 413
