"""Which codings are in force: every human coding, and each auto-coder's codings from its newest codebook."""

from __future__ import annotations

from typing import Iterable, Optional

from ipe.selection import Selection


def in_force(codings: Iterable, kinds: dict) -> list:
    """The codings of ``codings`` in force, given each coder's kind (``"auto"`` or ``"human"``).

    An auto-coder's older runs stay stored for comparison, but only its run with the newest codebook version
    counts; human codings always count.

    >>> from ipe.records import Coding
    >>> old, new = Coding("s", 0, 5, "c", "auto", codebook_version=1), Coding("s", 0, 5, "c", "auto", codebook_version=2)
    >>> human = Coding("s", 0, 5, "c", "ann")
    >>> in_force([old, new, human], {"auto": "auto", "ann": "human"}) == [new, human]
    True
    """
    codings = list(codings)
    newest: dict[str, int] = {}
    for c in codings:
        if kinds.get(c.coder) == "auto" and c.codebook_version is not None:
            newest[c.coder] = max(newest.get(c.coder, 0), c.codebook_version)
    return [c for c in codings if kinds.get(c.coder) != "auto" or c.codebook_version == newest.get(c.coder)]


def current_codings(store, coders=None, codes: Optional[Iterable[str]] = None,
                    sources: Optional[Iterable[str]] = None, status: str = "ok") -> list:
    """A project's codings in force (see :func:`in_force`), optionally only some coders', codes' or sources'.

    ``status="suggested"`` gives the suggestions instead, which are never codings in force. ``coders`` is coder
    names (None: every coder), or a :class:`~ipe.selection.Selection`: then the codings it counts, suggestions
    included if it says so, one per ``(source, start, end, code)``.
    """
    if not isinstance(coders, Selection):
        return in_force(store.codings(coders=coders, codes=codes, sources=sources, status=status), store.coders())
    kinds = store.coders()
    names, suggesting = coders.coder_names(kinds), coders.suggestion_coders(kinds)
    codings = in_force(store.codings(coders=names, codes=codes, sources=sources), kinds) if names else []
    if suggesting:
        codings += store.codings(coders=suggesting, codes=codes, sources=sources, status="suggested")
    seen, out = set(), []
    for c in sorted(codings, key=lambda c: (c.source_id, c.start, c.end, c.code_id, c.status != "ok", c.coder)):
        if (c.source_id, c.start, c.end, c.code_id) not in seen:
            seen.add((c.source_id, c.start, c.end, c.code_id))
            out.append(c)
    return out
