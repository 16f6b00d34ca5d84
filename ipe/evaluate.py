"""Accuracy of an auto-coder against a human gold coding: precision, recall and F1 per code, micro and macro.

The macro average is over the codes the gold coder used (support above 0): a code only the machine used has no
recall to average, and counting its precision of 0 would punish the coder for the gold coder's choice of codes.
Such codes keep their own rows (their false positives are in the micro figures) and are named by
:func:`machine_only`.
"""

from __future__ import annotations

from typing import Optional

import pandas as pd

from ipe.errors import NotFound

from ipe.units import corpus_presence


def gold_sources(store, gold: str) -> list[str]:
    """The sources a gold coder coded: only these are compared (the rest were never in the gold coder's assignment)."""
    return sorted({c.source_id for c in store.codings(coders=[gold])})


def evaluate(store, auto: str, gold: str, unit: str = "sentence", codes: Optional[list[str]] = None,
             sources: Optional[list[str]] = None) -> pd.DataFrame:
    """Precision, recall and F1 of ``auto`` against ``gold`` per code, then ``micro`` and ``macro`` rows.

    ``sources`` limits the comparison to some of the gold coder's sources (e.g. a held-out set). A unit is a true
    positive for a code when both coders coded it with that code. Interviewer turns are left out,
    as auto-coding leaves them out. Codes neither coder used in the compared sources are not listed; the macro row
    averages the codes with gold support only (see the module docstring).
    """
    from ipe.project import current_codebook

    known = store.coders()
    missing = [c for c in (auto, gold) if c not in known]
    if missing:
        raise NotFound(f"unknown coder{'s' if len(missing) > 1 else ''}: {', '.join(missing)}")
    coded = gold_sources(store, gold)
    sources = [s for s in coded if s in set(sources)] if sources else coded
    _, cb = current_codebook(store)
    wanted = set(codes) if codes else {c.id for c in cb.codes}
    _, _, present, _ = corpus_presence(store, [auto, gold], unit, sources, wanted)
    auto_set = {(u, code) for u, code, coder in present if coder == auto}
    gold_set = {(u, code) for u, code, coder in present if coder == gold}
    rows = []
    for code in [c.id for c in cb.codes if c.id in wanted]:
        a = {u for u, k in auto_set if k == code}
        g = {u for u, k in gold_set if k == code}
        if not a and not g:
            continue
        rows.append(_scores(code, len(a & g), len(a - g), len(g - a)))
    columns = ["code", "tp", "fp", "fn", "precision", "recall", "f1", "support"]
    table = pd.DataFrame(rows, columns=columns)
    if table.empty:
        return table
    micro = _scores("micro", int(table.tp.sum()), int(table.fp.sum()), int(table.fn.sum()))
    supported = table[table.support > 0]
    macro = {"code": "macro", "tp": int(supported.tp.sum()), "fp": int(supported.fp.sum()),
             "fn": int(supported.fn.sum()), "precision": supported.precision.mean(),
             "recall": supported.recall.mean(), "f1": supported.f1.mean(), "support": micro["support"]}
    return pd.concat([table, pd.DataFrame([micro, macro])], ignore_index=True)


def machine_only(table: pd.DataFrame) -> list[str]:
    """The codes of an :func:`evaluate` table the auto-coder used and the gold coder never did (left out of the
    macro average).

    >>> table = pd.DataFrame({"code": ["a", "b", "micro", "macro"], "support": [2, 0, 2, 2]})
    >>> machine_only(table)
    ['b']
    """
    rows = table[~table.code.isin(["micro", "macro"])]
    return list(rows.code[rows.support == 0])


def machine_only_line(table: pd.DataFrame) -> str:
    """One line for people naming the codes :func:`machine_only` finds, or "" when there are none.

    >>> machine_only_line(pd.DataFrame({"code": ["a", "b", "macro"], "support": [0, 0, 0]}))
    'Coded by the machine but never by the gold coder (not in the macro average): 2 codes: a, b'
    """
    codes = machine_only(table)
    if not codes:
        return ""
    return (f"Coded by the machine but never by the gold coder (not in the macro average): {len(codes)} "
            f"code{'s' if len(codes) != 1 else ''}: {', '.join(codes)}")


def _scores(code: str, tp: int, fp: int, fn: int) -> dict:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"code": code, "tp": tp, "fp": fp, "fn": fn, "precision": round(precision, 3), "recall": round(recall, 3),
            "f1": round(f1, 3), "support": tp + fn}
