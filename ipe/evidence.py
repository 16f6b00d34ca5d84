"""Realist evidence: passages a researcher links to a configuration, and co-occurrence candidates to review.

An *evidence record* is a passage (a span of a source, or an existing coding) that a researcher judged to
*support*, *contradict* or *refine* a configuration of the programme theory, with the elements it speaks to
(context, mechanism resource, mechanism response, outcome), who linked it, when and why. It is the only kind of
material that decides a configuration's status before anything else.

A *candidate* is a pointer: two coded spans on a link of a configuration that co-occur in a linking window (see
:func:`ipe.cmo.link_evidence`). When an auto or suggested coding takes part it is an *auto co-occurrence* and counts
for nothing until a researcher promotes it to evidence or dismisses it; the decision is stored. When both spans are
human codings it is a *human co-occurrence*, counted as such and labelled so. A candidate whose quote holds a
negation word is flagged for the reviewer; the flag decides nothing.

Evidence keeps its own span and quote, so it survives re-coding; a changed transcript re-anchors it by its quote,
as human codings are (:func:`reanchor`), and a deliberate rewrite (pseudonymisation) carries it along
(:func:`follow_rewrite`).
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import re
from pathlib import Path
from typing import Iterable, Optional

import pandas as pd

from ipe import theory
from ipe.anchoring import locate_quote
from ipe.errors import EvidenceError, IpeError, NotFound
from ipe.in_force import current_codings
from ipe.records import ELEMENTS, RELATIONS, Candidate, Codebook, Configuration, Evidence, QuoteChoice
from ipe.store import default_actor, now

__all__ = ["NEGATION", "HUMAN", "AUTO", "parse_elements", "elements_of", "link", "unlink", "candidates",
           "find_candidate", "promote", "dismiss", "import_csv", "reanchor", "follow_rewrite", "rank_quotes",
           "evidence_table", "candidates_table", "counts"]

# Only a flag on candidates for review: a negation in a quote is as often the outcome itself ("nobody's seen the
# pattern") as a sign that it did not happen.
NEGATION = re.compile(r"\b(?:not|never|no|nobody|nothing|none|neither|nor|cannot|without)\b|n't\b", re.I)
HUMAN = "human co-occurrence"
AUTO = "auto co-occurrence"
_RELATION_ORDER = {"supports": 0, "refines": 1, "contradicts": 2}


# -- elements --------------------------------------------------------------------------------------------------------


def parse_elements(value: str | Iterable[str]) -> tuple:
    """Elements named in ``context,outcome`` (or a list), in canonical order; ``mechanism`` means both halves.

    Examples
    --------
    >>> parse_elements("outcome, mechanism")
    ('resource', 'response', 'outcome')
    """
    names = [v.strip().lower() for v in (value.split(",") if isinstance(value, str) else value) if v.strip()]
    chosen = set()
    for name in names:
        if name == "mechanism":
            chosen.update(("resource", "response"))
        elif name in ELEMENTS:
            chosen.add(name)
        else:
            raise IpeError(f"unknown element '{name}' (use {', '.join(ELEMENTS)} or mechanism)")
    if not chosen:
        raise IpeError(f"name at least one element ({', '.join(ELEMENTS)})")
    return tuple(e for e in ELEMENTS if e in chosen)


def elements_of(config: Configuration, *code_ids: str) -> tuple:
    """The elements of ``config`` that the given codes play (a lone mechanism plays resource and response)."""
    roles = set()
    for code in code_ids:
        if code == config.context:
            roles.add("context")
        if code == config.outcome:
            roles.add("outcome")
        if code == config.mechanism:
            roles.update(("resource", "response"))
        if code == config.resource:
            roles.add("resource")
        if code == config.response:
            roles.add("response")
    return tuple(e for e in ELEMENTS if e in roles)


# -- linking ---------------------------------------------------------------------------------------------------------


def _check(relation: str, rationale: str) -> None:
    if relation not in RELATIONS:
        raise IpeError(f"unknown relation '{relation}' (use {', '.join(RELATIONS)})")
    if not rationale.strip():
        raise IpeError("give a rationale (--note): why this passage bears on the configuration")


def _locate(store, source: Optional[str], quote: str) -> tuple[str, int, int]:

    ids = [source] if source else store.source_ids()
    if source and not store.has_source(source):
        raise NotFound(f"no source '{source}' in the project")
    found = [(sid, span) for sid in ids
             for span in [locate_quote(store.source(sid, structure=False).text, quote)] if span]
    if not found:
        where = f"source '{source}'" if source else "any source"
        raise NotFound(f"quote not found in {where}: \"{quote[:60]}\"")
    if len(found) > 1:
        raise IpeError(f"quote found in {len(found)} sources ({', '.join(s for s, _ in found[:3])}): give --source")
    sid, (start, end) = found[0]
    return sid, start, end


def _passage(store, source, start, end, coding, quote) -> tuple[str, int, int, Optional[int]]:
    """``(source, start, end, coding id)`` from exactly one of: a span, a coding, a quote."""
    if sum((start is not None or end is not None, coding is not None, quote is not None)) != 1:
        raise IpeError("give the passage one way: --source with --start and --end, or --coding ID, or --quote")
    if coding is not None:
        found = [c for c in store.codings(status=None) if c.id == int(coding)]
        if not found:
            raise NotFound(f"no coding {coding} in the project")
        c = found[0]
        return c.source_id, c.start, c.end, c.id
    if quote is not None:
        sid, s, e = _locate(store, source, quote)
        return sid, s, e, None
    if source is None or start is None or end is None:
        raise IpeError("a span needs --source, --start and --end")
    if not store.has_source(source):
        raise NotFound(f"no source '{source}' in the project")
    length = len(store.source(source, structure=False).text)
    if not 0 <= int(start) < int(end) <= length:
        raise IpeError(f"offsets {start}-{end} outside the text of '{source}' (0-{length})")
    return source, int(start), int(end), None


def link(store, codebook: Codebook, config_id: str, relation: str, elements, rationale: str,
         source: Optional[str] = None, start: Optional[int] = None, end: Optional[int] = None,
         coding: Optional[int] = None, quote: Optional[str] = None, actor: Optional[str] = None,
         candidate: str = "") -> Evidence:
    """Link a passage to a configuration as evidence; returns the stored record.

    Parameters
    ----------
    config_id : a configuration of the current theory (see :func:`ipe.theory.current`).
    relation : ``supports``, ``contradicts`` or ``refines``.
    elements : the elements it speaks to (``"context,outcome"`` or a list; see :func:`parse_elements`).
    rationale : why: kept with the record as its memo.
    source, start, end / coding / quote : the passage, given one way; a quote is found in ``source`` (or in the one
        source that holds it).

    Raises
    ------
    ipe.errors.NotFound : an unknown configuration, source or coding, or a quote not in the text.
    ipe.errors.IpeError : bad relation, elements or offsets, no rationale, or the same passage already linked so.
    """
    theory.configuration(store, codebook, config_id)
    _check(relation, rationale)
    chosen = parse_elements(elements)
    sid, s, e, coding_id = _passage(store, source, start, end, coding, quote)
    for old in store.evidence(config_id=config_id, source_id=sid):
        if (old.start, old.end, old.relation) == (s, e, relation):
            raise IpeError(f"{config_id}: {old.ref} is already linked as {relation} (evidence {old.id})")
    actor = actor or default_actor()
    text = store.source(sid, structure=False).text
    item = Evidence(config_id=config_id, source_id=sid, start=s, end=e, quote=text[s:e], relation=relation,
                    elements=chosen, linked_by=actor, rationale=rationale.strip(), coding_id=coding_id,
                    candidate=candidate, config_version=theory.config_versions(store, codebook).get(config_id, 1),
                    created_at=now())
    with store.transaction(actor, "evidence link", {"config": config_id, "ref": item.ref, "relation": relation,
                                                    "candidate": candidate}) as tx:
        eid = tx.add_evidence(item)
        if candidate:
            tx.decide_candidate(candidate, config_id, sid, "promoted", actor, rationale.strip(), eid)
    return dataclasses.replace(item, id=eid)


def unlink(store, evidence_id: int, actor: Optional[str] = None) -> Evidence:
    """Remove an evidence record (the audit log keeps what it was); a promoted candidate is open again."""
    found = store.evidence(evidence_id=int(evidence_id))
    if not found:
        raise NotFound(f"no evidence {evidence_id} in the project")
    item = found[0]
    with store.transaction(actor, "evidence unlink", {"id": item.id, "config": item.config_id, "ref": item.ref,
                                                      "relation": item.relation}) as tx:
        tx.delete_evidence(item.id)
    return item


# -- candidates ------------------------------------------------------------------------------------------------------


def _key(config_id: str, src: str, dst: str, source_id: str, src_quote: str, dst_quote: str) -> str:
    """A candidate's id from its configuration, link, source and quotes: offsets move, the words do not."""
    text = "|".join([config_id, src, dst, source_id, " ".join(src_quote.split()), " ".join(dst_quote.split())])
    return "C-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]


