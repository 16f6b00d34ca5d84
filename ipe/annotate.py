"""Human coding edits one at a time: add a coding from a selection, remove it, move its ends, decide a review.

These are the write operations of the coding workbench (``ipe serve``), kept in the library so the CLI can use them
too. Each runs in one store transaction with an audit entry naming the coder, and checks everything first: a
failed edit raises an :class:`ipe.errors.IpeError` and leaves the store unchanged.

Each coding has a version that every change raises. An edit given ``expected_version`` (the version the editor saw)
is refused with :class:`ipe.errors.Conflict` when the coding has changed or gone since: the check and the write are
one statement in one transaction, so of two edits made from the same version exactly one wins.

A selection is a character span ``[start, end)`` of the stored (normalised, pseudonymised) text. The server
checks that the quote the browser saw re-slices from those offsets, so a selection made on a text that changed
since the page was drawn is refused rather than stored at the wrong place; then the span snaps to word
boundaries: a half-selected word is taken whole and surrounding white space is dropped.
"""

from __future__ import annotations

from typing import Optional

from ipe.errors import CodingError, IpeError, NotFound
from ipe.project import AUTO_CODER, current_codebook
from ipe.records import Coding

__all__ = ["snap", "check_span", "add_coding", "remove_coding", "move_coding", "decide", "DECISIONS"]

DECISIONS = ("accept", "reject")
PROVENANCE = "workbench"


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch in "_'’-"


def snap(text: str, start: int, end: int) -> tuple[int, int]:
    """The span widened to whole words and trimmed of surrounding white space.

    Examples
    --------
    >>> text = "We all sit together here."
    >>> snap(text, 9, 15)
    (7, 19)
    >>> text[7:19]
    'sit together'
    >>> snap(text, 2, 7)
    (3, 6)
    """
    start, end = max(0, start), min(len(text), end)
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        while start > 0 and _is_word(text[start - 1]) and _is_word(text[start]):
            start -= 1
        while end < len(text) and _is_word(text[end]) and _is_word(text[end - 1]):
            end += 1
    return start, end


