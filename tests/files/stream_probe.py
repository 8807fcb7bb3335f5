"""Run as a script: upload a generated multipart file of N MB to a fresh SQLite site in this
process and print, as JSON, the process's peak resident memory during the upload (F9).

Run in a subprocess by tests/files/test_streaming.py, so the measurement sees only this
upload (the kernel's high-water mark is reset just before it starts).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager

from maju.app import create_app
from maju.bootstrap import migrate_site
from tests.sites import site_config, token_headers

CHUNK = 64 * 1024
BOUNDARY = "maju-probe-boundary"


def _status(key: str) -> int:
    """A `VmHWM`/`VmRSS` line of /proc/self/status, in kB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


async def body(size: int, digest: hashlib._Hash) -> AsyncIterator[bytes]:
    yield (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="is_private"\r\n\r\n1\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n'
    ).encode()
    block = bytes(range(256)) * (CHUNK // 256)
    sent = 0
    while sent < size:
        # A fresh object per chunk, as from a socket (slicing all of `block` would hand the
        # same object around, and holding it would cost nothing).
        piece = (sent.to_bytes(8, "big") + block[8:])[: min(CHUNK, size - sent)]
        digest.update(piece)
        sent += len(piece)
        yield piece
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


async def main(tmp: Path, megabytes: int) -> dict[str, object]:
    size = megabytes * 1024 * 1024
    config = site_config("sqlite", tmp, files={"max_file_size": size + 1024 * 1024})
    await migrate_site(config)
    headers = await token_headers(config, "Administrator")
    headers["Content-Type"] = f"multipart/form-data; boundary={BOUNDARY}"
    app = create_app(config)
    digest = hashlib.md5(usedforsecurity=False)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://probe") as client:
            await client.get("/api/method/ping")  # warm up imports and the connection pool
            baseline = _status("VmRSS")
            Path("/proc/self/clear_refs").write_text("5")  # reset the high-water mark
            response = await client.post(
                "/api/method/upload_file", headers=headers, content=body(size, digest)
            )
            peak = _status("VmHWM")
    message = response.json().get("message", {})
    stored = config.private_files_dir / "big.bin"
    return {
        "status": response.status_code,
        "baseline_kb": baseline,
        "peak_kb": peak,
        "file_size": message.get("file_size"),
        "content_hash": message.get("content_hash"),
        "expected_hash": digest.hexdigest(),
        "on_disk": stored.stat().st_size if stored.exists() else None,
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(Path(sys.argv[1]), int(sys.argv[2])))))