def candidates(store, codebook: Codebook, config_id: Optional[str] = None, window="turn",
               coders: Optional[Iterable[str]] = None) -> list[Candidate]:
    """Co-occurrence candidates on the links of the current theory's configurations, with decisions taken so far.

    Ordered by configuration (theory order), link, source and offsets. ``kind`` tells human from auto
    co-occurrence.
    """
    from ipe import cmo

    configs = [t for t in theory.current(store, codebook) if config_id in (None, t.id)]
    if config_id is not None and not configs:
        theory.configuration(store, codebook, config_id)
    wanted: dict[tuple[str, str], list[Configuration]] = {}
    for t in configs:
        for pair in cmo.configuration_links(t):
            wanted.setdefault(pair, []).append(t)
    if not wanted:
        return []
    kinds = store.coders()
    human = {(c.source_id, c.start, c.end, c.code_id) for c in store.codings(coders=coders)
             if kinds.get(c.coder) == "human"}
    decisions = store.candidate_decisions()
    texts: dict[str, str] = {}
    found = []
    for g in cmo.link_evidence(store, codebook, window, coders):
        for t in wanted.get((g.src, g.dst), ()):
            if g.source_id not in texts:
                texts[g.source_id] = store.source(g.source_id, structure=False).text
            text = texts[g.source_id]
            sq, dq = text[g.src_start:g.src_end], text[g.dst_start:g.dst_end]
            is_human = ((g.source_id, g.src_start, g.src_end, g.src) in human
                        and (g.source_id, g.dst_start, g.dst_end, g.dst) in human)
            key = _key(t.id, g.src, g.dst, g.source_id, sq, dq)
            decision = decisions.get((key, t.id))
            found.append(Candidate(key=key, config_id=t.id, src=g.src, dst=g.dst, source_id=g.source_id,
                                   src_start=g.src_start, src_end=g.src_end, dst_start=g.dst_start,
                                   dst_end=g.dst_end, src_quote=sq, dst_quote=dq, coders=g.coders,
                                   kind=HUMAN if is_human else AUTO, negation=bool(NEGATION.search(sq + " " + dq)),
                                   decision=decision[0] if decision else "",
                                   evidence_id=decision[1] if decision else None))
    order = {t.id: i for i, t in enumerate(configs)}
    return sorted(found, key=lambda c: (order[c.config_id], c.src, c.dst, c.source_id, c.start, c.end, c.key))


