"""Uploads: the multipart shape and the File document clients expect (F1, F2), storage names
(F4), path safety (F5), attaching (F6) and upload rights (F7)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.auth.accounts import add_user, login, new_client
from tests.files.conftest import (
    People,
    file_rows,
    md5,
    message,
    new_todo,
    stored_files,
    upload,
)
from tests.sites import Site, open_site

HEX10 = re.compile(r"^[0-9a-f]{10}$")
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(200))


# ---- F1, F2: the request and the answer ---------------------------------------------------


async def test_f1_f2_upload_answers_the_file_document(site: Site) -> None:
    r = await upload(site.client, site.admin_headers, PNG, "photo.png")
    assert r.status_code == 200, r.text
    doc = r.json()["message"]
    assert HEX10.match(doc["name"])
    assert doc["file_name"] == "photo.png"
    assert doc["file_url"] == "/files/photo.png"
    assert doc["is_private"] == 0 and doc["is_folder"] == 0
    assert doc["file_size"] == len(PNG)
    assert doc["content_hash"] == md5(PNG)
    assert doc["file_type"] == "PNG"
    assert doc["folder"] == "Home"
    assert doc["doctype"] == "File"
    assert doc["owner"] == doc["modified_by"] == "Administrator"
    assert doc["docstatus"] == 0 and doc["idx"] == 0 and doc["creation"] == doc["modified"]
    assert "attached_to_doctype" not in doc  # D9: nulls omitted
    assert stored_files(site) == {"public/photo.png": PNG}
    r = await site.client.get(f"/api/resource/File/{doc['name']}", headers=site.admin_headers)
    assert r.json()["data"] == doc
    r = await upload(site.client, site.admin_headers, b"secret", "s.txt", is_private="1")
    doc = r.json()["message"]
    assert doc["is_private"] == 1 and doc["file_url"] == "/private/files/s.txt"
    assert stored_files(site) == {"public/photo.png": PNG, "private/s.txt": b"secret"}
    assert (await site.client.get("/files/s.txt")).status_code == 404


async def test_f1_every_name_uploads(site: Site) -> None:
    paths = [
        "/api/method/frappe.handler.upload_file",
        "/api/method/maju.files.upload_file",
        "/api/v1/method/upload_file",
        "/api/method/upload_file/",
        "/api/method/upload_file/anything",  # M1: streamed too, under the API's body limit
        # Not the streaming route: the method dispatcher serves this one (M11) alike.
        "/api/method/maju.files.upload.upload_file",
    ]
    for i, path in enumerate(paths):
        r = await upload(site.client, site.admin_headers, f"{i}".encode(), f"{i}.txt", path=path)
        assert r.status_code == 200, (path, r.text)
        assert r.json()["message"]["file_url"] == f"/files/{i}.txt"
    assert stored_files(site) == {f"public/{i}.txt": f"{i}".encode() for i in range(len(paths))}
    r = await site.client.post(
        "/",
        headers=site.admin_headers,
        data={"cmd": "upload_file"},
        files={"file": ("c.txt", b"cmd")},
    )  # M14
    assert r.status_code == 200, r.text
    assert r.json()["message"]["file_url"] == "/files/c.txt"


async def test_f1_other_fields_are_ignored_and_bad_ones_named(site: Site) -> None:
    r = await upload(
        site.client,
        site.admin_headers,
        b"x",
        "x.txt",
        owner="bob@example.com",
        name="chosen",
        file_size="99",
        content_hash="0" * 32,
        is_folder="1",
    )
    doc = r.json()["message"]
    assert doc["owner"] == "Administrator" and doc["name"] != "chosen"
    assert doc["file_size"] == 1 and doc["content_hash"] == md5(b"x") and doc["is_folder"] == 0
    r = await upload(site.client, site.admin_headers, b"y", "y.txt", is_private="maybe")
    assert r.status_code == 417 and "Is Private" in message(r)
    r = await site.client.get(
        "/api/method/upload_file",
        headers=site.admin_headers,
        params={"file_url": "https://example.com/a.png"},
    )
    assert r.status_code == 403 and message(r) == "Not permitted"  # M4: POST only
    assert stored_files(site) == {"public/x.txt": b"x"}
    assert len(await file_rows(site)) == 1


# ---- F4: de-duplication and name clashes ---------------------------------------------------


async def test_f4_same_content_and_privacy_reuses_the_url(site: Site) -> None:
    first = (await upload(site.client, site.admin_headers, PNG, "a.png")).json()["message"]
    second = (await upload(site.client, site.admin_headers, PNG, "b.png")).json()["message"]
    assert second["file_url"] == first["file_url"] == "/files/a.png"
    assert second["file_name"] == "b.png" and second["name"] != first["name"]
    private = (await upload(site.client, site.admin_headers, PNG, "b.png", is_private="1")).json()[
        "message"
    ]
    assert private["file_url"] == "/private/files/b.png"  # other privacy: its own copy
    assert stored_files(site) == {"public/a.png": PNG, "private/b.png": PNG}


async def test_f4_taken_name_gets_the_hash_suffix_then_a_random_one(site: Site) -> None:
    one, two, three = b"one", b"two", b"three"
    await upload(site.client, site.admin_headers, one, "photo.png")
    r = await upload(site.client, site.admin_headers, two, "photo.png")
    hashed = f"photo{md5(two)[-6:]}.png"
    assert r.json()["message"]["file_url"] == f"/files/{hashed}"
    assert r.json()["message"]["file_name"] == hashed
    # Take the name `three` would get by its hash too: a random suffix follows.
    await upload(site.client, site.admin_headers, b"other", f"photo{md5(three)[-6:]}.png")
    r = await upload(site.client, site.admin_headers, three, "photo.png")
    name = r.json()["message"]["file_name"]
    assert re.fullmatch(r"photo[0-9a-f]{6}\.png", name)
    assert name not in (hashed, f"photo{md5(three)[-6:]}.png")
    assert stored_files(site)[f"public/{name}"] == three
    assert stored_files(site)["public/photo.png"] == one


# ---- F5: names cannot leave the files directories ------------------------------------------


async def test_f5_part_names_are_made_safe(site: Site) -> None:
    cases = [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("/abs/path/x.txt", "x.txt"),
        (".htaccess", "htaccess"),
        ("a..b.txt", "ab.txt"),
    ]
    for i, (sent, stored) in enumerate(cases):
        r = await upload(site.client, site.admin_headers, f"{i}".encode(), sent)
        assert r.status_code == 200, r.text
        assert r.json()["message"]["file_url"] == f"/files/{stored}"
    assert stored_files(site) == {
        f"public/{stored}": f"{i}".encode() for i, (_, stored) in enumerate(cases)
    }


# Sent as the part's filename (httpx, like browsers, writes control characters there as %XX).
AWKWARD_PART_NAMES = [
    "100%.txt",
    "evil.php%00.png",
    "x%2Fy.txt",
    "%2e%2e%2fup.txt",
    "ünïcødé 文件.txt",
    "with  spaces .txt",
    "hash#tag.txt",
    "what?.txt",
    "semi;colon+plus&and=eq[1]'q'.txt",
]
# Sent in the `file_name` field, where the characters arrive raw.
AWKWARD_FIELD_NAMES = ["nul\x00byte.php\x00.png", "line\nbreak\r.txt", "bidi\u202egnp.exe"]


async def test_f5_f13_awkward_names_are_stored_so_file_url_fetches_itself(site: Site) -> None:
    """Issue 10 item 16: `…php%00.png` was stored as is, and its `file_url` fetched nothing.
    Stored names keep no control character and no `%`, `?` or `#` (F5, F13)."""
    sent: list[tuple[str, dict[str, str]]] = [(n, {}) for n in AWKWARD_PART_NAMES]
    sent += [("part.bin", {"file_name": n}) for n in AWKWARD_FIELD_NAMES]
    for i, (part_name, fields) in enumerate(sent):
        for is_private in ("0", "1"):
            content = f"{i}/{is_private}: {part_name} {fields}".encode()
            r = await upload(
                site.client, site.admin_headers, content, part_name, is_private=is_private, **fields
            )
            assert r.status_code == 200, (part_name, fields, r.text)
            doc = r.json()["message"]
            name, url = doc["file_name"], doc["file_url"]
            assert not set(name) & set("%?#\x00\r\n\u202e"), name
            assert url.rsplit("/", 1)[1] == name
            got = await site.client.get(url, headers=site.admin_headers)
            assert got.status_code == 200, (url, got.text)
            assert got.content == content, url
    names = {row["file_name"] for row in await file_rows(site)}
    assert {"evil.php00.png", "100.txt", "x2Fy.txt", "nulbyte.php.png"} <= names
    assert "ünïcødé 文件.txt" in names and "hashtag.txt" in names


async def test_f5_file_name_field_wins_and_an_empty_name_is_refused(site: Site) -> None:
    r = await upload(
        site.client, site.admin_headers, b"d", "part.bin", file_name="../private/files/x.txt"
    )
    assert r.json()["message"]["file_url"] == "/files/x.txt"
    r = await upload(
        site.client, site.admin_headers, b"e", "part.bin", file_name="tab\there\x00\x1b[0m.txt"
    )
    assert r.json()["message"]["file_url"] == "/files/tabhere[0m.txt"
    for sent in ("..", "...", "/", "../..", "\x01\x02", " . "):
        r = await upload(site.client, site.admin_headers, b"d", "part.bin", file_name=sent)
        assert r.status_code == 417, r.text
        assert message(r).startswith("file_name is empty")
    assert stored_files(site) == {"public/x.txt": b"d", "public/tabhere[0m.txt": b"e"}
    assert len(await file_rows(site)) == 2


# ---- F6, F7: attaching and upload rights ---------------------------------------------------


async def test_f2_f6_attachment_is_recorded_and_the_target_untouched(people: People) -> None:
    todo = await new_todo(people.site, people.ann)
    r = await upload(
        people.client,
        people.ann,
        b"a",
        "a.txt",
        folder="Home/Attachments",
        doctype="ToDo",
        docname=todo["name"],
        fieldname="description",
    )
    assert r.status_code == 200, r.text
    doc = r.json()["message"]
    assert doc["folder"] == "Home/Attachments" and doc["owner"] == "ann@example.com"
    assert (doc["attached_to_doctype"], doc["attached_to_name"], doc["attached_to_field"]) == (
        "ToDo",
        todo["name"],
        "description",
    )
    # F6: the File records the attachment; the ToDo itself is not modified.
    after = await people.client.get(f"/api/resource/ToDo/{todo['name']}", headers=people.ann)
    assert after.json()["data"] == todo


async def test_f7_guests_are_refused_unless_allowed(
    site: Site, backend: str, tmp_path: Path
) -> None:
    r = await upload(site.client, None, b"g", "g.txt")
    assert r.status_code == 403 and r.json()["exc_type"] == "PermissionError"
    r = await site.client.post("/", data={"cmd": "upload_file"}, files={"file": ("g.txt", b"g")})
    assert r.status_code == 403
    assert stored_files(site) == {} and await file_rows(site) == []
    async with open_site(
        backend, tmp_path / "guests", files={"allow_guest_upload": True}
    ) as open_to_guests:
        r = await upload(open_to_guests.client, None, b"g", "g.txt")
        assert r.status_code == 200, r.text
        assert r.json()["message"]["owner"] == "Guest"
        assert stored_files(open_to_guests) == {"public/g.txt": b"g"}


async def test_f7_write_on_the_target_is_needed(people: People) -> None:
    site = people.site
    todo = await new_todo(site, people.ann)
    r = await upload(people.client, people.bob, b"b", "b.txt", doctype="ToDo", docname=todo["name"])
    assert r.status_code == 403, r.text
    assert (
        message(r) == f"You need the 'write' permission on ToDo {todo['name']} to "
        "perform this action."
    )
    r = await upload(people.client, people.bob, b"b", "b.txt", doctype="ToDo", docname="nope")
    assert r.status_code == 404 and message(r) == "ToDo nope not found"
    r = await upload(people.client, people.bob, b"b", "b.txt", doctype="Nope", docname="x")
    assert r.status_code == 404
    r = await upload(
        people.client,
        people.ann,
        b"b",
        "b.txt",
        doctype="ToDo",
        docname=todo["name"],
        fieldname="no_such_field",
    )
    assert r.status_code == 417 and message(r) == "ToDo has no field no_such_field"
    r = await upload(people.client, people.bob, b"b", "b.txt", docname=todo["name"])
    assert r.status_code == 417 and "doctype" in message(r)
    assert stored_files(site) == {} and await file_rows(site) == []
    # `create` on the DocType alone is enough without a document (every user may create ToDos).
    r = await upload(people.client, people.bob, b"b", "b.txt", doctype="ToDo")
    assert r.status_code == 200, r.text
    r = await upload(people.client, people.bob, b"r", "r.txt", doctype="Role")
    assert r.status_code == 403 and message(r) == "No permission for Role"


async def test_f7_allowed_extensions(backend: str, tmp_path: Path) -> None:
    async with open_site(backend, tmp_path, files={"allowed_extensions": ("png", ".JPG")}) as site:
        for name in ("a.png", "b.JPG", "c.jpg"):
            r = await upload(site.client, site.admin_headers, name.encode(), name)
            assert r.status_code == 200, r.text
        for name in ("evil.exe", "noextension", "x.png.html"):
            r = await upload(site.client, site.admin_headers, b"x", name)
            assert r.status_code == 417, r.text
            assert message(r).startswith(f"File type of {name} is not allowed")
        assert sorted(stored_files(site)) == ["public/a.png", "public/b.JPG", "public/c.jpg"]


async def test_f7_cookie_sessions_upload_with_the_csrf_token(site: Site) -> None:
    """The streaming route runs the endpoint's A10 check: a cross-site upload riding on the
    session cookie alone is refused before anything is stored."""
    await add_user(site.config, "cara@example.com", password="a long enough password")
    async with new_client(site.client) as client:
        await login(client, "cara@example.com", "a long enough password")
        evil = {"Origin": "https://evil.example"}
        r = await upload(client, evil, b"c", "c.txt")
        assert r.status_code == 400 and r.json()["exc_type"] == "CSRFTokenError", r.text
        assert stored_files(site) == {} and await file_rows(site) == []
        token = (await client.get("/api/method/maju.auth.get_csrf_token")).json()["message"]
        r = await upload(client, {**evil, "X-Frappe-CSRF-Token": token}, b"c", "c.txt")
        assert r.status_code == 200, r.text
        r = await upload(client, evil, b"d", "d.txt", csrf_token=token)  # or as a form field
        assert r.status_code == 200, r.text
        assert r.json()["message"]["owner"] == "cara@example.com"
