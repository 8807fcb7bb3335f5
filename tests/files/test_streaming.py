"""F9: a 200 MB upload streams to disk; the process's memory stays far below the file's size.

The upload runs in a subprocess (tests/files/stream_probe.py) so the kernel's peak-memory mark
covers that upload alone. SQLite only: the database plays no part in how bytes move.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.sites import REPO_ROOT

MEGABYTES = 200
PEAK_LIMIT_KB = 100 * 1024


@pytest.mark.skipif(
    not Path("/proc/self/clear_refs").exists(), reason="needs Linux's resettable peak-memory mark"
)
def test_f9_200mb_upload_streams_in_bounded_memory(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tests.files.stream_probe", str(tmp_path), str(MEGABYTES)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["status"] == 200
    assert result["file_size"] == result["on_disk"] == MEGABYTES * 1024 * 1024
    assert result["content_hash"] == result["expected_hash"]
    assert result["peak_kb"] < PEAK_LIMIT_KB, result