def find_candidate(store, codebook: Codebook, key: str, window="turn") -> Candidate:
    for c in candidates(store, codebook, window=window):
        if c.key == key:
            return c
    raise NotFound(f"no candidate '{key}' (list them with 'ipe cmo candidates'; a re-coded text may have dropped it)")


def promote(store, codebook: Codebook, key: str, relation: str, rationale: str, elements=None,
            window="turn", actor: Optional[str] = None) -> Evidence:
    """Promote a candidate to evidence: the passage from its first span to its last, with the judged relation.

    ``elements`` defaults to the elements the two coded codes play in the configuration.
    """
    c = find_candidate(store, codebook, key, window)
    if c.decision == "promoted":
        raise IpeError(f"candidate {key} is already evidence {c.evidence_id}")
    config = theory.configuration(store, codebook, c.config_id)
    chosen = elements if elements else elements_of(config, c.src, c.dst)
    return link(store, codebook, c.config_id, relation, chosen, rationale, source=c.source_id, start=c.start,
                end=c.end, actor=actor, candidate=c.key)


def dismiss(store, codebook: Codebook, key: str, note: str, window="turn", actor: Optional[str] = None) -> Candidate:
    """Dismiss a candidate (it does not bear on the configuration); the decision and the note are stored."""
    c = find_candidate(store, codebook, key, window)
    if c.decision == "promoted":
        raise IpeError(f"candidate {key} is evidence {c.evidence_id}: unlink it first")
    if not note.strip():
        raise IpeError("give a note (--note): why the candidate does not bear on the configuration")
    actor = actor or default_actor()
    with store.transaction(actor, "candidate dismiss", {"candidate": key, "config": c.config_id}) as tx:
        tx.decide_candidate(key, c.config_id, c.source_id, "dismissed", actor, note.strip())
    return dataclasses.replace(c, decision="dismissed")


# -- importing an evidence file -------------------------------------------------------------------------------------

