"""Evaluation tables as pandas DataFrames; every quote carries a reference that re-slices the stored text."""

from __future__ import annotations

import bisect
from typing import Iterable, Optional

import pandas as pd

from ipe.records import Codebook

QUOTE_BANK_COLUMNS = [
    "ref", "source", "case", "data_type", "role", "agency", "speaker", "turn", "start", "end", "code", "code_name",
    "code_type", "code_path", "coder", "provenance", "quote",
]


def current_codings(store, coders: Optional[Iterable[str]] = None, codes: Optional[Iterable[str]] = None,
                    sources: Optional[Iterable[str]] = None) -> list:
    """Codings in force: every human coding, and each auto-coder's codings from the newest codebook it coded with."""
    codings = store.codings(coders=coders, codes=codes, sources=sources)
    kinds = store.coders()
    newest: dict[str, int] = {}
    for c in codings:
        if kinds.get(c.coder) == "auto" and c.codebook_version is not None:
            newest[c.coder] = max(newest.get(c.coder, 0), c.codebook_version)
    return [c for c in codings if kinds.get(c.coder) != "auto" or c.codebook_version == newest.get(c.coder)]


def reference(source_id: str, start: int, end: int) -> str:
    """The quote reference ``source:start-end`` that re-slices the stored text."""
    return f"{source_id}:{start}-{end}"


def quote_bank(store, codebook: Codebook, coders=None, codes=None, sources=None, types=None,
               attributes: Optional[dict] = None) -> pd.DataFrame:
    """Every coded segment with its source attributes, speaker, turn, offsets, code path, coder and quote.

    ``attributes`` filters on source attributes, e.g. ``{"case": "ashdown", "role": "social worker"}``; ``role``
    also matches the speaker's own role.
    """
    by_id = codebook.by_id
    if types:
        allowed = {c.id for c in codebook.codes if c.type in set(types)}
        codes = allowed if codes is None else set(codes) & allowed
    codings = current_codings(store, coders, codes, sources)
    attrs = store.source_attributes()
    rows, turns_of = [], {}
    for c in codings:
        if c.source_id not in turns_of:
            turns = store.turns(c.source_id)
            turns_of = {c.source_id: (turns, [t.start for t in turns])}
        turns, starts = turns_of[c.source_id]
        turn = turns[max(0, bisect.bisect_right(starts, c.start) - 1)] if turns else None
        a = attrs.get(c.source_id, {})
        code = by_id.get(c.code_id)
        rows.append({
            "ref": reference(c.source_id, c.start, c.end), "source": c.source_id, "case": a.get("case", ""),
            "data_type": a.get("data_type", ""), "role": (turn.role if turn and turn.role else a.get("role", "")),
            "agency": a.get("agency", ""), "speaker": (turn.speaker or "") if turn else "",
            "turn": turn.n if turn else 0, "start": c.start, "end": c.end, "code": c.code_id,
            "code_name": code.name if code else "", "code_type": code.type if code else "",
            "code_path": codebook.path(c.code_id), "coder": c.coder, "provenance": c.provenance, "quote": c.quote,
        })
    table = pd.DataFrame(rows, columns=QUOTE_BANK_COLUMNS)
    for key, value in (attributes or {}).items():
        if value:
            table = table[table[key].astype(str).str.lower() == str(value).lower()]
    return table.reset_index(drop=True)


def code_counts(store, codebook: Codebook, coders=None) -> pd.DataFrame:
    """Per code: segments, sources and cases coded (codes never coded are listed with zeros), in codebook order."""
    codings = current_codings(store, coders)
    attrs = store.source_attributes()
    stats: dict[str, dict] = {}
    for c in codings:
        s = stats.setdefault(c.code_id, {"segments": 0, "sources": set(), "cases": set()})
        s["segments"] += 1
        s["sources"].add(c.source_id)
        case = attrs.get(c.source_id, {}).get("case")
        if case:
            s["cases"].add(case)
    rows = []
    for code in codebook.codes:
        s = stats.get(code.id, {"segments": 0, "sources": set(), "cases": set()})
        rows.append({"code": code.id, "name": code.name, "type": code.type, "segments": s["segments"],
                     "sources": len(s["sources"]), "cases": len(s["cases"])})
    return pd.DataFrame(rows, columns=["code", "name", "type", "segments", "sources", "cases"])


def code_frequencies(store, codebook: Codebook, by: str = "case", coders=None) -> pd.DataFrame:
    """Long table of code × group (``case``, ``role``, ``agency`` or ``data_type``): segments, sources, participants.

    Segments are coded spans; sources are documents; participants are distinct ``participant`` attributes (or
    sources, for documents without one). The three differ and are labelled so.
    """
    bank = quote_bank(store, codebook, coders=coders)
    attrs = store.source_attributes()
    bank["participant"] = [attrs.get(s, {}).get("participant") or s for s in bank["source"]]
    bank[by] = bank[by].replace("", "(none)")
    grouped = bank.groupby(["code", by], sort=True)
    table = grouped.agg(segments=("ref", "size"), sources=("source", "nunique"), participants=("participant", "nunique"))
    table = table.reset_index()
    order = {c.id: i for i, c in enumerate(codebook.codes)}
    table["_order"] = table["code"].map(order)
    table = table.sort_values(["_order", by]).drop(columns="_order").reset_index(drop=True)
    return table.rename(columns={by: by})


CODINGS_COLUMNS = ["source", "code", "start", "end", "quote", "coder", "provenance", "codebook_version"]


def codings_table(store, coders=None) -> pd.DataFrame:
    """Codings in force in the exchange layout ``ipe codings import`` reads back."""
    rows = [
        {"source": c.source_id, "code": c.code_id, "start": c.start, "end": c.end, "quote": c.quote, "coder": c.coder,
         "provenance": c.provenance, "codebook_version": c.codebook_version}
        for c in current_codings(store, coders)
    ]
    return pd.DataFrame(rows, columns=CODINGS_COLUMNS)


def review_sheet(store, codebook: Codebook, auto_coder: str = "auto") -> pd.DataFrame:
    """The auto-coder's codings to review, with an empty ``decision`` column (accept / reject)."""
    bank = quote_bank(store, codebook, coders=[auto_coder])
    sheet = bank[["source", "case", "role", "speaker", "turn", "start", "end", "code", "code_name", "provenance", "quote"]]
    sheet = sheet.rename(columns={"provenance": "rule"}).copy()
    sheet["decision"] = ""
    return sheet
