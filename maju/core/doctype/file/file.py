"""The File DocType's controller, named where the registry looks for it.

Its code is maju.files.controller: URL checks, hashes and the removal of unused bytes are the
files room's business, and the upload (maju.files.upload) builds on it from inside that room.
"""

from __future__ import annotations

from maju.files.controller import File

__all__ = ["File"]