CSV_COLUMNS = ("config", "source", "quote", "relation", "elements", "rationale")


def import_csv(store, codebook: Codebook, path, actor: Optional[str] = None) -> tuple[int, int]:
    """Import evidence links from CSV (``config,source,quote,relation,elements,rationale[,linked_by]``; ``start``
    and ``end`` may stand in for the quote): all rows or none. Rows already held are not repeated.

    Returns ``(added, already held)``.

    Raises
    ------
    ipe.errors.EvidenceError : every row that cannot be placed, each with its line.
    """
    from ipe.corpus import read_csv_rows

    path = Path(path)
    header, rows = read_csv_rows(path, required=("config", "source", "relation", "elements", "rationale"))
    if "quote" not in header and not {"start", "end"} <= set(header):
        raise EvidenceError(path, ["needs a quote column (or start and end)"])
    configs = {t.id for t in theory.current(store, codebook)}
    versions = theory.config_versions(store, codebook)
    texts: dict[str, Optional[str]] = {}
    placed, problems = [], []
    for line, row in rows:
        sid = row["source"]
        if sid not in texts:
            texts[sid] = store.source(sid, structure=False).text if store.has_source(sid) else None
        text = texts[sid]
        try:
            if row["config"] not in configs:
                raise IpeError(f"unknown configuration '{row['config']}'")
            if text is None:
                raise IpeError(f"unknown source '{sid}'")
            _check(row["relation"], row["rationale"])
            chosen = parse_elements(row["elements"])
            if row.get("quote"):
                span = locate_quote(text, row["quote"])
                if span is None:
                    raise IpeError(f"quote not found in '{sid}': \"{row['quote'][:60]}\"")
            else:
                span = (int(row.get("start", "")), int(row.get("end", "")))
                if not 0 <= span[0] < span[1] <= len(text):
                    raise IpeError(f"offsets {span[0]}-{span[1]} outside the text of '{sid}'")
        except (IpeError, ValueError) as exc:
            problems.append(f"line {line}: {exc if isinstance(exc, IpeError) else 'start and end must be numbers'}")
            continue
        placed.append(Evidence(config_id=row["config"], source_id=sid, start=span[0], end=span[1],
                               quote=text[span[0]:span[1]], relation=row["relation"], elements=chosen,
                               linked_by=row.get("linked_by") or actor or default_actor(),
                               rationale=row["rationale"].strip(), config_version=versions.get(row["config"], 1),
                               created_at=row.get("linked_at") or now()))
    if problems:
        raise EvidenceError(path, problems)
    held = {(e.config_id, e.source_id, " ".join(e.quote.split()), e.relation) for e in store.evidence()}
    new = []
    for e in placed:
        key = (e.config_id, e.source_id, " ".join(e.quote.split()), e.relation)
        if key not in held:
            held.add(key)
            new.append(e)
    with store.transaction(actor, "evidence import", {"file": str(path), "rows": len(new)}) as tx:
        for e in new:
            tx.add_evidence(e)
    return len(new), len(placed) - len(new)


# -- keeping evidence in place ---------------------------------------------------------------------------------------


def reanchor(store, source_id: str, new_text: str) -> tuple[int, int]:
    """After a source's text changed (re-import), find each evidence passage again by its quote (near where it
    stood; a linked coding that was re-anchored gives its span). Call inside the import's transaction.

    Returns ``(kept, orphaned)``; an orphaned record keeps its quote and is left out of counts until re-linked.
    """

    codings = {c.id: c for c in store.codings(sources=[source_id], status="ok")}
    moves, orphaned = [], 0
    for e in store.evidence(source_id=source_id):
        coding = codings.get(e.coding_id) if e.coding_id is not None else None
        span = (coding.start, coding.end) if coding is not None and coding.quote == e.quote else \
            locate_quote(new_text, e.quote, near=e.start)
        if span is None:
            orphaned += 1
            end = min(e.end, max(len(new_text), 1))
            moves.append((e.id, min(e.start, end - 1), end, e.quote, "orphaned"))
        else:
            moves.append((e.id, span[0], span[1], new_text[span[0]:span[1]], "ok"))
    store.move_evidence(moves)
    return len(moves) - orphaned, orphaned


def _offset_map(old: str, new: str):
    """Old offsets → new ones for a text rewritten in places (a replaced run maps to the whole replacement)."""
    blocks = difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()

    def to_new(pos: int, side: str) -> int:
        for tag, i1, i2, j1, j2 in blocks:
            if i1 <= pos < i2 or (pos == i2 and side == "end" and i1 < i2):
                if tag == "equal":
                    return j1 + (pos - i1)
                return j1 if side == "start" else j2
        return len(new)

    return to_new


