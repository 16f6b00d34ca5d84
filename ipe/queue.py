"""The review queue: which machine codings a reviewer should judge first, so each decision teaches the most.

Suggestions carry a score and their code's threshold; the most uncertain are those whose score is nearest the
threshold on the log-odds scale, where one accept or reject moves the next model most. Rule codings carry no score;
among them, codes with the fewest decisions so far come first, then codes whose acceptance rate so far is nearest
one half (a rule that is always accepted or always rejected teaches little more). Ties keep text order.
"""

from __future__ import annotations

import math

import pandas as pd

ORDERS = ("text", "uncertain")


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def review_queue(store, codebook, coder: str, order: str = "text") -> pd.DataFrame:
    """The review sheet of ``coder`` (its suggestions if it has any, else its codings), in the given order.

    Suggestion sheets add ``score`` and ``threshold`` columns; ``--order uncertain`` adds ``uncertainty`` (the
    distance from the threshold in log-odds, smaller first) for suggestions.
    """
    from ipe.tables import review_sheet

    if order not in ORDERS:
        raise ValueError(f"unknown order '{order}'")
    scored = {(c.source_id, c.start, c.end, c.code_id): p for c, p in store.suggestions(coder)}
    sheet = review_sheet(store, codebook, coder, status="suggested" if scored else "ok")
    keys = list(zip(sheet.source, sheet.start, sheet.end, sheet.code))
    if scored:
        sheet.insert(len(sheet.columns) - 1, "score", [scored[k]["score"] for k in keys])
        sheet.insert(len(sheet.columns) - 1, "threshold", [scored[k]["threshold"] for k in keys])
    if order == "text" or sheet.empty:
        return sheet.reset_index(drop=True)
    if scored:
        margin = [round(abs(_logit(s) - _logit(t)), 6) for s, t in zip(sheet.score, sheet.threshold)]
        sheet.insert(len(sheet.columns) - 1, "uncertainty", margin)
        keys_sorted = sorted(range(len(sheet)), key=lambda i: (margin[i], i))
    else:
        decided: dict[str, list[int]] = {}
        for r in store.reviews(coder):
            decided.setdefault(r[5], []).append(int(r[6] == "accept"))
        def rank(i: int):
            votes = decided.get(sheet.code.iloc[i], [])
            rate = sum(votes) / len(votes) if votes else 0.5
            return (len(votes), round(abs(rate - 0.5), 6), i)
        keys_sorted = sorted(range(len(sheet)), key=rank)
    return sheet.iloc[keys_sorted].reset_index(drop=True)
