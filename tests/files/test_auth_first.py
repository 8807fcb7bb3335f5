"""F7: credentials (and A10) are checked before any byte of an upload's body is read or stored.

Issue 10 item 8: a 20 MB upload with `Authorization: token fake:fake`, or a bare `Cookie:
sid=x`, was written to `private/files/.upload-*.part` before the 401. The body here is handed
to the app one chunk at a time, so the test sees how much of it the app asked for, and whether
a staging file existed at each moment it asked: a check after the answer would see nothing
either way, since a refused upload's staging file is removed again.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx

from maju.auth import cookies
from tests.auth.accounts import add_user, login, new_client
from tests.files.conftest import file_rows, stored_files
from tests.sites import Site

BOUNDARY = "pr0be"
CHUNK = b"\x00" * (64 * 1024)
CHUNKS = 32  # 2 MB of file
UPLOAD_PATHS = (
    "/api/method/upload_file",
    "/api/v1/method/frappe.handler.upload_file/",
    "/api/method/maju.files.upload_file/anything",  # M1
    "/?cmd=upload_file",  # M14
)
CARA, PASSWORD = "cara@example.com", "a long enough password"


class BodyProbe:
    """A multipart body (`fields` before the file part, `trailing` after it) handed out a
    chunk at a time, noting how many chunks the app pulled and whether a staging file sat in
    the private files directory when it did."""

    def __init__(
        self,
        site: Site,
        fields: dict[str, str] | None = None,
        trailing: dict[str, str] | None = None,
    ) -> None:
        self.staging_dir: Path = site.config.private_files_dir
        self.fields = fields or {}
        self.trailing = trailing or {}
        self.pulled = 0
        self.staging_seen = False

    @property
    def headers(self) -> dict[str, str]:
        return {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}

    @property
    def total(self) -> int:
        return CHUNKS + 2

    def _fields(self, fields: dict[str, str]) -> bytes:
        return b"".join(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in fields.items()
        )

    def _pieces(self) -> list[bytes]:
        file_head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
            'filename="big.bin"\r\n\r\n'
        ).encode()
        tail = b"\r\n" + self._fields(self.trailing) + f"--{BOUNDARY}--\r\n".encode()
        return [self._fields(self.fields) + file_head, *([CHUNK] * CHUNKS), tail]

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self._pieces():
            self.pulled += 1
            if any(self.staging_dir.glob(".upload-*")):
                self.staging_seen = True
            yield piece


async def _post(
    client: httpx.AsyncClient, path: str, probe: BodyProbe, headers: dict[str, str]
) -> httpx.Response:
    return await client.post(path, headers={**headers, **probe.headers}, content=probe)


async def test_f7_bad_credentials_and_guests_are_refused_before_the_body(site: Site) -> None:
    callers = [
        ({"Authorization": "token fake:fake"}, 401, "AuthenticationError"),
        ({"Authorization": "Bearer nope"}, 401, "AuthenticationError"),
        ({"Cookie": f"{cookies.SID}=x"}, 403, "PermissionError"),  # A5: a Guest, expired
        ({}, 403, "PermissionError"),  # a Guest
    ]
    for path in UPLOAD_PATHS:
        for headers, status, exc_type in callers:
            probe = BodyProbe(site)
            r = await _post(site.client, path, probe, headers)
            assert (r.status_code, r.json()["exc_type"]) == (status, exc_type), (path, headers)
            assert probe.pulled == 0, (path, headers, probe.pulled)
            assert not probe.staging_seen
            if "Cookie" in headers:
                assert r.json()["session_expired"] == 1
        # The probe sees staging when it happens: a valid key streams the whole body.
        probe = BodyProbe(site)
        r = await _post(site.client, path, probe, site.admin_headers)
        assert r.status_code == 200, (path, r.text)
        assert probe.pulled == probe.total and probe.staging_seen
    assert len(await file_rows(site)) == len(UPLOAD_PATHS)
    assert not list(site.config.private_files_dir.glob(".upload-*"))


async def test_f7_any_multipart_body_waits_for_its_credentials(site: Site) -> None:
    """A `cmd` sent in the body (M14) is not known before the body is read, so that request
    takes the generic endpoint; a multipart body is still read only for a known caller."""
    for headers in ({"Authorization": "token fake:fake"}, {"Authorization": "Basic !!"}):
        for path in ("/", "/api/method/maju.files.upload.upload_file", "/api/resource/ToDo"):
            probe = BodyProbe(site, fields={"cmd": "upload_file"})
            r = await _post(site.client, path, probe, headers)
            assert r.status_code == 401, (path, r.text)
            assert probe.pulled == 0 and not probe.staging_seen
    probe = BodyProbe(site, fields={"cmd": "upload_file"})
    r = await _post(site.client, "/", probe, site.admin_headers)
    assert r.status_code == 200, r.text
    assert r.json()["message"]["file_size"] == CHUNKS * len(CHUNK)


async def test_f7_a10_is_decided_before_the_file_is_stored(site: Site) -> None:
    """A session cookie alone from a foreign Origin needs the CSRF token: in the header (the
    request is decided before its body), or as a field before the file part. A token that
    only follows the file would come too late: refused before a byte of the file is stored."""
    await add_user(site.config, CARA, password=PASSWORD)
    async with new_client(site.client) as client:
        await login(client, CARA, PASSWORD)
        token = (await client.get("/api/method/maju.auth.get_csrf_token")).json()["message"]
        evil = {"Origin": "https://evil.example"}
        for path in UPLOAD_PATHS:
            refused = [
                BodyProbe(site),
                BodyProbe(site, trailing={"csrf_token": token}),
                BodyProbe(site, fields={"csrf_token": "wrong"}),
            ]
            before = stored_files(site)
            for probe in refused:
                r = await _post(client, path, probe, evil)
                assert r.status_code == 400, (path, r.text)
                assert r.json()["exc_type"] == "CSRFTokenError"
                assert probe.pulled <= 1 and not probe.staging_seen, (path, probe.pulled)
            assert stored_files(site) == before
            accepted = [
                (BodyProbe(site), {**evil, "X-Frappe-CSRF-Token": token}),
                (BodyProbe(site, fields={"csrf_token": token}), evil),
                (BodyProbe(site), {"Origin": "http://testserver"}),  # same origin
                (BodyProbe(site), {}),  # no Origin: not a browser's cross-site request
            ]
            for probe, headers in accepted:
                r = await _post(client, path, probe, headers)
                assert r.status_code == 200, (path, headers, r.text)
                assert r.json()["message"]["owner"] == CARA
    assert not list(site.config.private_files_dir.glob(".upload-*"))