def _same_text(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def check_span(text: str, start, end, quote: Optional[str] = None, where: str = "selection") -> tuple[int, int]:
    """Validate a selection against the text and return it snapped to word boundaries.

    Raises :class:`ipe.errors.CodingError` when the offsets are not numbers, fall outside the text, do not hold
    ``quote`` (when given), or hold nothing but white space.
    """
    try:
        start, end = int(start), int(end)
    except (TypeError, ValueError):
        raise CodingError(where, ["start and end must be whole numbers"]) from None
    if not 0 <= start < end <= len(text):
        raise CodingError(where, [f"offsets {start}-{end} are outside the text (0-{len(text)})"])
    if quote is not None and not _same_text(text[start:end], quote):
        raise CodingError(where, [f"offsets {start}-{end} do not hold the selected text (the text changed? reload)"])
    snapped = snap(text, start, end)
    if snapped[0] >= snapped[1]:
        raise CodingError(where, ["nothing but white space is selected"])
    return snapped


def _human(coder: str) -> str:
    if not coder or not coder.strip():
        raise IpeError("no coder name: start the workbench with --coder NAME")
    if coder == AUTO_CODER:
        raise IpeError(f"'{AUTO_CODER}' is the auto-coder's name; code as a human coder")
    return coder


def _overlapping(store, source_id: str, code_id: str, coder: str, start: int, end: int, skip: Optional[int] = None):
    for c in store.codings(coders=[coder], codes=[code_id], sources=[source_id], status=None):
        if c.id != skip and c.start < end and start < c.end:
            return c
    return None


def add_coding(store, source_id: str, start, end, code_id: str, coder: str, quote: Optional[str] = None,
               provenance: str = PROVENANCE, actor: Optional[str] = None) -> Coding:
    """Code the selection ``[start, end)`` of a source with ``code_id`` as ``coder``; returns the stored coding.

    The span snaps to word boundaries (see :func:`check_span`). A selection overlapping the coder's own coding
    with the same code is refused: move that coding's ends instead.
    """
    coder = _human(coder)
    text = store.source(source_id, structure=False).text
    version, cb = current_codebook(store)
    if code_id not in cb.by_id:
        raise NotFound(f"no code '{code_id}' in the codebook")
    s, e = check_span(text, start, end, quote)
    clash = _overlapping(store, source_id, code_id, coder, s, e)
    if clash is not None:
        raise CodingError("selection", [f"overlaps your coding {clash.id} with {code_id} "
                                        f"({clash.start}-{clash.end}); move its ends instead"])
    coding = Coding(source_id=source_id, start=s, end=e, code_id=code_id, coder=coder, provenance=provenance,
                    codebook_version=version, quote=text[s:e])
    detail = {"source": source_id, "start": s, "end": e, "code": code_id, "coder": coder}
    with store.transaction(actor or coder, "coding add", detail) as tx:
        tx.ensure_coder(coder, "human")
        new_id = tx.add_coding(coding)
        detail["coding"] = new_id  # the audit entry is written at commit, from this dict
    return store.coding(new_id)


def _coding(store, coding_id, expected_version: Optional[int] = None) -> Coding:
    """The coding with this id; when it is gone and the editor had seen it (``expected_version``), a Conflict."""
    try:
        coding_id = int(coding_id)
    except (TypeError, ValueError):
        raise NotFound(f"no coding {coding_id!r} in the project") from None
    if expected_version is not None:
        try:
            expected_version = int(expected_version)
        except (TypeError, ValueError):
            raise IpeError(f"the version must be a whole number, not {expected_version!r}") from None
        if not store.coding_exists(coding_id):
            store._conflict(coding_id, expected_version)
    return store.coding(coding_id)


def _own(store, coding_id, coder: str, expected_version: Optional[int] = None) -> Coding:
    coding = _coding(store, coding_id, expected_version)
    if coding.coder != coder:
        raise IpeError(f"coding {coding.id} is {coding.coder}'s; you can change only your own codings")
    return coding


def remove_coding(store, coding_id, coder: str, actor: Optional[str] = None,
                  expected_version: Optional[int] = None) -> Coding:
    """Remove one of ``coder``'s codings (and its memos); returns what was removed.

    ``expected_version``: the coding's version the remover saw; refused with :class:`ipe.errors.Conflict` if it
    changed since."""
    coder = _human(coder)
    coding = _own(store, coding_id, coder, expected_version)
    detail = {"coding": coding.id, "source": coding.source_id, "start": coding.start, "end": coding.end,
              "code": coding.code_id, "coder": coder}
    with store.transaction(actor or coder, "coding remove", detail) as tx:
        tx.delete_coding(coding.id, expected_version)
    return coding


def move_coding(store, coding_id, start, end, coder: str, quote: Optional[str] = None,
                actor: Optional[str] = None, expected_version: Optional[int] = None) -> Coding:
    """Move the ends of one of ``coder``'s codings to ``[start, end)`` (snapped); returns the moved coding.

    ``expected_version``: the coding's version the editor saw; refused with :class:`ipe.errors.Conflict` if it
    changed since."""
    coder = _human(coder)
    coding = _own(store, coding_id, coder, expected_version)
    text = store.source(coding.source_id, structure=False).text
    s, e = check_span(text, start, end, quote)
    clash = _overlapping(store, coding.source_id, coding.code_id, coder, s, e, skip=coding.id)
    if clash is not None:
        raise CodingError("selection", [f"would overlap your coding {clash.id} with {coding.code_id}"])
    detail = {"coding": coding.id, "source": coding.source_id, "from": [coding.start, coding.end], "to": [s, e],
              "coder": coder}
    with store.transaction(actor or coder, "coding move", detail) as tx:
        tx.move_coding(coding.id, s, e, text[s:e], None if expected_version is None else int(expected_version))
    return store.coding(coding.id)


def decide(store, coding_id, decision: str, reviewer: str, actor: Optional[str] = None,
           expected_version: Optional[int] = None) -> dict:
    """Accept or reject one auto coding (or suggestion) as ``reviewer``: the records ``ipe review apply`` writes.

    The decision is recorded in the reviews table; an accepted coding becomes the reviewer's coding at the same
    span with provenance ``review of <auto coder>``. Deciding again replaces the earlier decision (an earlier
    accept's coding is removed when it turns into a reject). A decision raises the auto coding's version;
    ``expected_version`` (the version the reviewer saw) is refused with :class:`ipe.errors.Conflict` if it changed.
    """
    reviewer = _human(reviewer)
    if decision not in DECISIONS:
        raise IpeError(f"decision must be accept or reject, not '{decision}'")
    target = _coding(store, coding_id, expected_version)
    if store.coders().get(target.coder) != "auto":
        raise IpeError(f"coding {target.id} is {target.coder}'s, not an auto coding; only auto codings are reviewed")
    version, _ = current_codebook(store)
    provenance = f"review of {target.coder}"
    key = (target.source_id, target.start, target.end, target.code_id)
    own = [c for c in store.codings(coders=[reviewer], codes=[target.code_id], sources=[target.source_id], status=None)
           if (c.source_id, c.start, c.end, c.code_id) == key]
    detail = {"coding": target.id, "source": target.source_id, "decision": decision, "reviewer": reviewer,
              "auto_coder": target.coder}
    with store.transaction(actor or reviewer, "review decide", detail) as tx:
        tx.touch_coding(target.id, None if expected_version is None else int(expected_version))
        tx.ensure_coder(reviewer, "human")
        tx.add_reviews([(reviewer, target.coder, *key, decision)])
        if decision == "accept" and not own:
            detail["added"] = [tx.add_coding(Coding(source_id=target.source_id, start=target.start, end=target.end,
                                                    code_id=target.code_id, coder=reviewer, provenance=provenance,
                                                    codebook_version=version, quote=target.quote))]
        if decision == "reject":
            removed = [c.id for c in own if c.provenance == provenance]
            for cid in removed:
                tx.delete_coding(cid)
            if removed:
                detail["removed"] = removed
    return {"coding": target.id, "decision": decision}
