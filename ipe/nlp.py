"""The spaCy pipeline ipe uses: blank English, a sentencizer and a lookup lemmatiser; never a download."""

from __future__ import annotations

import functools
from typing import Optional

import spacy
from spacy.language import Language
from spacy.pipeline import Lemmatizer

from ipe.errors import IpeError


class LowerLookupLemmatizer(Lemmatizer):
    """spaCy's lookup lemmatiser, looked up by the lower-cased form.

    The stock lookup is case-sensitive ("Shared" stays "Shared" at the start of a sentence), which would make
    lemma rules miss sentence-initial words; transcripts capitalise unpredictably.
    """

    def lookup_lemmatize(self, token):
        table = self.lookups.get_table("lemma_lookup")
        lower = token.lower_
        return [table.get(lower, lower)]


@Language.factory(
    "ipe_lemmatizer",
    assigns=["token.lemma"],
    default_config={"model": None, "mode": "lookup", "overwrite": True},
)
def make_ipe_lemmatizer(nlp: Language, name: str, model, mode: str, overwrite: bool):
    return LowerLookupLemmatizer(nlp.vocab, model, name, mode=mode, overwrite=overwrite)


def blank_pipeline(lemmas: bool = True) -> Language:
    """Blank English with a sentencizer and (optionally) the lower-casing lookup lemmatiser."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    if lemmas:
        nlp.add_pipe("ipe_lemmatizer")
        try:
            nlp.initialize()
        except Exception as exc:  # spacy-lookups-data missing or broken
            raise IpeError(f"cannot load the lemma lookup tables (is spacy-lookups-data installed?): {exc}") from exc
    return nlp


def installed_pipeline(name: str) -> Language:
    """An installed spaCy pipeline by package name or path, given sentence boundaries and lemmas if it lacks them."""
    try:
        nlp = spacy.load(name)
    except OSError as exc:
        raise IpeError(f"spaCy pipeline '{name}' is not installed (ipe never downloads models)") from exc
    if not ({"parser", "senter", "sentencizer"} & set(nlp.pipe_names)):
        nlp.add_pipe("sentencizer", first=True)
    if "lemmatizer" not in nlp.pipe_names:
        nlp.add_pipe("ipe_lemmatizer")
        nlp.get_pipe("ipe_lemmatizer").initialize()
    return nlp


@functools.lru_cache(maxsize=4)
def pipeline(model: Optional[str] = None, lemmas: bool = True) -> Language:
    """The pipeline for ``model`` (None: the blank English one), built once per process."""
    return installed_pipeline(model) if model else blank_pipeline(lemmas=lemmas)

