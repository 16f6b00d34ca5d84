"""Erasure that holds: after text is removed or rewritten, no copy of it stays in the project's files.

SQLite keeps old pages in the database file until a checkpoint moves the write-ahead log into it, and the store's
``secure_delete`` zeroes freed content as it goes. :func:`make_it_hold` runs a full checkpoint (the WAL truncated),
then reads the files themselves for each erased string; a string found in the file but in no live row is a leak.
If another connection (``ipe serve``, a second command, a database browser) holds a read transaction, the checkpoint
cannot finish and the erasure is reported incomplete, with a non-zero exit, instead of a false success.
"""

from __future__ import annotations

import re
from typing import Iterable

from ipe.errors import IpeError

MIN_NEEDLE = 4
SAMPLE_CHUNKS = 40


class ErasureIncomplete(IpeError):
    """Erased text is still in the project's files (another connection kept the old pages)."""


def text_needles(text: str, limit: int = SAMPLE_CHUNKS) -> list[str]:
    """Distinctive pieces of a text to look for after it was erased: its longest lines and sentences.

    >>> text_needles("Hi.\\nWe sat with the police every single morning.\\nOk.")
    ['We sat with the police every single morning.']
    """
    pieces = {p.strip() for p in re.split(r"(?<=[.!?])\s+|\n+", text) if len(p.strip()) >= 24}
    return sorted(pieces, key=lambda p: (-len(p), p))[:limit]


def make_it_hold(store, needles: Iterable[str], what: str) -> None:
    """Checkpoint the store and check no needle survives outside live rows; raise ``ErasureIncomplete`` if one does.

    ``what`` names the erasure for the message ("source 'x' removed", "identifiers replaced").
    """
    needles = sorted({n for n in needles if n and len(n) >= MIN_NEEDLE})
    if not store.checkpoint():
        raise ErasureIncomplete(
            f"{store.path}: {what}, but another connection to the project is open (ipe serve, another command or a "
            "database browser), so the old text is still in the file; close it and run 'ipe purge'")
    leftovers = store.leftovers(needles) if needles else []
    if leftovers:
        raise ErasureIncomplete(f"{store.path}: {what}, but {len(leftovers)} erased strings are still in the file; "
                                "close every other connection and run 'ipe purge'")


def purge(store) -> None:
    """Checkpoint the store now (after an erasure reported incomplete); raise if another connection still blocks it."""
    make_it_hold(store, [], "purge requested")
