"""Which codings are in force: every human coding, and each auto-coder's codings from its newest codebook."""

from __future__ import annotations

import contextlib
import contextvars
from typing import Callable, Iterable, Optional

from ipe import collector
from ipe.selection import Selection

_SHARED: contextvars.ContextVar[Optional[dict]] = contextvars.ContextVar("ipe_shared_reads", default=None)


@contextlib.contextmanager
def shared_reads():
    """Inside the block, a read asked for again (same store, same arguments) is answered from the first time.

    For work that reads a project many times and writes nothing, such as building every table: the tables, the
    CMO graph and the evidence ranking each ask for the codings in force, and would otherwise each load them.
    The garbage collector is paused inside (see :func:`ipe.collector.paused`): what is read is kept to the end.
    """
    token = _SHARED.set({}) if _SHARED.get() is None else None
    try:
        with collector.paused():
            yield
    finally:
        if token is not None:
            _SHARED.reset(token)


def shared(key: tuple, compute: Callable):
    """``compute()``, or its result from earlier in the same :func:`shared_reads` block under ``key``."""
    memo = _SHARED.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def read_key(values) -> Optional[tuple]:
    """A hashable form of a filter argument (None, a Selection, or an iterable of names)."""
    if values is None or isinstance(values, Selection):
        return values
    return tuple(values)


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
    codes = None if codes is None else list(codes)
    sources = None if sources is None else list(sources)
    if not isinstance(coders, Selection) and coders is not None:
        coders = list(coders)
    key = ("codings", id(store), read_key(coders), read_key(codes), read_key(sources), status)
    return list(shared(key, lambda: _current_codings(store, coders, codes, sources, status)))


def _current_codings(store, coders, codes, sources, status) -> list:
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
