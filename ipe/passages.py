"""Passages: the project's sentences with what a reader needs beside them (source, case, speaker, role, turn, and
the interviewer's question they answer), and which codes each is already coded with.

Search and suggestions both work on these. Interviewer turns are left out, as auto-coding leaves them out.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Iterable, Optional

from ipe.units import Unit, presence


@dataclass(frozen=True)
class Passage:
    source_id: str
    n: int
    turn: int
    start: int
    end: int
    text: str
    speaker: str = ""
    role: str = ""
    case: str = ""
    question: str = ""  # the last interviewer turn before this sentence's turn, if any
    agency: str = ""  # the source's agency attribute (passages are never the interviewer's)

    @property
    def ref(self) -> str:
        return f"{self.source_id}:{self.start}-{self.end}"


def passages(store, sources: Optional[Iterable[str]] = None, case: Optional[str] = None) -> list[Passage]:
    """Every non-interviewer sentence of ``sources`` (default all), in source and text order; ``case`` filters."""
    attrs = store.source_attributes()
    out: list[Passage] = []
    for src in store.iter_sources(None if sources is None else sorted(set(sources))):
        a = attrs.get(src.id, {})
        if case and a.get("case", "").lower() != case.lower():
            continue
        turns = {t.n: t for t in src.turns}
        question, asked = {}, ""
        for t in src.turns:
            if t.role == "interviewer":
                asked = " ".join(src.text[t.start:t.end].split())
            else:
                question[t.n] = asked
        for s in src.sentences:
            t = turns.get(s.turn)
            if t is not None and t.role == "interviewer":
                continue
            text = src.text[s.start:s.end]
            if not text.strip():
                continue
            out.append(Passage(src.id, s.n, s.turn, s.start, s.end, text, (t.speaker or "") if t else "",
                               (t.role if t and t.role else a.get("role", "")), a.get("case", ""),
                               question.get(s.turn, ""), a.get("agency", "")))
    return out


def coded(store, items: list[Passage], codings: Iterable) -> list[set[tuple[str, str]]]:
    """For each passage, the ``(code, coder)`` pairs of ``codings`` overlapping it by a non-space character."""
    by_source: dict[str, list] = {}
    for c in codings:
        by_source.setdefault(c.source_id, []).append(c)
    out: list[set] = [set() for _ in items]
    starts: dict[str, list[int]] = {}
    for i, p in enumerate(items):
        starts.setdefault(p.source_id, []).append(i)
    for sid, idx in starts.items():
        mine = by_source.get(sid)
        if not mine:
            continue
        units = [Unit(sid, items[i].n, items[i].start, items[i].end) for i in idx]
        text = store.source(sid, structure=False).text
        for j, code, coder in presence(units, mine, text):
            out[idx[j]].add((code, coder))
    return out


def locate(items: list[Passage], source_id: str, start: int, end: int) -> list[int]:
    """Indexes of the passages of ``source_id`` that overlap ``[start, end)``."""
    keys = [(p.source_id, p.start) for p in items]
    lo = bisect.bisect_left(keys, (source_id, -1))
    found = []
    for i in range(lo, len(items)):
        p = items[i]
        if p.source_id != source_id or p.start >= end:
            break
        if p.end > start:
            found.append(i)
    return found
