"""Token patterns matched over a Doc's arrays give exactly spaCy's Matcher matches; cues and sentences agree."""

import pytest
from spacy.matcher import Matcher

from ipe.nlp import blank_pipeline
from ipe.patterns import DocArrays, required_values, simple_pattern

TEXTS = [
    "We share information with the police every morning, and we shared it again.",
    "Share. Share information. Information share share info",
    "They did not get the police to the meeting; we got health and the police there by 9.",
    "Nobody shared 3 reports with us, never the police.",
    "",
    "share",
]

PATTERNS = [
    [{"LEMMA": "share"}, {"OP": "?"}, {"LOWER": {"IN": ["info", "information"]}}],
    [{"LOWER": {"IN": ["every", "each"]}}, {"LOWER": {"IN": ["morning", "day"]}}, {"OP": "?"}],
    [{"OP": "?"}, {"LEMMA": {"IN": ["get", "bring"]}}, {"OP": "?"}, {"OP": "?"}, {"LOWER": "police"}],
    [{"LOWER": {"IN": ["not", "never"]}, "OP": "!"}, {"LEMMA": "share"}],
    [{"LIKE_NUM": True}, {"LOWER": "reports"}],
    [{"LOWER": "share"}, {"OP": "?"}],
    [{"ORTH": "Share"}, {"OP": "!"}],
    [{"TEXT": "police"}, {"OP": "?"}, {"OP": "?"}],
]


@pytest.fixture(scope="module")
def nlp():
    return blank_pipeline()


@pytest.mark.parametrize("pattern", PATTERNS, ids=[str(i) for i in range(len(PATTERNS))])
def test_simple_pattern_matches_what_spacys_matcher_matches(nlp, pattern):
    matcher = Matcher(nlp.vocab, validate=True)
    matcher.add("p", [pattern])
    simple = simple_pattern(pattern, nlp.vocab.strings)
    assert simple is not None
    for doc in nlp.pipe(TEXTS):
        expected = {(start, end) for _, start, end in matcher(doc)}
        arrays = DocArrays(doc, ("LOWER", "LEMMA", "ORTH", "LIKE_NUM"))
        assert set(simple.matches(arrays, None, [])) <= expected
        everywhere = {(s, e) for s in range(len(doc)) for e in simple.ends(arrays, s)}
        assert everywhere == expected, doc.text
        needs = required_values(pattern)
        if needs:
            attr, values = needs[0]
            column = {"TEXT": "ORTH"}.get(attr, attr)
            anchor = (column, frozenset(nlp.vocab.strings.add(v) for v in values))
            arrays.present.setdefault(column, set(arrays.columns[column]))
            found = set(simple.matches(arrays, anchor, arrays.where(*anchor)))
            assert found == expected, doc.text


def test_patterns_with_other_operators_or_attributes_are_left_to_spacy(nlp):
    assert simple_pattern([{"LOWER": "share"}, {"OP": "*"}], nlp.vocab.strings) is None
    assert simple_pattern([{"POS": "NOUN"}], nlp.vocab.strings) is None
    assert simple_pattern([{"LOWER": {"REGEX": "^sh"}}], nlp.vocab.strings) is None
    assert simple_pattern([{"LOWER": {"IN": ["Police"]}}], nlp.vocab.strings) is None


def test_doc_arrays_find_sentences_cues_and_trim_white_space(nlp):
    doc = nlp("We never shared it.  The police did share it in the end.")
    arrays = DocArrays(doc)
    for token in doc:
        assert arrays.sentence(token.i) == (token.sent.start, token.sent.end)
    cue = tuple(nlp.vocab.strings.add(w) for w in ("the", "police"))
    start = next(t.i for t in doc if t.lower_ == "the")
    assert arrays.has_cue(cue, start, start + 2)
    assert not arrays.has_cue(cue, start, start + 1)
    assert not arrays.has_cue(cue, 0, start)
    assert arrays.has_cue((), 0, 0)
    space = next(t.i for t in doc if t.is_space)
    assert arrays.trimmed(space, space + 1) is None
    assert arrays.trimmed(space - 1, space + 2) == (space - 1, space + 2)
    assert arrays.trimmed(space, space + 2) == (space + 1, space + 2)


def test_the_coders_sentences_never_cut_a_transcript_mark():
    from ipe.nlp import blank_pipeline
    from ipe.patterns import DocArrays

    doc = blank_pipeline(lemmas=False)("It isn't easy. [laughs] We don't have a stable workforce. (pause) Really.")
    arrays = DocArrays(doc)
    sentences = sorted({arrays.sentence(i) for i in range(len(doc))})
    assert [doc[s:e].text for s, e in sentences] == [
        "It isn't easy. [laughs]", "We don't have a stable workforce. (pause)", "Really."]
