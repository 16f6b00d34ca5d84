"""The one deterministic zip writer: every entry dated ``FIXED_TIME``, so equal content gives equal bytes."""

from __future__ import annotations

import datetime as _dt
import io
import re
import zipfile
from pathlib import Path

__all__ = ["FIXED_TIME", "zip_bytes", "fix_zip_timestamps"]

FIXED_TIME = _dt.datetime(2000, 1, 1, 0, 0, 0)


def zip_bytes(entries) -> bytes:
    """``(name, bytes)`` entries, in order, as a deflated zip with fixed dates and owner-only permissions.

    >>> zip_bytes([("a.txt", b"x")]) == zip_bytes([("a.txt", b"x")])
    True
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def fix_zip_timestamps(path) -> None:
    """Rewrite a zip archive (a Word or Excel file being written) in place through :func:`zip_bytes`, its save
    time fixed too."""
    with zipfile.ZipFile(path) as src:
        entries = [(info.filename, src.read(info.filename)) for info in src.infolist()]
    # Writers stamp the save time into the document properties too (openpyxl does, whatever we set).
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    Path(path).write_bytes(zip_bytes([
        (name, re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)", rb"\g<1>" + stamp + rb"\g<2>", data)
         if name == "docProps/core.xml" else data)
        for name, data in entries
    ]))
