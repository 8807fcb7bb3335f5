"""F10: what a File record says about its bytes (size, hash, type, a stored file's URL and
privacy) is maju's, and de-duplication (F4) shares bytes only after comparing them."""

from __future__ import annotations

from typing import Any

from maju.db.connection import Connection
from tests.auth.accounts import site_conn
from tests.files.conftest import People, file_rows, md5, message, stored_files, upload

VICTIM_BYTES = b"bob's quarterly report, not yet uploaded"


async def _rpc(people: People, headers: dict[str, str], method: str, **body: Any) -> Any:
    return await people.client.post(f"/api/method/{method}", headers=headers, json=body)


async def test_f10_computed_fields_cannot_be_set(people: People) -> None:
    """Issue 10 item 4: ann set the MD5 of bob's future upload on her own record by PUT; bob's
    upload was then de-duplicated onto ann's file. Every way of writing a record refuses."""
    r = await upload(people.client, people.ann, b"ann's bytes", "ann.txt")
    doc = r.json()["message"]
    item = f"/api/resource/File/{doc['name']}"
    poisoned = md5(VICTIM_BYTES)
    attempts = [
        people.client.put(item, headers=people.ann, json={"content_hash": poisoned}),
        people.client.put(item, headers=people.ann, json={"file_size": 1}),
        _rpc(
            people,
            people.ann,
            "frappe.client.set_value",
            doctype="File",
            name=doc["name"],
            fieldname="content_hash",
            value=poisoned,
        ),
        _rpc(people, people.ann, "frappe.client.save", doc={**doc, "content_hash": poisoned}),
        _rpc(people, people.ann, "frappe.client.save", doc={**doc, "file_size": "99"}),
    ]
    for attempt in attempts:
        r = await attempt
        assert r.status_code == 417, r.text
        assert r.json()["exc_type"] == "ValidationError"
        assert "computed by maju" in message(r)
    # bulk_update lists the same refusal.
    r = await _rpc(
        people,
        people.ann,
        "frappe.client.bulk_update",
        docs=[{"doctype": "File", "docname": doc["name"], "content_hash": poisoned}],
    )
    assert r.status_code == 200 and len(r.json()["message"]["failed_docs"]) == 1, r.text
    # The same values, values left out (save clears absent keys) and file_type are no change:
    # file_type always follows file_name.
    unchanged = {k: v for k, v in doc.items() if k not in ("file_size", "content_hash")}
    r = await _rpc(
        people,
        people.ann,
        "frappe.client.save",
        doc={**unchanged, "file_type": "EXE", "file_name": "ann.pdf"},
    )
    assert r.status_code == 200, r.text
    saved = r.json()["message"]
    assert (saved["file_size"], saved["content_hash"]) == (11, md5(b"ann's bytes"))
    assert (saved["file_type"], saved["file_url"]) == ("PDF", "/files/ann.txt")
    r = await people.client.put(item, headers=people.ann, json={**saved, "modified": None})
    assert r.status_code == 200, r.text
    # bob's upload gets its own file: nothing of his lands under ann's record.
    r = await upload(people.client, people.bob, VICTIM_BYTES, "report.txt")
    assert r.json()["message"]["file_url"] == "/files/report.txt"
    assert stored_files(people.site) == {
        "public/ann.txt": b"ann's bytes",
        "public/report.txt": VICTIM_BYTES,
    }


async def test_f10_a_stored_file_keeps_its_privacy(people: People) -> None:
    """A PUT cannot make the record say public while its bytes sit in the private directory
    (or the reverse): nothing moves the bytes, so the flag cannot change."""
    for is_private, new in (("1", 0), ("0", 1)):
        r = await upload(
            people.client, people.ann, f"p{is_private}".encode(), "p.txt", is_private=is_private
        )
        doc = r.json()["message"]
        item = f"/api/resource/File/{doc['name']}"
        r = await people.client.put(item, headers=people.ann, json={"is_private": new})
        assert r.status_code == 417 and "is_private" in message(r), r.text
        r = await _rpc(people, people.ann, "frappe.client.save", doc={**doc, "is_private": new})
        assert r.status_code == 417 and "is_private" in message(r), r.text
    rows = {(row["file_url"], row["is_private"]) for row in await file_rows(people.site)}
    assert rows == {("/private/files/p.txt", 1), ("/files/p.txt", 0)}
    assert stored_files(people.site) == {"private/p.txt": b"p1", "public/p.txt": b"p0"}


async def test_f4_de_duplication_compares_the_bytes(people: People) -> None:
    """A hash that reached a record by other means (data from before this rule, a direct
    database write) or bytes changed on disk never make an upload share another's file."""
    r = await upload(people.client, people.ann, b"ann's bytes", "ann.txt")
    ann = r.json()["message"]
    r = await upload(people.client, people.ann, b"also ann's", "mine.txt", is_private="1")
    private = r.json()["message"]
    async with site_conn(people.site.config) as conn:
        await _set_hash(conn, ann["name"], md5(VICTIM_BYTES))
        await _set_hash(conn, private["name"], md5(VICTIM_BYTES))
    r = await upload(people.client, people.bob, VICTIM_BYTES, "report.txt")
    assert r.json()["message"]["file_url"] == "/files/report.txt"
    r = await upload(people.client, people.ann, VICTIM_BYTES, "mine2.txt", is_private="1")
    assert r.json()["message"]["file_url"] == "/private/files/mine2.txt"
    # Real duplicates still share one file.
    r = await upload(people.client, people.sm, VICTIM_BYTES, "copy.txt")
    assert r.json()["message"]["file_url"] == "/files/report.txt"
    # Bytes changed on disk after the upload are not shared either.
    (people.site.config.public_files_dir / "report.txt").write_bytes(b"X" * len(VICTIM_BYTES))
    r = await upload(people.client, people.sm, VICTIM_BYTES, "fresh.txt")
    assert r.json()["message"]["file_url"] == "/files/fresh.txt"


async def _set_hash(conn: Connection, name: str, content_hash: str) -> None:
    quote = conn.dialect.quote
    await conn.execute(
        f"UPDATE {quote('tabFile')} SET {quote('content_hash')} = :hash WHERE name = :name",
        {"hash": content_hash, "name": name},
    )
