"""Suggestions that learn from the researcher: one classifier per code, trained on human coding, with a threshold
chosen by cross-validation over documents, written as codings with status "suggested".

Training sentences are those of the documents the named coders coded (a sentence is positive for a code when one of
their codings of it overlaps it, negative otherwise), plus their accept/reject reviews (a sentence judged for one
code only) and the codebook's examples (always training, never test). Each code's threshold is the lowest score at
which the cross-validated precision reaches ``min_precision``: cross-validation folds are whole documents, so no
document is ever scored by a model that saw it. Human codings are never changed; suggestions go to their own coder.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence

import numpy as np

from ipe import passages as _passages
from ipe.errors import IpeError, NotFound, ProjectError
from ipe.features import Example, Featurizer, rule_hits
from ipe.records import Coding

SUGGEST_CODER = "suggest"
MIN_POSITIVES = 4  # positive sentences a code needs to be learned
MIN_DOCUMENTS = 2  # documents with a positive sentence: cross-validation over documents needs two
FOLDS = 5
METHOD = "logistic regression per code (scikit-learn liblinear, balanced classes); threshold by document CV"
EXAMPLES_GROUP = "\x00codebook"  # the group of the codebook's examples: never a test fold


def _no_progress(items, **_):
    return items


@dataclass
class TrainingSet:
    """Sentences with their groups (source id) and, per code, the labelled rows: ``labels[code] = {row: 0 or 1}``."""

    examples: list
    groups: list
    spans: list  # (source, start, end) per row; None for codebook examples
    labels: dict
    vectors: Optional[np.ndarray] = None
    documents: tuple = ()  # the documents the coders coded that were used (reviewed-only documents are not here)

    def digest(self, codebook_hash: str) -> str:
        """The training-set hash: what was learned from, in a stable order."""
        rows = [[self.groups[i], self.spans[i], self.examples[i].text, code, y]
                for code in sorted(self.labels) for i, y in sorted(self.labels[code].items())]
        payload = json.dumps([codebook_hash, rows], ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CodeResult:
    code: str
    type: str
    positives: int
    negatives: int
    documents: int
    status: str  # "suggested" or "skipped"
    reason: str = ""
    threshold: Optional[float] = None
    cv_precision: Optional[float] = None
    cv_recall: Optional[float] = None
    suggestions: int = 0


@dataclass
class SuggestResult:
    coder: str
    trained_on: list
    features: tuple
    per_code: list = field(default_factory=list)
    written: int = 0
    model_hash: str = ""
    training_hash: str = ""
    note: str = ""
    rows: list = field(default_factory=list)  # (suggested coding, provenance), written or (with write=False) not
    scored: list = field(default_factory=list)  # rows plus the sentences above threshold a human already judged


def document_folds(groups: Sequence[str], k: int = FOLDS) -> list[tuple[np.ndarray, np.ndarray]]:
    """``(train rows, test rows)`` per fold: whole documents per fold, codebook examples always in training.

    Documents are dealt to ``min(k, documents)`` folds in sorted order, round robin, so folds are deterministic.
    """
    docs = sorted({g for g in groups if g != EXAMPLES_GROUP})
    n = min(k, len(docs))
    if n < 2:
        return []
    fold_of = {d: i % n for i, d in enumerate(docs)}
    groups = np.asarray(groups, dtype=object)
    folds = []
    for f in range(n):
        test = np.array([i for i, g in enumerate(groups) if g != EXAMPLES_GROUP and fold_of[g] == f], dtype=int)
        train = np.array([i for i, g in enumerate(groups) if g == EXAMPLES_GROUP or fold_of[g] != f], dtype=int)
        folds.append((train, test))
    return folds


def choose_threshold(scores: Sequence[float], labels: Sequence[int], min_precision: float) -> Optional[tuple]:
    """The lowest score threshold whose precision reaches ``min_precision``: ``(threshold, precision, recall)``.

    Taking the lowest such threshold keeps the most recall at the asked precision. None when no threshold with at
    least two true positives reaches it.

    >>> choose_threshold([0.9, 0.8, 0.7, 0.6, 0.2], [1, 1, 0, 1, 0], 0.7)
    (0.6, 0.75, 1.0)
    """
    scores = np.asarray(scores, dtype=float)
    labels = [int(y) for y in labels]
    total = sum(labels)
    if total == 0:
        return None
    order = np.lexsort((np.asarray(labels), -scores))  # high scores first; at equal scores negatives first (pessimistic)
    best = None
    tp = fp = 0
    for rank, i in enumerate(order):
        tp += labels[i]
        fp += 1 - labels[i]
        last_of_score = rank + 1 == len(order) or scores[order[rank + 1]] != scores[i]
        if last_of_score and tp >= 2 and tp / (tp + fp) >= min_precision:
            best = (round(float(scores[i]), 6), round(tp / (tp + fp), 3), round(tp / total, 3))
    return best


def best_precision(scores: Sequence[float], labels: Sequence[int]) -> float:
    """The highest precision any threshold with at least two true positives reaches (0 if none)."""
    found = [p for p in (choose_threshold(scores, labels, q / 100) for q in range(100, 0, -5)) if p]
    return found[0][1] if found else 0.0


def _classifier():
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=1.0, class_weight="balanced", solver="liblinear", max_iter=1000)


def _fit_scores(training: TrainingSet, codes: list, train_rows: np.ndarray, score_examples: list,
                score_vectors: Optional[np.ndarray]):
    """Fit features on ``train_rows`` and one model per code; return the fitted pieces and scores of new rows."""
    train_examples = [training.examples[i] for i in train_rows]
    featurizer = Featurizer(training.vectors is not None).fit(train_examples)
    x_train = featurizer.transform(train_examples, None if training.vectors is None else training.vectors[train_rows])
    x_score = featurizer.transform(score_examples, score_vectors) if score_examples else None
    position = {int(r): j for j, r in enumerate(train_rows)}
    models, scores = {}, {}
    for code in codes:
        rows = [(position[i], y) for i, y in sorted(training.labels[code].items()) if i in position]
        ys = [y for _, y in rows]
        if len(set(ys)) < 2:
            continue
        model = _classifier().fit(x_train[[j for j, _ in rows]], ys)
        models[code] = model
        if x_score is not None:
            scores[code] = model.predict_proba(x_score)[:, 1]
    return featurizer, models, scores


def cross_validate(training: TrainingSet, codes: list, k: int = FOLDS, progress: Callable = _no_progress) -> dict:
    """Out-of-fold scores per code: ``{code: {row: score}}`` for every labelled row of a document (not examples)."""
    out: dict[str, dict[int, float]] = {code: {} for code in codes}
    folds = document_folds(training.groups, k)
    for train, test in progress(folds, label="Cross-validating", length=len(folds)):
        tests = [int(i) for i in test]
        _, _, scores = _fit_scores(training, codes, train, [training.examples[i] for i in tests],
                                   None if training.vectors is None else training.vectors[tests])
        for code, s in scores.items():
            for i, value in zip(tests, s):
                if i in training.labels[code]:
                    out[code][i] = float(value)
    return out


def training_set(store, codebook, coders: Sequence[str], vectors: bool, progress: Callable = _no_progress,
                 sources: Optional[Sequence[str]] = None) -> TrainingSet:
    """The sentences the named coders judged, labelled per code (see the module docstring).

    ``sources`` limits the coded documents used (e.g. to development documents); reviews and examples still count.
    """
    kinds = store.coders()
    for coder in coders:
        if coder not in kinds:
            raise NotFound(f"unknown coder: {coder}")
        if kinds[coder] != "human":
            raise IpeError(f"'{coder}' is an auto-coder; suggestions learn from human coders only")
    from ipe.in_force import current_codings

    codings = current_codings(store, coders=list(coders))
    assigned = sorted({c.source_id for c in codings} & (set(sources) if sources is not None else {c.source_id for c in codings}))
    items = _passages.passages(store, sources=assigned)
    coded = _passages.coded(store, items, [c for c in codings if c.source_id in set(assigned)])
    codes = [c.id for c in codebook.codes if c.type != "theme"]
    labels: dict[str, dict[int, int]] = {code: {} for code in codes}
    for i, pairs in enumerate(coded):
        present = {k for k, _ in pairs}
        for code in codes:
            labels[code][i] = int(code in present)
    examples = [Example(p.text, p.question, p.role, agency=p.agency) for p in items]
    groups = [p.source_id for p in items]
    spans = [(p.source_id, p.start, p.end) for p in items]
    reviews = [r for r in store.reviews() if r[0] in set(coders) and r[5] in labels]
    judged = set(assigned)
    extra = _passages.passages(store, sources=sorted({r[2] for r in reviews} - judged)) if reviews else []
    extra_row: dict[int, int] = {}
    for _, _, sid, start, end, code, decision in reviews:
        if sid in judged:
            rows = _passages.locate(items, sid, start, end)
        else:
            rows = []
            for j in _passages.locate(extra, sid, start, end):
                if j not in extra_row:
                    p = extra[j]
                    extra_row[j] = len(examples)
                    examples.append(Example(p.text, p.question, p.role, agency=p.agency))
                    groups.append(p.source_id)
                    spans.append((p.source_id, p.start, p.end))
                rows.append(extra_row[j])
        for row in rows:
            labels[code][row] = int(decision == "accept")
    for code in codebook.codes:
        if code.id in labels:
            for text in code.examples:
                examples.append(Example(text))
                groups.append(EXAMPLES_GROUP)
                spans.append(None)
                labels[code.id][len(examples) - 1] = 1
    hits = rule_hits(codebook, examples)
    examples = [Example(e.text, e.question, e.role, h, e.agency) for e, h in zip(examples, hits)]
    matrix = None
    if vectors:
        from ipe.search import semantic_vectors

        matrix, _ = semantic_vectors(store, [e.text for e in examples], progress=progress)
    return TrainingSet(examples, groups, spans, labels, matrix, tuple(assigned))


def _counts(training: TrainingSet, code: str) -> tuple[int, int, int]:
    rows = training.labels[code]
    positives = [i for i, y in rows.items() if y and training.groups[i] != EXAMPLES_GROUP]
    negatives = sum(1 for y in rows.values() if not y)
    return len(positives), negatives, len({training.groups[i] for i in positives})


def suggest(store, coders: Sequence[str], coder: str = SUGGEST_CODER, min_precision: float = 0.7,
            write: bool = True, semantic: Optional[bool] = None, sources: Optional[Sequence[str]] = None,
            targets: Optional[Sequence[str]] = None, progress: Callable = _no_progress,
            actor: Optional[str] = None) -> SuggestResult:
    """Train per code on ``coders``' human coding and write suggestions for the documents they have not coded.

    Parameters
    ----------
    coders : the human coders to learn from.
    coder : the (auto) coder the suggestions are written as; never a human coder.
    min_precision : the cross-validated precision each code's threshold must reach; codes that cannot are skipped.
    write : False computes the report only (``ipe suggest --report``).
    semantic : use embeddings (default: when the extra is installed).
    sources : learn only from these of the coders' documents.
    targets : suggest only in these sources (default: every source the coders did not code).
    """
    from ipe import embeddings
    from ipe.project import current_codebook

    if not coders:
        raise IpeError("name at least one coder to learn from (--from CODER)")
    if not 0 < min_precision <= 1:
        raise IpeError(f"--min-precision must be in (0, 1], not {min_precision}")
    kinds = store.coders()
    if coder in coders or kinds.get(coder) == "human":
        raise ProjectError(f"'{coder}' is a human coder; suggestions are written as their own coder (--coder NAME)")
    version, cb = current_codebook(store)
    note = ""
    if semantic is None:
        semantic = embeddings.available()
        if not semantic:
            note = f"no embeddings: the optional extra {embeddings.EXTRA} is not installed"
    training = training_set(store, cb, coders, semantic, progress, sources)
    learnable, result = [], SuggestResult(coder, sorted(coders), (), note=note)
    skipped = {}
    for code in [c.id for c in cb.codes if c.id in training.labels]:
        positives, negatives, docs = _counts(training, code)
        if positives < MIN_POSITIVES or docs < MIN_DOCUMENTS:
            skipped[code] = (f"too few examples ({positives} sentences in {docs} documents; needs {MIN_POSITIVES} "
                             f"in {MIN_DOCUMENTS})")
        else:
            learnable.append(code)
    oof = cross_validate(training, learnable, progress=progress) if learnable else {}
    thresholds = {}
    for code in learnable:
        rows = sorted(oof[code])
        chosen = choose_threshold([oof[code][i] for i in rows], [training.labels[code][i] for i in rows],
                                  min_precision)
        if chosen is None:
            best = best_precision([oof[code][i] for i in rows], [training.labels[code][i] for i in rows])
            skipped[code] = f"cross-validated precision does not reach {min_precision:g} (best {best:g})"
        else:
            thresholds[code] = chosen
    done = set(training.documents)
    target_ids = sorted(targets) if targets is not None else [s for s in store.source_ids() if s not in done]
    items = _passages.passages(store, sources=target_ids) if thresholds else []
    featurizer, models, scores = None, {}, {}
    if thresholds:
        human = [n for n, k in kinds.items() if k == "human"]
        # Sentences a human coded with the code, or anyone already accepted or rejected for it, are not suggested.
        judged_codings = store.codings(coders=human, codes=sorted(thresholds)) if human else []
        judged_codings += [Coding(r[2], r[3], r[4], r[5], r[0]) for r in store.reviews() if r[5] in thresholds]
        already = _passages.coded(store, items, judged_codings)
        score_examples = [Example(p.text, p.question, p.role, agency=p.agency) for p in items]
        hits = rule_hits(cb, score_examples)
        score_examples = [Example(e.text, e.question, e.role, h, e.agency) for e, h in zip(score_examples, hits)]
        score_vectors = None
        if semantic:
            from ipe.search import semantic_vectors

            score_vectors, _ = semantic_vectors(store, [p.text for p in items], progress=progress)
        featurizer, models, scores = _fit_scores(training, sorted(thresholds), np.arange(len(training.examples)),
                                                 score_examples, score_vectors)
    result.features = featurizer.names if featurizer else Featurizer(bool(semantic)).names
    result.training_hash = training.digest(cb.content_hash)
    result.model_hash = _model_hash(featurizer, models, thresholds, embeddings.MODEL_SHA256 if semantic else "")
    rows: list[tuple[Coding, dict]] = []
    candidates: list[tuple[Coding, dict]] = []  # above threshold but already coded or judged by a human
    made: dict[str, int] = {}
    for code in sorted(thresholds):
        threshold = thresholds[code][0]
        for i, p in enumerate(items):
            score = float(scores[code][i])
            if score < threshold:
                continue
            judged = any(k == code for k, _ in already[i])
            if not judged:
                made[code] = made.get(code, 0) + 1
            (candidates if judged else rows).append((Coding(p.source_id, p.start, p.end, code, coder, provenance=f"suggest {score:.3f}",
                                codebook_version=version, quote=p.text, status="suggested"),
                         {"score": round(score, 6), "threshold": threshold, "method": METHOD,
                          "features": ",".join(result.features), "model_hash": result.model_hash,
                          "training_hash": result.training_hash}))
    rows.sort(key=lambda r: (r[0].source_id, r[0].start, r[0].end, r[0].code_id))
    result.rows = rows
    result.scored = sorted(rows + candidates, key=lambda r: (r[0].source_id, r[0].start, r[0].end, r[0].code_id))
    for code in [c.id for c in cb.codes if c.id in training.labels]:
        positives, negatives, docs = _counts(training, code)
        if positives == 0 and code not in thresholds:
            continue
        chosen = thresholds.get(code)
        result.per_code.append(CodeResult(
            code, cb.code(code).type, positives, negatives, docs, "suggested" if chosen else "skipped",
            skipped.get(code, ""), chosen[0] if chosen else None, chosen[1] if chosen else None,
            chosen[2] if chosen else None, made.get(code, 0)))
    if write:
        detail = {"coder": coder, "from": sorted(coders), "min_precision": min_precision, "suggestions": len(rows),
                  "model_hash": result.model_hash, "training_hash": result.training_hash}
        with store.transaction(actor, "suggest", detail) as tx:
            tx.ensure_coder(coder, "auto")
            result.written = tx.replace_suggestions(coder, rows)
            tx.set_meta(f"suggest-report:{coder}", json.dumps(
                {"coder": coder, "trained_on": result.trained_on, "features": list(result.features),
                 "model_hash": result.model_hash, "training_hash": result.training_hash, "note": result.note,
                 "written": result.written, "per_code": [r.__dict__ for r in result.per_code]}, sort_keys=True))
    return result


def last_report(store, coder: str = SUGGEST_CODER) -> SuggestResult:
    """The report of the last suggestions written as ``coder``."""
    text = store.get_meta(f"suggest-report:{coder}")
    if text is None:
        raise NotFound(f"no suggestions written as '{coder}' yet; run 'ipe suggest --from CODER' first")
    data = json.loads(text)
    return SuggestResult(data["coder"], data["trained_on"], tuple(data["features"]),
                         [CodeResult(**r) for r in data["per_code"]], data["written"], data["model_hash"],
                         data["training_hash"], data["note"])


def _model_hash(featurizer, models: dict, thresholds: dict, embedding_hash: str) -> str:
    digest = hashlib.sha256()
    digest.update(json.dumps([featurizer.state() if featurizer else None, embedding_hash], default=str).encode())
    for code in sorted(models):
        m = models[code]
        digest.update(code.encode())
        digest.update(np.round(m.coef_, 8).tobytes())
        digest.update(np.round(m.intercept_, 8).tobytes())
        digest.update(repr(thresholds.get(code)).encode())
    return digest.hexdigest()


def report_table(result: SuggestResult):
    """The per-code report as a DataFrame (``ipe suggest --report``)."""
    import pandas as pd

    columns = ["code", "type", "positives", "negatives", "documents", "status", "threshold", "cv_precision",
               "cv_recall", "suggestions", "reason"]
    return pd.DataFrame([{k: getattr(r, k) for k in columns} for r in result.per_code], columns=columns)
