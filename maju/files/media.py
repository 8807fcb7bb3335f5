"""What a stored file is served as: its Content-Type from its name (F11) and whether a browser
may show it inline or must download it (F13).

F13 is an allow list, not a block list: a file is shown inline only when its type is one a
browser renders without running anything (raster images, PDF, plain text, audio, video).
Everything else, every markup type (`text/html`, SVG, any `+xml`, XSLT...) and every type
nobody listed included, is sent as `Content-Disposition: attachment`, so an uploaded file
can never become a page on the API's own origin that calls the API with a viewer's session.
The decision is made on the Content-Type actually sent, so whatever the host's MIME table
says about an extension, the header and the disposition can never disagree.
"""

from __future__ import annotations

import mimetypes
from urllib.parse import quote

OCTET_STREAM = "application/octet-stream"

# Raster image types browsers render as images only (SVG is markup, so it is not here).
_RASTER_IMAGES = frozenset(
    {
        "image/apng",
        "image/avif",
        "image/bmp",
        "image/gif",
        "image/heic",
        "image/heif",
        "image/jpeg",
        "image/jxl",
        "image/png",
        "image/tiff",
        "image/vnd.microsoft.icon",
        "image/webp",
        "image/x-icon",
        "image/x-ms-bmp",
    }
)
_INLINE_TYPES = _RASTER_IMAGES | {"application/pdf", "text/plain"}
_INLINE_FAMILIES = ("audio/", "video/")

# A compressed file (`report.txt.gz`) is served as what its bytes are, not as what they
# would be once unpacked: browsers never unpack a body without Content-Encoding.
_COMPRESSED = {
    "gzip": "application/gzip",
    "bzip2": "application/x-bzip2",
    "xz": "application/x-xz",
    "br": "application/x-brotli",
    "compress": "application/x-compress",
}


def media_type(name: str) -> str:
    """F11: the Content-Type for a stored name, from its extension alone (never sniffed)."""
    # The leading "/" keeps `mimetypes` from reading a `data:`-looking name as a URL scheme.
    guessed, encoding = mimetypes.guess_type(f"/{name}", strict=False)
    if encoding is not None:
        return _COMPRESSED.get(encoding, OCTET_STREAM)
    return (guessed or OCTET_STREAM).lower()


def shown_inline(content_type: str) -> bool:
    """F13: whether `content_type` is on the safe list a browser may render in place."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media.endswith("+xml"):
        return False
    return media in _INLINE_TYPES or media.startswith(_INLINE_FAMILIES)


def disposition_headers(name: str, content_type: str) -> dict[str, str]:
    """F13: `attachment` (with the name, RFC 6266) for every type not shown inline."""
    if shown_inline(content_type):
        return {}
    return {"Content-Disposition": f"attachment; filename*=utf-8''{quote(name)}"}
