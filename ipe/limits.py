"""Bounds on what any reader accepts, so no input can exhaust the machine; each is checked while streaming.

The limits are generous for research material (a 500-page transcript is about 1.5 million characters) and refuse
only what no real file needs. A compressed archive (.docx, .xlsx, .qdpx) is measured by decompressing it in small
chunks, never by trusting the sizes it declares, so a zip bomb is refused after reading at most the limit.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Optional, Union

from ipe.errors import SourceError

MAX_FILE_BYTES = 50 * 1024 * 1024  # one file as stored on disk
MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # everything inside one archive, decompressed
MAX_ENTRIES = 10_000  # files inside one archive
MAX_SOURCE_CHARS = 20_000_000  # one source's text
MAX_CODEBOOK_BYTES = 5 * 1024 * 1024
MAX_CODES = 5_000
MAX_YAML_DEPTH = 40
CHUNK = 1024 * 1024


def _mb(n: int) -> str:
    return f"{n // (1024 * 1024)} MB"


def check_file_size(path: Path, size: int, limit: Optional[int] = None) -> None:
    limit = limit or MAX_FILE_BYTES
    if size > limit:
        raise SourceError(path, f"file too large ({_mb(size)}; the limit is {_mb(limit)})")


def check_archive(data_or_path: Union[bytes, Path], path: Path, max_unpacked: Optional[int] = None,
                  max_entries: Optional[int] = None) -> None:
    """Refuse an archive with too many entries or too much decompressed data, decompressing in chunks to find out.

    >>> import io, zipfile
    >>> buffer = io.BytesIO()
    >>> with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
    ...     z.writestr("a.xml", "x" * 5000)
    >>> check_archive(buffer.getvalue(), Path("a.docx"), max_unpacked=1000)
    Traceback (most recent call last):
    ...
    ipe.errors.SourceError: a.docx: archive unpacks to more than 0 MB (the limit for one file); refused
    """
    max_unpacked, max_entries = max_unpacked or MAX_UNPACKED_BYTES, max_entries or MAX_ENTRIES
    source = io.BytesIO(data_or_path) if isinstance(data_or_path, bytes) else data_or_path
    try:
        with zipfile.ZipFile(source) as archive:
            entries = archive.infolist()
            if len(entries) > max_entries:
                raise SourceError(path, f"archive holds {len(entries)} files (the limit is {max_entries}); refused")
            total = 0
            for info in entries:
                if info.is_dir():
                    continue
                with archive.open(info) as member:
                    while True:
                        chunk = member.read(CHUNK)
                        if not chunk:
                            break
                        total += len(chunk)
                        if total > max_unpacked:
                            raise SourceError(path, f"archive unpacks to more than {_mb(max_unpacked)} (the limit "
                                                    "for one file); refused")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError) as exc:
        raise SourceError(path, f"damaged archive ({type(exc).__name__}: {str(exc)[:80]})") from None


def check_source_length(path, text: str, limit: Optional[int] = None) -> None:
    limit = limit or MAX_SOURCE_CHARS
    if len(text) > limit:
        raise SourceError(path, f"text too long ({len(text):,} characters; the limit for one source is {limit:,})")
