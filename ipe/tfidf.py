"""TF-IDF weighting of texts for lexical search and the suggester's word features.

The weighting is scikit-learn's ``TfidfVectorizer(analyzer=..., sublinear_tf=True)`` (smoothed idf, rows scaled
to unit length), worked out here over NumPy and SciPy's sparse matrices so that the first search in a process
does not pay for importing scikit-learn, which pulls in ``scipy.stats`` (about 1.4 s, longer than the search).
A test holds the two to the same vocabulary and the same numbers.
"""

from __future__ import annotations

from typing import Callable, Iterable

import numpy as np
from scipy import sparse

__all__ = ["Tfidf"]


class Tfidf:
    """Term weights ``(1 + ln tf) * (1 + ln((1 + n) / (1 + df)))``, each row scaled to unit length.

    Parameters
    ----------
    analyzer : callable
        Text to its list of terms (words, word pairs, ...).

    Examples
    --------
    >>> tfidf = Tfidf(str.split).fit(["consent was sought", "consent was not sought", "no consent"])
    >>> sorted(tfidf.vocabulary_)
    ['consent', 'no', 'not', 'sought', 'was']
    >>> row = tfidf.transform(["consent sought sought"]).toarray()[0]
    >>> [round(float(w), 3) for w in row]
    [0.417, 0.0, 0.0, 0.909, 0.0]
    """

    def __init__(self, analyzer: Callable[[str], list]):
        self.analyzer = analyzer
        self.vocabulary_: dict[str, int] = {}
        self.idf_ = np.zeros(0)

    def fit(self, texts: Iterable[str]) -> "Tfidf":
        """Learn the vocabulary (sorted terms) and each term's idf from ``texts``."""
        self.fit_transform(texts)
        return self

    def fit_transform(self, texts: Iterable[str]) -> sparse.csr_matrix:
        """:meth:`fit` on ``texts`` and return their weights."""
        terms = [self.analyzer(t) for t in texts]
        # Counted with terms numbered as first seen, then renumbered in sorted order, as scikit-learn does: each
        # row's entries keep that order, and so every row's length sums its squares in the same order, to the bit.
        self.vocabulary_ = {}
        for words in terms:
            for w in words:
                self.vocabulary_.setdefault(w, len(self.vocabulary_))
        counts = self._counts(terms)
        ordered = sorted(self.vocabulary_)
        renumber = np.empty(len(ordered), dtype=np.int64)
        renumber[[self.vocabulary_[w] for w in ordered]] = np.arange(len(ordered))
        counts = sparse.csr_matrix((counts.data, renumber[counts.indices], counts.indptr), shape=counts.shape)
        self.vocabulary_ = {w: i for i, w in enumerate(ordered)}
        df = np.bincount(counts.indices, minlength=len(self.vocabulary_))
        n = counts.shape[0]
        self.idf_ = np.log((1 + n) / (1 + df)) + 1.0
        return self._weigh(counts)

    def transform(self, texts: Iterable[str]) -> sparse.csr_matrix:
        """Weights of ``texts`` over the fitted vocabulary (terms not in it are left out)."""
        return self._weigh(self._counts([self.analyzer(t) for t in texts]))

    def _counts(self, terms: list[list]) -> sparse.csr_matrix:
        vocabulary, indices, indptr = self.vocabulary_, [], [0]
        for words in terms:
            indices.extend(vocabulary[w] for w in words if w in vocabulary)
            indptr.append(len(indices))
        counts = sparse.csr_matrix((np.ones(len(indices), dtype=np.int64), np.asarray(indices, dtype=np.int64),
                                    np.asarray(indptr, dtype=np.int64)), shape=(len(terms), len(vocabulary)))
        counts.sum_duplicates()  # one entry per (text, term), indices sorted
        return counts

    def _weigh(self, counts: sparse.csr_matrix) -> sparse.csr_matrix:
        # Built anew rather than with astype, which would sort the renumbered entries of each row.
        weights = sparse.csr_matrix((counts.data.astype(np.float64), counts.indices, counts.indptr), shape=counts.shape)
        weights.data = np.log(weights.data) + 1.0
        weights.data *= self.idf_[weights.indices]
        rows = np.repeat(np.arange(weights.shape[0]), np.diff(weights.indptr))
        lengths = np.sqrt(np.bincount(rows, weights=weights.data ** 2, minlength=weights.shape[0]))
        weights.data /= lengths[rows]
        return weights
