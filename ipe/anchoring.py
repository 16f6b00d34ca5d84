"""Finding a quote in a text: where a human coding or an evidence passage stands after its source changed.

Pure string functions with no language model, so the commands that re-anchor or look up quotes (import, evidence,
candidates) do not pay for importing spaCy.
"""

from __future__ import annotations

import re
from typing import Iterable, Optional

from ipe.records import Coding

__all__ = ["locate_quote", "reanchor"]

_QUOTE_CHARS = {"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-"}


def _flexible(quote: str) -> re.Pattern:
    """A pattern that finds a quote despite different white space and curly or straight quotation marks."""
    parts = []
    for word in quote.split():
        chars = []
        for ch in word:
            plain = _QUOTE_CHARS.get(ch, ch)
            alts = {plain} | {k for k, v in _QUOTE_CHARS.items() if v == plain}
            chars.append("[" + "".join(re.escape(a) for a in sorted(alts)) + "]" if len(alts) > 1 else re.escape(ch))
        parts.append("".join(chars))
    return re.compile(r"\s+".join(parts))


def locate_quote(text: str, quote: str, near: Optional[int] = None) -> Optional[tuple[int, int]]:
    """Where ``quote`` stands in ``text``: the occurrence nearest ``near`` (or the first), exact before flexible."""
    quote = quote.strip()
    if not quote:
        return None
    spans = []
    i = text.find(quote)
    while i >= 0:
        spans.append((i, i + len(quote)))
        i = text.find(quote, i + 1)
    if not spans:
        spans = [(m.start(), m.end()) for m in _flexible(quote).finditer(text)]
    if not spans:
        return None
    if near is None:
        return spans[0]
    return min(spans, key=lambda s: (abs(s[0] - near), s[0]))


def reanchor(codings: Iterable[Coding], new_text: str) -> list[tuple[Coding, Optional[tuple[int, int]]]]:
    """For each coding of a changed source, its new span found by its quote (None: orphaned)."""
    return [(c, locate_quote(new_text, c.quote, near=c.start) if c.quote else None) for c in codings]
