"""Evaluation tables as pandas DataFrames; every quote carries a reference that re-slices the stored text."""

from __future__ import annotations

import bisect
from typing import Optional

import pandas as pd

from ipe.in_force import current_codings
from ipe.records import Codebook, reference

QUOTE_BANK_COLUMNS = [
    "ref", "source", "case", "data_type", "role", "agency", "speaker", "turn", "start", "end", "code", "code_name",
    "code_type", "code_path", "coder", "provenance", "quote",
]


def quote_bank(store, codebook: Codebook, coders=None, codes=None, sources=None, types=None,
               attributes: Optional[dict] = None, status: str = "ok") -> pd.DataFrame:
    """Every coded segment with its source attributes, speaker, turn, offsets, code path, coder and quote.

    ``attributes`` filters on source attributes, e.g. ``{"case": "ashdown", "role": "social worker"}``; ``role``
    also matches the speaker's own role.
    """
    by_id = codebook.by_id
    if types:
        allowed = {c.id for c in codebook.codes if c.type in set(types)}
        codes = allowed if codes is None else set(codes) & allowed
    codings = current_codings(store, coders, codes, sources, status)
    attrs = store.source_attributes()
    # Column lists, not a dict per row: a million-word project has hundreds of thousands of codings.
    columns: dict[str, list] = {name: [] for name in QUOTE_BANK_COLUMNS}
    add = [columns[name].append for name in QUOTE_BANK_COLUMNS]
    turns_of: dict = {}
    for c in codings:
        if c.source_id not in turns_of:
            turns = store.turns(c.source_id)
            turns_of = {c.source_id: (turns, [t.start for t in turns])}
        turns, starts = turns_of[c.source_id]
        turn = turns[max(0, bisect.bisect_right(starts, c.start) - 1)] if turns else None
        a = attrs.get(c.source_id, {})
        code = by_id.get(c.code_id)
        values = (
            reference(c.source_id, c.start, c.end), c.source_id, a.get("case", ""), a.get("data_type", ""),
            turn.role if turn and turn.role else a.get("role", ""), a.get("agency", ""),
            (turn.speaker or "") if turn else "", turn.n if turn else 0, c.start, c.end, c.code_id,
            code.name if code else "", code.type if code else "", codebook.path(c.code_id), c.coder, c.provenance,
            c.quote,
        )
        for append, value in zip(add, values):
            append(value)
    table = pd.DataFrame(columns, columns=QUOTE_BANK_COLUMNS)
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


CODINGS_COLUMNS = ["source", "code", "start", "end", "quote", "coder", "provenance", "codebook_version"]


def codings_table(store, coders=None) -> pd.DataFrame:
    """Codings in force in the exchange layout ``ipe codings import`` reads back."""
    rows = [
        {"source": c.source_id, "code": c.code_id, "start": c.start, "end": c.end, "quote": c.quote, "coder": c.coder,
         "provenance": c.provenance, "codebook_version": c.codebook_version}
        for c in current_codings(store, coders)
    ]
    return pd.DataFrame(rows, columns=CODINGS_COLUMNS)


def review_sheet(store, codebook: Codebook, auto_coder: str = "auto", status: str = "ok") -> pd.DataFrame:
    """The auto-coder's codings to review, with an empty ``decision`` column (accept / reject)."""
    bank = quote_bank(store, codebook, coders=[auto_coder], status=status)
    sheet = bank[["source", "case", "role", "speaker", "turn", "start", "end", "code", "code_name", "provenance", "quote"]]
    sheet = sheet.rename(columns={"provenance": "rule"}).copy()
    sheet["decision"] = ""
    return sheet


# -- evaluation tables ----------------------------------------------------------------------------------------------

FREQUENCY_DIMENSIONS = ("case", "role", "agency", "data_type")
EXEMPLAR_CHARS = 300


def _clip(quote: str, limit: int = EXEMPLAR_CHARS) -> str:
    quote = " ".join(quote.split())
    return quote if len(quote) <= limit else quote[: limit - 1].rstrip() + "…"


def exemplars(bank: pd.DataFrame, n: int = 2) -> list[str]:
    """Up to ``n`` quotes with references, preferring different sources, in a stable order."""
    if bank.empty:
        return []
    return exemplars_at(bank_lists(bank), range(len(bank)), n)


def bank_lists(bank: pd.DataFrame) -> dict[str, list]:
    """The quote bank's columns that :func:`exemplars_at` reads, as plain lists."""
    return {name: bank[name].tolist() for name in ("source", "start", "end", "quote", "ref", "turn")}


