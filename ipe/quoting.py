"""Quotes fit to print: whole sentences of the speaker's own words, without the transcript's marks.

A coded span is often a clause ("the relationships, mainly"); a reader needs the sentence it sits in. These pure
functions widen a span to the sentences it touches (inside one turn), take out transcription marks (``[pause]``,
``[laughs]``, ``(camera off)``, fillers such as "erm,"), and judge whether what is left reads as a quote.
"""

from __future__ import annotations

import re
from typing import Optional, Sequence

MAX_CHARS = 360  # a quote longer than this is cut to the sentences the coding touches, or not used
MIN_WORDS = 6  # "Well, the relationships, mainly." is four
# Stage directions transcribers put in round brackets; other round brackets are the speaker's own words.
STAGE = ("laugh", "pause", "inaudible", "sigh", "crosstalk", "overlap", "camera", "cough", "unclear", "interrupt",
         "silence", "noise", "redacted")
PSEUDONYM = re.compile(r"\[[A-Z][\w -]{0,30} \d+\]")  # "[Person 1]": what pseudonymisation put in; kept
_SQUARE = re.compile(r"\s*\[[^\[\]]{0,60}\]")
_ROUND = re.compile(r"\s*\(([^()]{0,40})\)")
_FILLER = re.compile(r"(?i)(?:(?<=\s)|^)(?:erm+|um+|uh+|er|hmm+|mm+)(?:,\s*|\s+(?=\w)|(?=[.?!]))")
_STRAY = re.compile(r"\s*[\[\]]\s*")
_END = re.compile(r"[.?!…][\"'\u201d\u2019)]*$")


def strip_marks(text: str) -> str:
    """The text without transcription marks and fillers, spaces tidied.

    >>> strip_marks("[pause] Induction is a strong word. [laughs] Erm, we had (camera off) a day. [")
    'Induction is a strong word. We had a day.'
    >>> strip_marks("A strategy meeting (two areas) went well. [Person 1] [pause] was there.")
    'A strategy meeting (two areas) went well. [Person 1] was there.'
    """
    kept = PSEUDONYM.findall(text)
    pieces = [_STRAY.sub(" ", _SQUARE.sub("", piece)) for piece in PSEUDONYM.split(text)]
    text = "".join(p + (kept[i] if i < len(kept) else "") for i, p in enumerate(pieces))
    text = _ROUND.sub(lambda m: "" if any(w in m.group(1).lower() for w in STAGE) else m.group(0), text)
    text = _FILLER.sub("", text)
    text = re.sub(r"\s+([,.?!;:])", r"\1", " ".join(text.split()))
    text = re.sub(r"([.?!]\s+)([a-z])", lambda m: m.group(1) + m.group(2).upper(), text)
    text = re.sub(r",\s*([.?!])", r"\1", text).strip(" ,;:")
    return text[:1].upper() + text[1:] if text else text


def is_printable(quote: str, min_words: int = MIN_WORDS, max_chars: int = MAX_CHARS) -> bool:
    """A quote a reader can take in: a capitalised whole sentence or more, of ``min_words`` words or more, no marks.

    >>> is_printable("Well, the relationships, mainly.")
    False
    >>> is_printable("When the police sit with us we can get the checks back before lunch.")
    True
    """
    words = quote.split()
    return (min_words <= len(words) and len(quote) <= max_chars and (quote[:1].isupper() or quote[:1] in "[\"\u201c") and bool(_END.search(quote))
            and not re.search(r"[\[\]]", PSEUDONYM.sub("", quote)))


def sentence_span(sentences: Sequence, start: int, end: int, max_chars: int = MAX_CHARS) -> Optional[tuple[int, int]]:
    """The span of the whole sentences ``start``-``end`` touches, all in the turn where it starts.

    ``sentences`` are records with ``start``, ``end`` and ``turn``, in text order. When the sentences touched run
    over ``max_chars``, the one sentence the span overlaps most is taken instead.

    >>> from collections import namedtuple
    >>> S = namedtuple("S", "start end turn")
    >>> sentence_span([S(0, 10, 1), S(11, 30, 1), S(31, 50, 2)], 12, 40)
    (11, 30)
    """
    touched = [s for s in sentences if s.start < max(end, start + 1) and start < s.end]
    if not touched:
        return None
    turn = touched[0].turn
    touched = [s for s in touched if s.turn == turn]
    if touched[-1].end - touched[0].start <= max_chars:
        return touched[0].start, touched[-1].end
    best = max(touched, key=lambda s: (min(s.end, end) - max(s.start, start), -s.start))
    return best.start, best.end


def whole_quote(text: str, sentences: Sequence, start: int, end: int, max_chars: int = MAX_CHARS) -> Optional[str]:
    """The printable quote for a coded span of ``text``: its whole sentences without marks, or None."""
    span = sentence_span(sentences, start, end, max_chars)
    if span is None:
        return None
    quote = strip_marks(text[span[0]:span[1]])
    return quote if is_printable(quote, max_chars=max_chars) else None
