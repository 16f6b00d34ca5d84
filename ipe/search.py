"""Semantic search over a project's sentences: "find text like this", "more like this coding", "more of this code".

Each sentence is scored by cosine similarity of sentence embeddings (with the ``ipe[semantic]`` extra) combined
with a lexical match (TF-IDF over lemmatised words and word pairs), ranked, and returned with its source, case,
speaker, role, turn and ``source:start-end`` reference. Sentences already coded by a human with the code being
looked for are left out, so the list holds only what is still to code. Without the extra, search is lexical only
and says so.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

from ipe import passages as _passages
from ipe.errors import IpeError, NotFound
from ipe.tfidf import Tfidf

SEMANTIC_WEIGHT = 0.7  # share of the embedding similarity in the combined score; the rest is the lexical match
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?|\d+")


@dataclass(frozen=True)
class Hit:
    rank: int
    score: float
    ref: str
    source: str
    case: str
    speaker: str
    role: str
    turn: int
    text: str
    semantic: Optional[float] = None
    lexical: float = 0.0
    nearest_code: str = ""


@dataclass
class SearchResult:
    hits: list
    mode: str  # "semantic+lexical" or "lexical"
    note: str = ""  # why search fell back to lexical only, if it did
    excluded: int = 0  # sentences left out because they are already coded with the code
    query: dict = field(default_factory=dict)


def _no_progress(items, **_):
    return items


def lemma_analyzer():
    """A word analyzer for TF-IDF (:class:`ipe.tfidf.Tfidf`): lower-cased lookup lemmas without stop words, then
    word pairs. The lemmas and stop words are those of the pipeline the coder runs (:func:`ipe.nlp.pipeline`)."""
    from ipe.nlp import pipeline

    nlp = pipeline()
    table = nlp.get_pipe("ipe_lemmatizer").lookups.get_table("lemma_lookup")
    # Negations are meaning in this material ("not told"), so they stay although English stop lists drop them.
    stop = set(nlp.Defaults.stop_words) - {"not", "no", "nobody", "never", "nothing", "without", "none"}

    memo: dict[str, str] = {}

    def lemma(word: str) -> str:
        found = memo.get(word)
        if found is None:
            found = memo[word] = table.get(word, word)
        return found

    def analyse(text: str) -> list[str]:
        words = [lemma(w) for w in _WORD.findall(text.lower().replace("’", "'"))]
        words = [w for w in words if w not in stop and len(w) > 1]
        return words + [f"{a} {b}" for a, b in zip(words, words[1:])]

    return analyse


def lexical_matrix(texts: list[str]):
    """A fitted TF-IDF weighting and the L2-normalised matrix of ``texts``."""
    vectorizer = Tfidf(lemma_analyzer())
    return vectorizer, vectorizer.fit_transform(texts)


def semantic_vectors(store, texts: list[str], progress: Callable = _no_progress) -> tuple[Optional[np.ndarray], str]:
    """Embeddings of ``texts`` (cached in the store), or ``(None, reason)`` when the extra is not installed.

    A model file that fails its hash check is an error, never a silent fallback.
    """
    from ipe import embeddings

    if not embeddings.available():
        try:
            embeddings.model_dir()
        except embeddings.SemanticUnavailable as exc:
            return None, str(exc)
        return None, f"semantic features need the optional extra {embeddings.EXTRA} (sentence-transformers is not installed)"
    try:
        return embeddings.embed(store, texts, progress=progress), ""
    except embeddings.SemanticUnavailable as exc:
        return None, str(exc)


def search(store, text: Optional[str] = None, like: Optional[int] = None, code: Optional[str] = None,
           types: tuple = (), case: Optional[str] = None, limit: int = 20, lexical_only: bool = False,
           progress: Callable = _no_progress) -> SearchResult:
    """The sentences of the project nearest a query, best first.

    Parameters
    ----------
    text : a query in words ("parents not told their information was shared").
    like : a coding id: its quote is the query and its code's human-coded sentences are left out ("more like this").
    code : a code id: with ``text``, leave out sentences already coded with it; alone, all of the code's human
        codings are the query (each sentence scores its similarity to the nearest of them).
    types : realist types (``outcome``, ...): leave out sentences humans coded with a code of these types, and
        name for each hit the nearest code of these types (by its human codings, description and examples).
    case : only sentences of this case.
    lexical_only : skip embeddings even when the extra is installed.
    """
    from ipe.project import current_codebook

    if text is not None and like is not None:
        raise IpeError("give a query text or --like CODING_ID, not both")
    if text is None and like is None and code is None:
        raise IpeError("give a query text, --like CODING_ID, or --code ID")
    _, cb = current_codebook(store)
    kinds = store.coders()
    human = [name for name, kind in kinds.items() if kind == "human"]
    items = _passages.passages(store, case=case)
    queries: list[str] = []
    own: set[int] = set()
    if like is not None:
        found = [c for c in store.codings(status=None) if c.id == like]
        if not found:
            raise NotFound(f"no coding {like} in the project")
        coding = found[0]
        code = coding.code_id
        queries = [coding.quote]
        own = set(_passages.locate(items, coding.source_id, coding.start, coding.end))
    elif text is not None:
        if not text.strip():
            raise IpeError("the query text is empty")
        queries = [text]
    if code is not None and code not in cb.by_id:
        raise NotFound(f"no code '{code}' in the project's codebook")
    type_codes = [c.id for c in cb.codes if c.type in set(types)]
    looked_for = ({code} if code else set()) | set(type_codes)
    human_codings = store.codings(coders=human, codes=sorted(looked_for)) if looked_for and human else []
    coded = _passages.coded(store, items, human_codings)
    if code is not None and not queries:
        queries = [c.quote for c in human_codings if c.code_id == code]
        if not queries:
            raise NotFound(f"code '{code}' has no human codings to search from; give a query text")
    excluded = {i for i, pairs in enumerate(coded) if any(k in looked_for for k, _ in pairs)} | own
    mode, note, sem = "lexical", "", None
    lex = np.zeros(len(items))
    if items:
        index = _index(store, items, not lexical_only, progress)
        if index.vectors is not None:
            mode = "semantic+lexical"
            query, _ = semantic_vectors(store, queries, progress=progress)
            sem = (index.vectors @ query.T).max(axis=1)
        note = index.note
        lex = (index.matrix @ index.vectorizer.transform(queries).T).toarray().max(axis=1)
    score = lex if sem is None else SEMANTIC_WEIGHT * sem + (1 - SEMANTIC_WEIGHT) * lex
    hints = _nearest_codes(store, cb, type_codes, items, human_codings, sem is not None, progress) if type_codes else None
    order = sorted((i for i in range(len(items)) if i not in excluded), key=lambda i: (-round(float(score[i]), 6), i))
    hits = []
    for rank, i in enumerate(order[:limit], 1):
        p = items[i]
        hits.append(Hit(rank, round(float(score[i]), 4), p.ref, p.source_id, p.case, p.speaker, p.role, p.turn,
                        " ".join(p.text.split()), None if sem is None else round(float(sem[i]), 4),
                        round(float(lex[i]), 4), hints[i] if hints else ""))
    return SearchResult(hits, mode, note, len(excluded), {"text": text, "like": like, "code": code,
                                                          "types": list(types), "case": case})


@dataclass
class _Index:
    """What every query over the same sentences shares: the fitted TF-IDF, its matrix and the embedding matrix."""

    key: tuple
    vectorizer: object
    matrix: object
    vectors: Optional[np.ndarray]
    note: str


_LAST: Optional[_Index] = None  # the last index built in this process (the workbench asks many queries of one project)


def _index(store, items, semantic: bool, progress: Callable) -> _Index:
    """The search index of ``items``, rebuilt only when the sentences (or the choice of embeddings) changed.

    The key is a hash of every sentence's reference and text, so an edited, added or removed source makes a new
    index; queries then cost one TF-IDF transform, one embedding and a matrix product over the preloaded matrix.
    """
    global _LAST
    digest = hashlib.sha256()
    for p in items:
        digest.update(f"{p.ref}\x00{p.text}\x01".encode("utf-8"))
    from ipe import embeddings

    key = (str(getattr(store, "path", "")), digest.hexdigest(), semantic and embeddings.available())
    if _LAST is not None and _LAST.key == key:
        return _LAST
    texts = [p.text for p in items]
    vectors, note = semantic_vectors(store, texts, progress=progress) if semantic else (None, "")
    vectorizer, matrix = lexical_matrix(texts)
    _LAST = _Index(key, vectorizer, matrix, vectors, note)
    return _LAST


def more_like_this(store, coding_id: int, limit: int = 20, progress: Callable = _no_progress) -> SearchResult:
    """The sentences nearest a coding's quote that no human has coded with its code yet (the workbench's button).

    ``[(h.ref, h.score) for h in more_like_this(store, 42).hits]`` lists the references to show beside coding 42.
    """
    return search(store, like=coding_id, limit=limit, progress=progress)


def _nearest_codes(store, cb, code_ids, items, human_codings, semantic: bool, progress) -> list[str]:
    """For each passage, the code among ``code_ids`` whose descriptions, examples and human codings are nearest."""
    labels, texts = [], []
    for cid in code_ids:
        c = cb.code(cid)
        for t in [f"{c.name}. {c.description}", *c.examples, *(x.quote for x in human_codings if x.code_id == cid)]:
            if t.strip():
                labels.append(cid)
                texts.append(t)
    if not texts:
        return [""] * len(items)
    corpus = [p.text for p in items]
    if semantic:
        vectors, _ = semantic_vectors(store, corpus + texts, progress=progress)
        sims = vectors[: len(corpus)] @ vectors[len(corpus):].T
    else:
        vectorizer, matrix = lexical_matrix(corpus + texts)
        sims = (matrix[: len(corpus)] @ matrix[len(corpus):].T).toarray()
    best = sims.argmax(axis=1)
    return [labels[j] for j in best]