def exemplars_at(columns: dict[str, list], rows, n: int = 2) -> list[str]:
    """:func:`exemplars` of the bank's rows at positions ``rows``, read from :func:`bank_lists`.

    Plain lists, not DataFrame sorts or slices: this runs once per table cell, thousands of times for a large
    codebook.
    """
    source, start, end = columns["source"], columns["start"], columns["end"]
    order = sorted(rows, key=lambda i: (source[i], start[i], end[i]))
    chosen, seen = [], set()
    for i in order:
        if source[i] not in seen:
            seen.add(source[i])
            chosen.append(i)
            if len(chosen) == n:
                break
    if len(chosen) < n:
        taken = set(chosen)
        chosen += [i for i in order if i not in taken][: n - len(chosen)]
    quote, ref, turn = columns["quote"], columns["ref"], columns["turn"]
    return [f"\u201c{_clip(quote[i])}\u201d ({ref[i]}, turn {turn[i]})" for i in chosen]


def frequency_tables(bank: pd.DataFrame, codebook: Codebook, attrs: dict) -> dict[str, pd.DataFrame]:
    """Code frequencies by case, role, agency and data type; segments, sources and participants labelled apart."""
    out = {}
    bank = bank.assign(participant=[attrs.get(s, {}).get("participant") or s for s in bank["source"]])
    order = {c.id: i for i, c in enumerate(codebook.codes)}
    for dim in FREQUENCY_DIMENSIONS:
        grouped = bank.assign(**{dim: bank[dim].replace("", "(none)")}).groupby(["code", dim], sort=True)
        table = grouped.agg(segments=("ref", "size"), sources=("source", "nunique"),
                            participants=("participant", "nunique")).reset_index()
        wide = table.pivot(index="code", columns=dim, values=["segments", "sources", "participants"]).fillna(0)
        wide = wide.astype(int)
        wide.columns = [f"{value}: {count}" for count, value in wide.columns]
        wide = wide[sorted(wide.columns, key=lambda c: (c.split(": ")[0], ["segments", "sources", "participants"].index(c.split(": ")[1])))]
        wide = wide.reset_index()
        wide.insert(1, "name", [codebook.by_id[c].name if c in codebook.by_id else c for c in wide["code"]])
        wide = wide.sort_values("code", key=lambda s: s.map(order)).reset_index(drop=True)
        out[f"frequencies-by-{dim.replace('_', '-')}"] = wide
    return out


def top_theme(codebook: Codebook, code_id: str) -> str:
    return codebook.path(code_id).split("/")[0]


def framework_matrices(bank: pd.DataFrame, codebook: Codebook, memos: list, rows_by: str = "case",
                       n_quotes: int = 2) -> dict[str, pd.DataFrame]:
    """One Framework Method matrix per theme: rows are cases (or participants), columns the theme's codes.

    Each cell holds the number of segments, up to ``n_quotes`` exemplar quotes with references, and the memo
    written for that cell (``ipe memo add --case X --code Y``).
    """
    cell_memos: dict[tuple[str, str], list[str]] = {}
    for m in memos:
        if m.target_kind == "cell" and "|" in m.target:
            case, code = m.target.split("|", 1)
            cell_memos.setdefault((case, code), []).append(m.text)
    themes: dict[str, list[str]] = {}
    for code in codebook.codes:
        if code.type != "theme":
            themes.setdefault(top_theme(codebook, code.id), []).append(code.id)
    row_values = sorted(v for v in bank[rows_by].unique() if v) if len(bank) else []
    # One pass over the bank, not a filter of the whole bank per cell; a cell is its rows' positions.
    cells = bank.groupby([rows_by, "code"], sort=False).indices if len(bank) else {}
    lists = bank_lists(bank)
    out = {}
    for theme, codes in themes.items():
        records = []
        for value in row_values:
            record = {rows_by: value}
            for code in codes:
                segs = cells.get((value, code))
                lines = [f"n={len(segs)}"] + exemplars_at(lists, segs.tolist(), n_quotes) if segs is not None else []
                lines += [f"Memo: {t}" for t in cell_memos.get((value, code), [])]
                record[code] = "\n".join(lines)
            records.append(record)
        out[f"framework-{theme}"] = pd.DataFrame(records, columns=[rows_by, *codes])
    return out


