"""A learning curve the team can see: how well suggestions learned from 1, 2, 4, ... coded documents find a coder's
codes in a document they have not seen, per realist type.

Leave-one-document-out: each of the coder's documents in turn is the test document; the models are trained on the
first n of the others (in a rotating order, so each test document gets different training documents) plus the
codebook's examples, and a sentence counts as suggested when its score reaches 0.5 (the classifiers weigh classes
as balanced, so 0.5 is where either error costs the same; ``ipe suggest`` then tunes each code's threshold).
"""

from __future__ import annotations

from typing import Callable, Optional, Sequence

import numpy as np
import pandas as pd

from ipe.suggest import EXAMPLES_GROUP, _fit_scores, training_set

REALIST_TYPES = ("context", "mechanism", "outcome")
CUT = 0.5


def _no_progress(items, **_):
    return items


def sizes_for(n_documents: int) -> list[int]:
    """1, 2, 4, ... up to and including every other document (``n_documents - 1``).

    >>> sizes_for(6)
    [1, 2, 4, 5]
    """
    top = n_documents - 1
    out, n = [], 1
    while n < top:
        out.append(n)
        n *= 2
    return out + [top] if top >= 1 else []


def learning_curve(store, coder: str, sizes: Optional[Sequence[int]] = None, semantic: Optional[bool] = None,
                   progress: Callable = _no_progress) -> pd.DataFrame:
    """Precision, recall and F1 per code type after training on n documents, pooled over test documents and codes.

    Rows come realist types first (context, mechanism, outcome), then the other types, then ``all``.
    """
    from ipe import embeddings
    from ipe.errors import IpeError
    from ipe.project import current_codebook

    _, cb = current_codebook(store)
    if semantic is None:
        semantic = embeddings.available()
    training = training_set(store, cb, [coder], semantic, progress)
    docs = sorted(training.documents)
    if len(docs) < 2:
        raise IpeError(f"coder '{coder}' coded {len(docs)} document(s); a learning curve needs at least two")
    sizes = sorted({n for n in (sizes or sizes_for(len(docs))) if 1 <= n < len(docs)})
    rows_of = {d: [i for i, g in enumerate(training.groups) if g == d] for d in docs}
    examples = [i for i, g in enumerate(training.groups) if g == EXAMPLES_GROUP]
    type_of = {c.id: c.type for c in cb.codes}
    codes = [c for c in training.labels if any(training.labels[c][i] for i in training.labels[c]
                                                if training.groups[i] != EXAMPLES_GROUP)]
    counts: dict[tuple[int, str], list[int]] = {}
    jobs = [(k, d, n) for k, d in enumerate(docs) for n in sizes]
    for k, test_doc, n in progress(jobs, label="Learning curve", length=len(jobs)):
        others = docs[k + 1:] + docs[:k]
        train = np.array(sorted(examples + [i for d in others[:n] for i in rows_of[d]]), dtype=int)
        test = rows_of[test_doc]
        _, _, scores = _fit_scores(training, codes, train, [training.examples[i] for i in test],
                                   None if training.vectors is None else training.vectors[test])
        for code in codes:
            predicted = scores.get(code, np.zeros(len(test))) >= CUT
            for j, i in enumerate(test):
                truth = training.labels[code].get(i)
                if truth is None:
                    continue
                cell = counts.setdefault((n, type_of.get(code, "")), [0, 0, 0])
                cell[0] += int(predicted[j] and truth)
                cell[1] += int(predicted[j] and not truth)
                cell[2] += int(truth and not predicted[j])
    types = [t for t in REALIST_TYPES if any(t == ty for _, ty in counts)]
    types += sorted({ty for _, ty in counts} - set(REALIST_TYPES))
    out = []
    for n in sizes:
        total = [0, 0, 0]
        for t in types + ["all"]:
            tp, fp, fn = total if t == "all" else counts.get((n, t), [0, 0, 0])
            if t != "all":
                total = [a + b for a, b in zip(total, (tp, fp, fn))]
            out.append(_row(t, n, tp, fp, fn, len(docs)))
    table = pd.DataFrame(out, columns=["type", "documents", "precision", "recall", "f1", "tp", "fp", "fn", "tests"])
    order = {t: i for i, t in enumerate(types + ["all"])}
    return table.sort_values(["type", "documents"], key=lambda s: s.map(order) if s.name == "type" else s,
                             kind="stable").reset_index(drop=True)


def _row(kind: str, n: int, tp: int, fp: int, fn: int, tests: int) -> dict:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"type": kind, "documents": n, "precision": round(precision, 3), "recall": round(recall, 3),
            "f1": round(f1, 3), "tp": tp, "fp": fp, "fn": fn, "tests": tests}
