"""Features of a sentence for the suggestion models: words, the question it answers, speaker role, the rule coder's
hits, negation, deficit and counterfactual cues, and (with the ``ipe[semantic]`` extra) its embedding.

A :class:`Featurizer` is fitted on training sentences only, so cross-validation never lets a held-out document's
vocabulary into the model that scores it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np
from scipy import sparse

from ipe.tfidf import Tfidf

# Cue families a realist coder reads for: an outcome that did not happen, a lack, or a wish or a "should have".
CUES = {
    "negation": r"\b(?:not|no|never|nobody|nothing|none|neither|nor|without|n't|cannot|wasn't|weren't|didn't|"
                r"don't|doesn't|hadn't|haven't|hasn't|couldn't|wouldn't|isn't|aren't)\b|n't\b",
    "deficit": r"\b(?:lack(?:s|ed|ing)?|gaps?|miss(?:ed|ing)?|short of|too (?:few|little|late|slow)|delay(?:s|ed)?|"
               r"fail(?:s|ed|ing)?|struggl\w*|barriers?|problems?|difficult\w*|limited|only)\b",
    "counterfactual": r"\b(?:would have|could have|should have|might have|needed to be|need(?:s|ed)? to|wish\w*|"
                      r"if only|ought to|would be|if we had|were more)\b",
    "hedge": r"\b(?:maybe|perhaps|sometimes|probably|i think|i suppose|sort of|kind of)\b",
    "we": r"\b(?:we|us|our|together|everybody|everyone|all of us|the hub|the mash|agencies|partners)\b",
    "parent": r"\b(?:mum|mom|dad|mother|father|parents?|family|families|carers?|me|my)\b",
}
_CUES = {name: re.compile(pattern, re.IGNORECASE) for name, pattern in CUES.items()}
FEATURE_NAMES = ("ngrams", "question", "role", "rules", "cues")


def cue_counts(text: str) -> dict[str, int]:
    """How often each cue family occurs in ``text``.

    >>> cue_counts("We didn't share it in time; we should have.")["negation"], cue_counts("We should have.")["counterfactual"]
    (1, 1)
    """
    return {name: len(pattern.findall(text)) for name, pattern in _CUES.items()}


@dataclass(frozen=True)
class Example:
    """One training or scoring row: a sentence with its context."""

    text: str
    question: str = ""
    role: str = ""
    rules: tuple = ()  # codes the rule coder fired on the sentence
    agency: str = ""  # for rules restricted by actor; not a feature of its own


def rule_hits(codebook, examples: Sequence[Example]) -> list[tuple]:
    """For each example, the code ids the codebook's rules fire on it (sentence by sentence, sorted).

    Its role and agency are the speaker, for rules restricted by actor; an example without a role (a codebook's
    own example sentence) has an unknown speaker.
    """
    from ipe.coding import SPANS_KEY, Speaker, code_turns, coding_pipeline

    nlp = coding_pipeline(codebook)
    items = ((e.text, Speaker(e.role or None, e.agency or None) if e.role else None) for e in examples)
    return [tuple(sorted({code for _, _, code, _ in hits}))
            for _, hits in code_turns(nlp, items, speaker=lambda speaker: speaker)]


class Featurizer:
    """Turns examples into one sparse matrix; ``vectors`` (embeddings, one row per example) are appended when given."""

    def __init__(self, semantic: bool):
        self.semantic = semantic

    @property
    def names(self) -> tuple:
        return FEATURE_NAMES + (("embeddings",) if self.semantic else ())

    def fit(self, examples: Sequence[Example]) -> "Featurizer":
        from sklearn.feature_extraction import DictVectorizer

        from ipe.search import lemma_analyzer

        analyse = lemma_analyzer()
        self.words = Tfidf(analyse)
        self.words.fit([e.text for e in examples])
        self.questions = Tfidf(analyse)
        asked = [e.question for e in examples if e.question.strip()]
        self.questions.fit(asked or ["(no question)"])
        self.context = DictVectorizer(sort=True)
        self.context.fit([self._context(e) for e in examples])
        return self

    @staticmethod
    def _context(e: Example) -> dict:
        out = {f"role={e.role or '?'}": 1.0}
        out.update({f"rule={c}": 1.0 for c in e.rules})
        out.update({f"cue={k}": min(v, 3) / 3 for k, v in cue_counts(e.text).items()})
        return out

    def transform(self, examples: Sequence[Example], vectors: Optional[np.ndarray] = None):
        blocks = [
            self.words.transform([e.text for e in examples]),
            0.5 * self.questions.transform([e.question for e in examples]),
            self.context.transform([self._context(e) for e in examples]),
        ]
        if self.semantic:
            blocks.append(sparse.csr_matrix(vectors))
        return sparse.hstack(blocks, format="csr")

    def state(self) -> list:
        """What the fitted features are, for the model hash."""
        return [sorted(self.words.vocabulary_.items()), sorted(self.questions.vocabulary_.items()),
                list(self.context.feature_names_), self.semantic]