def rq_evidence_map(bank: pd.DataFrame, codebook: Codebook, n_quotes: int = 2) -> pd.DataFrame:
    """Research questions → their codes → segments, sources, cases and exemplar quotes."""
    rows = []
    by_code = {code: part for code, part in bank.groupby("code", sort=False)}
    empty = bank.iloc[0:0]
    for rq in codebook.research_questions:
        for code in rq.codes:
            segs = by_code.get(code, empty)
            rows.append({"rq": rq.id, "question": rq.question, "code": code,
                         "name": codebook.by_id[code].name, "segments": len(segs),
                         "sources": segs["source"].nunique(), "cases": segs.loc[segs["case"] != "", "case"].nunique(),
                         "exemplars": "\n".join(exemplars(segs, n_quotes))})
    return pd.DataFrame(rows, columns=["rq", "question", "code", "name", "segments", "sources", "cases", "exemplars"])


def window_of(turn_starts: list[int], start: int) -> int:
    return max(0, bisect.bisect_right(turn_starts, start) - 1)


def cooccurrence(store, codebook: Codebook, coders=None, window: str = "turn") -> pd.DataFrame:
    """Code × code co-occurrence: the number of windows (turns or sentences) holding both codes.

    Codings are swept in offset order per source and grouped by the window their start falls in, so the work
    grows with the number of codings, not with their pairs across the corpus.
    """
    codings = current_codings(store, coders)
    ids = [c.id for c in codebook.codes if c.type != "theme"]
    index = {c: i for i, c in enumerate(ids)}
    counts = [[0] * len(ids) for _ in ids]
    by_source: dict[str, list] = {}
    for c in codings:
        by_source.setdefault(c.source_id, []).append(c)
    for sid, items in by_source.items():
        spans = store.turns(sid) if window == "turn" else store.sentences(sid)
        starts = [s.start for s in spans]
        windows: dict[int, set] = {}
        for c in sorted(items, key=lambda c: c.start):
            if c.code_id in index:
                windows.setdefault(window_of(starts, c.start), set()).add(c.code_id)
        for present in windows.values():
            present = sorted(present, key=index.get)
            for i, a in enumerate(present):
                counts[index[a]][index[a]] += 1
                for b in present[i + 1:]:
                    counts[index[a]][index[b]] += 1
                    counts[index[b]][index[a]] += 1
    table = pd.DataFrame(counts, columns=ids)
    table.insert(0, "code", ids)
    return table


def case_presence(bank: pd.DataFrame, codebook: Codebook) -> dict[str, pd.DataFrame]:
    """Case × code matrices: presence (1/0) and number of segments, for QCA or statistics."""
    ids = [c.id for c in codebook.codes if c.type != "theme"]
    cases = sorted(v for v in bank["case"].unique() if v) if len(bank) else []
    counts = pd.DataFrame(0, index=cases, columns=ids)
    for (case, code), n in bank[bank["case"] != ""].groupby(["case", "code"]).size().items():
        if code in counts.columns:
            counts.loc[case, code] = n
    counts.index.name = "case"
    binary = (counts > 0).astype(int)
    return {"case-code-presence": binary.reset_index(), "case-code-counts": counts.reset_index()}


def model_comparison(bank: pd.DataFrame, codebook: Codebook, attrs: dict) -> pd.DataFrame:
    """Code prevalence per MASH model: the share of the model's sources with the code, and its segments."""
    models: dict[str, set] = {}
    for sid, a in attrs.items():
        if a.get("mash_model"):
            models.setdefault(a["mash_model"], set()).add(sid)
    names = sorted(models)
    # Segments per (code, source) in one pass, not a filter of the whole bank per code and model.
    per_code: dict[str, dict[str, int]] = {}
    for (code_id, sid), n in (bank.groupby(["code", "source"]).size().items() if len(bank) else ()):
        per_code.setdefault(code_id, {})[sid] = int(n)
    rows = []
    for code in codebook.codes:
        if code.type == "theme":
            continue
        segs = per_code.get(code.id, {})
        row = {"code": code.id, "name": code.name, "type": code.type}
        for model in names:
            mine = [n for sid, n in segs.items() if sid in models[model]]
            row[f"{model}: sources with code"] = f"{len(mine)}/{len(models[model])}"
            row[f"{model}: prevalence"] = round(len(mine) / len(models[model]), 3)
            row[f"{model}: segments"] = sum(mine)
        rows.append(row)
    return pd.DataFrame(rows)