def follow_rewrite(store, old_text: str, new_source) -> int:
    """Carry a source's evidence through a deliberate rewrite of its text (pseudonymisation); returns moves made.

    Call inside the rewrite's transaction, after the text is written.
    """
    items = store.evidence(source_id=new_source.id)
    if not items:
        return 0
    to_new = _offset_map(old_text, new_source.text)
    moves = []
    for e in items:
        start, end = to_new(e.start, "start"), to_new(e.end, "end")
        quote = new_source.text[start:end] if e.status == "ok" else e.quote
        if (start, end, quote) != (e.start, e.end, e.quote) and end > start:
            moves.append((e.id, start, end, quote, e.status))
    store.move_evidence(moves)
    return len(moves)


# -- reading evidence ------------------------------------------------------------------------------------------------


def counts(items: Iterable[Evidence], attributes: dict) -> dict[str, dict[str, int]]:
    """Per relation: ``records``, distinct ``sources`` and ``cases`` of evidence in force (orphaned left out).

    Examples
    --------
    >>> e = Evidence("CMO-01", "s1", 0, 5, "quote", "supports", ("context",), "ana")
    >>> counts([e], {"s1": {"case": "ashdown"}})["supports"]
    {'records': 1, 'sources': 1, 'cases': 1}
    """
    out = {}
    items = [e for e in items if e.status == "ok"]
    for relation in RELATIONS:
        mine = [e for e in items if e.relation == relation]
        sources = {e.source_id for e in mine}
        out[relation] = {"records": len(mine), "sources": len(sources),
                         "cases": len({attributes.get(s, {}).get("case") for s in sources} - {None, ""})}
    return out


EVIDENCE_COLUMNS = ["id", "config", "version", "relation", "elements", "ref", "source", "case", "quote", "rationale",
                    "linked_by", "linked_at", "status"]


def evidence_table(store, config_id: Optional[str] = None) -> pd.DataFrame:
    """Researcher evidence, one row per record, with references that re-slice the stored text."""
    attrs = store.source_attributes()
    rows = [{"id": e.id, "config": e.config_id, "version": e.config_version, "relation": e.relation,
             "elements": ",".join(e.elements), "ref": e.ref, "source": e.source_id,
             "case": attrs.get(e.source_id, {}).get("case", ""), "quote": e.quote, "rationale": e.rationale,
             "linked_by": e.linked_by, "linked_at": e.created_at, "status": e.status}
            for e in store.evidence(config_id=config_id)]
    return pd.DataFrame(rows, columns=EVIDENCE_COLUMNS)


CANDIDATE_COLUMNS = ["key", "config", "kind", "link", "source", "case", "from_ref", "from_quote", "to_ref",
                     "to_quote", "coders", "negation", "decision", "evidence_id"]


def candidates_table(store, found: Iterable[Candidate]) -> pd.DataFrame:
    """Candidates as rows, with the references of both coded spans."""
    attrs = store.source_attributes()
    rows = [{"key": c.key, "config": c.config_id, "kind": c.kind, "link": f"{c.src}->{c.dst}", "source": c.source_id,
             "case": attrs.get(c.source_id, {}).get("case", ""),
             "from_ref": f"{c.source_id}:{c.src_start}-{c.src_end}", "from_quote": c.src_quote,
             "to_ref": f"{c.source_id}:{c.dst_start}-{c.dst_end}", "to_quote": c.dst_quote,
             "coders": ",".join(c.coders), "negation": c.negation, "decision": c.decision,
             "evidence_id": c.evidence_id if c.evidence_id is not None else ""} for c in found]
    return pd.DataFrame(rows, columns=CANDIDATE_COLUMNS)


# -- quotes for a configuration ---------------------------------------------------------------------------------------


def _spread(items: list, source_of) -> list:
    """Round-robin over sources (in order of first appearance), so the first quotes come from different sources."""
    queues: dict[str, list] = {}
    for item in items:
        queues.setdefault(source_of(item), []).append(item)
    out = []
    while queues:
        for sid in list(queues):
            out.append(queues[sid].pop(0))
            if not queues[sid]:
                del queues[sid]
    return out


