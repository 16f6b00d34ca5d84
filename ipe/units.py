"""Units of analysis: the spans that coders' codings are compared over (sentences, turns, characters, segments).

A unit counts as coded with a code by a coder when one of that coder's codings of the code overlaps it by at least
one non-space character. Presence is found by a sweep over codings and units sorted by offset, never pair by pair.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from ipe.in_force import current_codings

UNIT_KINDS = ("sentence", "turn", "character", "segment")


@dataclass(frozen=True)
class Unit:
    source_id: str
    n: int
    start: int
    end: int


def structural_units(source, kind: str, include_interviewer: bool = False) -> list[Unit]:
    """Sentences or turns of a source as units (interviewer turns left out unless asked)."""
    keep = {t.n for t in source.turns if include_interviewer or t.role != "interviewer"}
    if kind == "sentence":
        return [Unit(source.id, s.n, s.start, s.end) for s in source.sentences if s.turn in keep]
    if kind == "turn":
        return [Unit(source.id, t.n, t.start, t.end) for t in source.turns if t.n in keep]
    raise ValueError(f"unknown structural unit '{kind}'")


def segment_units(source_id: str, codings: Iterable) -> list[Unit]:
    """Units made by cutting the text at every coding boundary of every coder (so each unit is coded uniformly)."""
    cuts = sorted({p for c in codings if c.source_id == source_id for p in (c.start, c.end)})
    return [Unit(source_id, i + 1, a, b) for i, (a, b) in enumerate(zip(cuts, cuts[1:]))]


def presence(units: list[Unit], codings: Iterable, text: str = "") -> set[tuple[int, str, str]]:
    """``(unit index, code id, coder)`` for every unit a coding overlaps (sweep over sorted intervals).

    With ``text``, an overlap made only of white space does not count.
    """
    order = sorted(range(len(units)), key=lambda i: (units[i].start, units[i].end))
    found: set[tuple[int, str, str]] = set()
    active: list[int] = []
    j = 0
    for c in sorted(codings, key=lambda c: (c.start, c.end)):
        while j < len(order) and units[order[j]].start < c.end:
            active.append(order[j])
            j += 1
        # Codings come in start order, so a unit ending before this one starts can never overlap a later one.
        active = [i for i in active if units[i].end > c.start]
        for i in active:
            u = units[i]
            lo, hi = max(u.start, c.start), min(u.end, c.end)
            if hi > lo and (not text or text[lo:hi].strip()):
                found.add((i, c.code_id, c.coder))
    return found


def corpus_presence(store, coders: list, unit: str, sources=None, codes=None, include_interviewer: bool = False):
    """Units over a project's sources and who coded what on them, with the codings in force.

    Returns ``(units, weights, present, assigned)``: the units of the sources any of ``coders`` coded (or of
    ``sources``), their weights (non-space characters for ``character``, else 1), the ``(unit index, code, coder)``
    presence set for ``codes`` (all codes when None), and each coder's assignment, the sources they coded at all.
    """
    codings = current_codings(store, coders=coders, sources=sources)
    by_source: dict[str, list] = {}
    for c in codings:
        by_source.setdefault(c.source_id, []).append(c)
    assigned = {coder: {c.source_id for c in codings if c.coder == coder} for coder in coders}
    wanted = None if codes is None else set(codes)
    units, weights, present = [], [], set()
    for src in store.iter_sources(sorted(by_source)):
        mine = by_source[src.id]
        if unit in ("segment", "character"):
            keep = [(t.start, t.end) for t in src.turns if include_interviewer or t.role != "interviewer"]
            spans = [u for u in segment_units(src.id, mine) if any(a <= u.start and u.end <= b for a, b in keep)]
        else:
            spans = structural_units(src, unit, include_interviewer)
        base = len(units)
        units.extend(spans)
        weights.extend(len("".join(src.text[u.start:u.end].split())) if unit == "character" else 1 for u in spans)
        coded = [c for c in mine if wanted is None or c.code_id in wanted]
        present |= {(base + i, code, coder) for i, code, coder in presence(spans, coded, src.text)}
    return units, weights, present, assigned
