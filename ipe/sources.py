"""One decision for every importer (transcripts, survey, packs, REFI): is an incoming source new, unchanged or changed,
and what happens to the human work on it.

Human work is never deleted or moved onto other text as a side effect of an import:

- a changed source keeps its human codings, reviews and evidence passages, moved to where their quoted text now
  stands; one whose quote is gone is kept as ``orphaned`` (listed by ``ipe orphans`` and ``ipe cmo evidence``), and
  only with ``replace=True`` (``--replace``) — without it the import is refused, naming the source and how many
  codings or passages would lose their text;
- a file from another path with the same source id is refused unless ``replace=True``: same name is not same source;
- the previous text of a replaced source is kept (:meth:`Store.source_versions`), so no replacement is unrecoverable;
- auto codings of a changed source are dropped (``ipe code`` redoes them).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Optional

from ipe import evidence
from ipe.anchoring import locate_quote, reanchor
from ipe.errors import SourceError
from ipe.records import Source
from ipe.store import Store, attributes_digest

NEW, UNCHANGED, ATTRIBUTES, CHANGED, SKIPPED = "new", "unchanged", "attributes updated", "changed", "skipped"


@dataclass(frozen=True)
class Outcome:
    """What an upsert did to one source: a status above and a line of detail for the import report."""

    status: str
    detail: str = ""


def _same_file(a: Optional[str], b: Optional[str]) -> bool:
    if not a or not b:
        return True  # no path to compare (survey rows, packs): the id is the identity
    return os.path.normcase(os.path.abspath(a)) == os.path.normcase(os.path.abspath(b))


def upsert(store: Store, src: Source, replace: bool = False, origin_hash: Optional[str] = None,
           attributes_origin: bool = True, dedupe: bool = False, raw_attributes: Optional[dict] = None) -> Outcome:
    """Add, keep or replace one source inside the caller's transaction; raise ``SourceError`` to refuse.

    Parameters
    ----------
    src : the source as it should be stored (already pseudonymised if the project is).
    replace : allow a replacement that orphans human work, or that comes from another file of the same name.
    origin_hash : the hash of the text as read, when ``src.text`` was rewritten on the way in; re-imports compare it.
    attributes_origin : the attributes are the imported ones (transcripts); False for importers that own them.
    dedupe : a new source whose text is already stored under another id is skipped (transcripts).
    raw_attributes : the attributes as read, when ``src.attributes`` were rewritten on the way in (pseudonymised).
    """
    raw = src.attributes if raw_attributes is None else raw_attributes
    hashes = store.source_hashes()
    incoming = origin_hash or src.content_hash
    old = hashes.get(src.id)
    if old is None:
        if dedupe:
            twin = next((sid for sid, h in hashes.items() if h == incoming), None)
            if twin is not None:
                return Outcome(SKIPPED, f"same text as source '{twin}'")
        store.write_source(src, origin_hash=incoming)
        _origin_attributes(store, src, raw)
        return Outcome(NEW, f"{len(src.turns)} turns, {len(src.sentences)} sentences")
    if old == incoming:
        if attributes_origin:
            if store.imported_attributes().get(src.id) != attributes_digest(raw):
                store.set_attributes(src.id, src.attributes)
                _origin_attributes(store, src, raw)
                store.set_turn_roles(src.id, {t.speaker: t.role for t in src.turns if t.speaker})
                return Outcome(ATTRIBUTES)
        elif store.source_attributes(src.id).get(src.id, {}) != src.attributes:
            store.set_attributes(src.id, src.attributes)
            return Outcome(ATTRIBUTES)
        return Outcome(UNCHANGED)
    detail = _replace(store, src, incoming, replace)
    _origin_attributes(store, src, raw)
    return Outcome(CHANGED, detail)


def _origin_attributes(store: Store, src: Source, raw: dict) -> None:
    # What a re-import compares with is the attributes as read, not as stored after pseudonymising.
    if raw is not src.attributes:
        store.set_attributes(src.id, raw, replace=False, origin=True)
        store.set_attributes(src.id, src.attributes)


def _replace(store: Store, src: Source, origin_hash: str, replace: bool) -> str:
    previous = store.source(src.id, structure=False)
    where = src.path or src.id
    if not replace and not _same_file(previous.path, src.path):
        raise SourceError(where, f"has the same name as source '{src.id}' imported from {previous.path}, but other "
                                 "text; rename the file (or give --replace to replace that source)")
    coders = store.coders()
    human = [c for c in store.codings(sources=[src.id], status=None) if coders.get(c.coder) == "human"]
    anchored = reanchor(human, src.text)
    lost = [c for c, span in anchored if span is None and c.status == "ok"]
    if lost and not replace:
        raise SourceError(where, f"text of '{src.id}' changed and {len(lost)} human codings would lose their quote "
                                 f"(first: \"{lost[0].quote[:50]}\"); nothing imported; give --replace to replace it "
                                 "and keep them orphaned (see ipe orphans)")
    passages = [e for e in store.evidence(source_id=src.id) if e.status == "ok"
                and locate_quote(src.text, e.quote, near=e.start) is None]
    if passages and not replace:
        raise SourceError(where, f"text of '{src.id}' changed and {len(passages)} evidence passages would lose their "
                                 f"quote (first: \"{passages[0].quote[:50]}\", linked to {passages[0].config_id}); "
                                 "nothing imported; give --replace to replace it and keep them orphaned "
                                 "(see ipe cmo evidence)")
    reviews = store.reviews(source_id=src.id, status=None)
    version = store.keep_version(src.id)
    for name, kind in coders.items():
        if kind == "auto":
            store.delete_codings(name, source_id=src.id)
    store.forget_coded(src.id)
    store.write_source(src, origin_hash=origin_hash)
    moves, orphaned = [], 0
    for coding, span in anchored:
        if span is None:
            orphaned += 1
            end = min(coding.end, max(len(src.text), 1))
            moves.append((coding.id, min(coding.start, end - 1), end, "orphaned"))
        else:
            moves.append((coding.id, span[0], span[1], "ok"))
    store.update_coding_spans(moves)
    review_moves, lost_reviews = [], 0
    for reviewer, auto_coder, sid, start, end, code, _ in reviews:
        span = locate_quote(src.text, previous.text[start:end], near=start) if end <= len(previous.text) else None
        if span is None:
            lost_reviews += 1
        key = (reviewer, auto_coder, sid, start, end, code)
        review_moves.append((key, *(span or (start, end)), "ok" if span else "orphaned"))
    store.move_reviews(review_moves)
    detail = f"text changed; {len(human) - orphaned} human codings re-anchored"
    if orphaned:
        detail += f", {orphaned} orphaned (quote no longer in the text)"
    if lost_reviews:
        detail += f", {lost_reviews} reviews orphaned"
    detail += f"; previous text kept as version {version}"
    kept, lost = evidence.reanchor(store, src.id, src.text)
    if kept or lost:
        detail += f"; {kept} evidence passages re-anchored" + (f", {lost} orphaned" if lost else "")
    return detail


def human_work(store: Store, source_id: str) -> str:
    """What human work a source holds, in words ("2 human codings, 1 memo"), or "" when none."""
    coders = store.coders()
    codings = sum(1 for c in store.codings(sources=[source_id], status=None) if coders.get(c.coder) == "human")
    reviews = len(store.reviews(source_id=source_id, status=None))
    memos = len(store.memos("source", source_id))
    coding_ids = {str(c.id) for c in store.codings(sources=[source_id], status=None)}
    memos += sum(1 for m in store.memos("coding") if m.target in coding_ids)
    parts = [f"{n} {word}{'s' if n != 1 else ''}" for n, word in
             ((codings, "human coding"), (reviews, "review"), (memos, "memo")) if n]
    return ", ".join(parts)
