"""TF-IDF weighting: the same vocabulary and the same numbers, to the bit, as scikit-learn's TfidfVectorizer."""

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from ipe.search import lemma_analyzer
from ipe.tfidf import Tfidf

TEXTS = [
    "Consent was not sought before the strategy meeting.",
    "We didn't tell the parents; consent wasn't asked for, and health weren't at the meeting.",
    "The police shared the record straight away, health shared it the next day.",
    "Nobody from education came.",
    "",
    "meeting meeting meeting consent",
]


def same(ours, theirs):
    return (np.array_equal(ours.indptr, theirs.indptr) and np.array_equal(ours.indices, theirs.indices)
            and np.array_equal(ours.data, theirs.data))


@pytest.mark.parametrize("analyzer", [str.split, lemma_analyzer()], ids=["words", "lemmas and pairs"])
def test_weights_match_scikit_learn_exactly(analyzer, transcripts):
    texts = TEXTS + [p.read_text(encoding="utf-8") for p in sorted(transcripts.glob("*.txt"))]
    ours, theirs = Tfidf(analyzer), TfidfVectorizer(analyzer=analyzer, sublinear_tf=True, min_df=1)
    assert same(ours.fit_transform(texts), theirs.fit_transform(texts))
    assert ours.vocabulary_ == theirs.vocabulary_
    assert np.array_equal(ours.idf_, theirs.idf_)
    queries = ["consent from parents at the meeting", "words the vocabulary never saw", "", TEXTS[1]]
    assert same(ours.transform(queries), theirs.transform(queries))


def test_texts_of_unknown_or_no_words_weigh_nothing():
    tfidf = Tfidf(str.split).fit(["a b", "b c"])
    weights = tfidf.transform(["", "zzz", "c c"])
    assert weights.shape == (3, 3)
    assert weights.toarray().tolist() == [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
