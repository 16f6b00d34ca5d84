"""Quotes fit to print: whole sentences, no transcript marks, pseudonyms kept."""

from collections import namedtuple

import pytest

from ipe import quoting

S = namedtuple("S", "start end turn")


@pytest.mark.parametrize("raw, clean", [
    ("[pause] Induction is a strong word. [", "Induction is a strong word."),
    ("Erm, so we ring them [laughs] and um wait.", "So we ring them and wait."),
    ("It was (camera off) fine, [inaudible] really.", "It was fine, really."),
    ("I asked [Person 2] about it (the referral).", "I asked [Person 2] about it (the referral)."),
])
def test_strip_marks(raw, clean):
    assert quoting.strip_marks(raw) == clean


def test_whole_quote_widens_a_clause_to_its_sentence_and_stays_in_the_turn():
    text = "Who do you trust? Well, the relationships, mainly, because we sit together every day here. Next."
    sentences = [S(0, 17, 1), S(18, 90, 2), S(91, 96, 3)]
    start = text.index("the relationships")
    assert quoting.whole_quote(text, sentences, start, start + 17) == text[18:90]
    assert quoting.whole_quote(text, sentences, 0, 17) is None  # four words: not a quote
    assert quoting.sentence_span(sentences, 18, 96) == (18, 90)


def test_a_fragment_is_not_printable():
    assert not quoting.is_printable("Well, the relationships, mainly.")
    assert not quoting.is_printable("because we sit together every day and talk it through")
    assert not quoting.is_printable("So we sit together [ every day and talk it through.")
    assert quoting.is_printable("[Person 1] sits with us every day and we talk it through.")