def rank_quotes(store, codebook: Codebook, config_id: str, limit: Optional[int] = None, include_auto: bool = False,
                window="turn", found: Optional[list] = None) -> list[QuoteChoice]:
    """Quotes for a configuration, best first: researcher evidence, then human codings, never unreviewed auto
    codings unless ``include_auto``, and never an auto coding a reviewer rejected.

    Order: evidence (supports, then refines, then contradicts); passages where human codings of two of the
    configuration's elements co-occur on one of its links; other human codings of its codes (outcome first, then
    mechanism, then context); with ``include_auto``, auto co-occurrence candidates not dismissed, neither of whose
    spans a reviewer rejected (an accepted auto coding is the reviewer's human coding, so it is quoted without
    asking). Within each tier quotes alternate between sources; a passage overlapping one already chosen is skipped; orphaned evidence and
    dismissed candidates never appear.

    Parameters
    ----------
    store : ipe.store.Store
    codebook : Codebook
    config_id : a configuration of the current theory.
    limit : at most this many quotes (default: all).
    include_auto : also offer passages resting on auto or suggested codings (labelled ``auto coding``).
    window : the linking window for co-occurrence (see :func:`ipe.cmo.link_evidence`).
    found : the candidates :func:`candidates` listed for every configuration with this ``window`` and every coder,
        when the caller already has them (one listing serves every configuration; co-occurrence is not found again).

    Returns
    -------
    list of QuoteChoice

    Examples
    --------
    >>> [q.kind for q in rank_quotes(store, codebook, "CMO-01", limit=3)]
    ['evidence', 'human coding', 'human coding']
    """
    config = theory.configuration(store, codebook, config_id)
    attrs = store.source_attributes()
    texts: dict[str, str] = {}
    turns: dict[str, list] = {}

    def choice(sid, start, end, kind, relation="", code="", rationale="", quote=None) -> QuoteChoice:
        if sid not in texts:
            texts[sid] = store.source(sid, structure=False).text
            turns[sid] = store.turns(sid)
        role = next((t.role for t in turns[sid] if t.start <= start < max(t.end, t.start + 1) and t.role), "")
        a = attrs.get(sid, {})
        return QuoteChoice(ref=f"{sid}:{start}-{end}", source_id=sid, start=start, end=end,
                           quote=quote if quote is not None else texts[sid][start:end], kind=kind, relation=relation,
                           code=code, case=a.get("case", ""), data_type=a.get("data_type", ""),
                           role=role or a.get("role", ""), agency=a.get("agency", ""), rationale=rationale)

    tiers: list[list[QuoteChoice]] = []
    held = sorted((e for e in store.evidence(config_id=config_id) if e.status == "ok"),
                  key=lambda e: (_RELATION_ORDER[e.relation], e.source_id, e.start, e.id))
    tiers.append([choice(e.source_id, e.start, e.end, "evidence", e.relation, rationale=e.rationale, quote=e.quote)
                  for e in held])
    found = [c for c in (candidates(store, codebook, config_id, window) if found is None else found)
             if c.config_id == config_id and c.decision != "dismissed"]
    tiers.append([choice(c.source_id, c.start, c.end, "human coding", code=f"{c.src}->{c.dst}")
                  for c in found if c.kind == HUMAN])
    kinds = store.coders()
    order = [config.outcome, *reversed(config.mechanisms), config.context]
    rank = {code: i for i, code in reversed(list(enumerate(order)))}
    codings = [c for c in current_codings(store, codes=sorted(rank)) if kinds.get(c.coder) == "human"]
    codings.sort(key=lambda c: (rank[c.code_id], c.source_id, c.start, c.end, c.coder))
    tiers.append([choice(c.source_id, c.start, c.end, "human coding", code=c.code_id) for c in codings])
    if include_auto:
        rejected = {(sid, start, end, code) for _, _, sid, start, end, code, decision in store.reviews()
                    if decision == "reject"}
        tiers.append([choice(c.source_id, c.start, c.end, "auto coding", code=f"{c.src}->{c.dst}")
                      for c in found if c.kind == AUTO and c.decision != "promoted"
                      and (c.source_id, c.src_start, c.src_end, c.src) not in rejected
                      and (c.source_id, c.dst_start, c.dst_end, c.dst) not in rejected])
    chosen: list[QuoteChoice] = []
    for tier in tiers:
        for q in _spread(tier, lambda q: q.source_id):
            if any(p.source_id == q.source_id and p.start < q.end and q.start < p.end for p in chosen):
                continue
            chosen.append(q)
            if limit is not None and len(chosen) >= limit:
                return chosen
    return chosen
