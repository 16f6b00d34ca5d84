"""How far machine coding can be trusted, per realist type: the rule coder, learned suggestions and a second human
coder, each compared with the first gold coder sentence by sentence, on development and held-out documents.

A sentence (of a non-interviewer turn) counts as coded with a code by a coder when one of the coder's codings of it
overlaps it by a non-space character, as in ``ipe evaluate``. Figures are pooled over the codes of each type (micro).
Suggestions on the development documents are the cross-validated ones (each document scored by models trained on
the others), so no row scores a document with a model that saw it.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Callable, Optional, Sequence

import pandas as pd

from ipe import passages as _passages

REALIST_TYPES = ("context", "mechanism", "outcome")
COLUMNS = ["coder", "documents", "type", "precision", "recall", "f1", "tp", "fp", "fn", "sources"]


def _no_progress(items, **_):
    return items


def read_splits(path: Path) -> dict[str, list[str]]:
    """``{"development": [...], "held out": [...]}`` from a ``source,split`` CSV (split: development or held out)."""
    from ipe.errors import SourceError

    out: dict[str, list[str]] = {"development": [], "held out": []}
    with open(path, encoding="utf-8", newline="") as f:
        for line, row in enumerate(csv.DictReader(f), 2):
            split = (row.get("split") or "").strip().lower().replace("-", " ")
            if split not in out or not (row.get("source") or "").strip():
                raise SourceError(path, f"line {line}: needs a source and a split of 'development' or 'held out'")
            out[split].append(row["source"].strip())
    return out


def _present(store, items, codings, codes: set) -> set[tuple[int, str]]:
    return {(i, code) for i, pairs in enumerate(_passages.coded(store, items, codings)) for code, _ in pairs
            if code in codes}


def type_scores(store, codebook, coder_codings, gold_codings, sources: Sequence[str], coder: str,
                documents: str) -> list[dict]:
    """Rows of :data:`COLUMNS` per realist type and for all codes, comparing two sets of codings on ``sources``."""
    items = _passages.passages(store, sources=sources)
    codes = {c.id for c in codebook.codes if c.type != "theme"}
    mine = _present(store, items, [c for c in coder_codings if c.source_id in set(sources)], codes)
    gold = _present(store, items, [c for c in gold_codings if c.source_id in set(sources)], codes)
    type_of = {c.id: c.type for c in codebook.codes}
    rows = []
    for kind in REALIST_TYPES + ("all codes",):
        keep = (lambda code: type_of.get(code) == kind) if kind != "all codes" else (lambda code: True)
        a = {x for x in mine if keep(x[1])}
        g = {x for x in gold if keep(x[1])}
        tp, fp, fn = len(a & g), len(a - g), len(g - a)
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        rows.append({"coder": coder, "documents": documents, "type": kind, "precision": round(p, 3),
                     "recall": round(r, 3), "f1": round(f, 3), "tp": tp, "fp": fp, "fn": fn,
                     "sources": len(set(sources))})
    return rows


def cross_validated_codings(store, codebook, gold: str, development: Sequence[str], min_precision: float,
                            semantic: bool, suggest_coder: str, progress: Callable = _no_progress) -> list:
    """Codings the suggestion models would make on each development document when trained on the other ones."""
    from ipe.records import Coding
    from ipe.suggest import suggest

    made = []
    for doc in sorted(development):
        others = [d for d in development if d != doc]
        result = suggest(store, [gold], suggest_coder, min_precision, write=False, semantic=semantic,
                         sources=others, targets=[doc], progress=progress)
        made += [Coding(c.source_id, c.start, c.end, c.code_id, suggest_coder, quote=c.quote)
                 for c, _ in result.scored]
    return made


def compare(store, codebook, gold: str, second: Optional[str], splits: dict, suggested: list,
            cv_codings: Optional[list] = None, rules_coder: str = "auto") -> pd.DataFrame:
    """Rules, suggestions and a second human against ``gold``, per type.

    ``suggested`` are the codings the suggestion models score above threshold on the held-out documents, whether or
    not a human coded them (``SuggestResult.scored``); ``cv_codings`` the cross-validated ones on development.
    """
    from ipe.in_force import current_codings

    gold_codings = current_codings(store, coders=[gold])
    gold_docs = sorted({c.source_id for c in gold_codings})
    development = [s for s in splits.get("development", []) if s in gold_docs]
    held_out = [s for s in splits.get("held out", []) if s in gold_docs]
    rules = current_codings(store, coders=[rules_coder])
    rows = []
    for documents, docs in (("development", development), ("held out", held_out)):
        if not docs:
            continue
        rows += type_scores(store, codebook, rules, gold_codings, docs, "rules", documents)
        if documents == "development" and cv_codings is not None:
            rows += type_scores(store, codebook, cv_codings, gold_codings, docs, "suggestions (cross-validated)",
                                documents)
        elif documents == "held out":
            rows += type_scores(store, codebook, suggested, gold_codings, docs, "suggestions", documents)
        if second:
            second_codings = current_codings(store, coders=[second])
            both = [d for d in docs if d in {c.source_id for c in second_codings}]
            if both:
                rows += type_scores(store, codebook, second_codings, gold_codings, both, second, documents)
    return pd.DataFrame(rows, columns=COLUMNS)


SPLITS_FILE = "splits.csv"  # in a corpus's gold/ folder: which gold documents are development and which held out


def suggestion_stage(store, codebook, gold_dir: Path, human: Sequence[str], semantic: Optional[bool] = None,
                     min_precision: float = 0.7, progress: Callable = _no_progress):
    """``ipe run``'s suggestion stage: learn from the first gold coder's development documents, suggest in the
    rest, and compare rules, suggestions and the second coder with the first coder per type.

    Returns ``(SuggestResult, comparison table)``. Without ``gold/splits.csv`` every gold document is development
    and there is no held-out row.
    """
    from ipe import embeddings
    from ipe.suggest import SUGGEST_CODER, suggest
    from ipe.in_force import current_codings

    gold, second = human[0], (human[1] if len(human) > 1 else None)
    gold_docs = sorted({c.source_id for c in current_codings(store, coders=[gold])})
    path = Path(gold_dir) / SPLITS_FILE
    splits = read_splits(path) if path.is_file() else {"development": gold_docs, "held out": []}
    development = [d for d in splits["development"] if d in gold_docs]
    if semantic is None:
        semantic = embeddings.available()
    result = suggest(store, [gold], SUGGEST_CODER, min_precision, semantic=semantic, sources=development,
                     progress=progress)
    cv = cross_validated_codings(store, codebook, gold, development, min_precision, semantic, SUGGEST_CODER,
                                 progress) if len(development) >= 3 else None
    return result, compare(store, codebook, gold, second, splits, [c for c, _ in result.scored], cv)
