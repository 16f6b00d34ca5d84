"""Team coding: who codes which source, blind double coding, consensus resolutions, and the feed of changes.

A lead assigns sources to coders, blind or not. While a source is blind, everyone but a lead sees only their own
codings of it (:func:`visible_coders`, :func:`filter_visible`: the web layer filters every listing through them);
the lead unblinds it to compare. Disagreements are settled into a consensus coder, each :class:`Resolution`
recording who decided, which coding was kept (or none) and why. :func:`changes` lists what changed in a source
since a point in the audit log, for pages that update live.

``actor`` is a :class:`ipe.records.User` or a user's name; here it must be a lead (the command line names one with
``--as``).
"""

from __future__ import annotations

import json
from typing import Iterable, Optional, Union

from ipe.accounts import actor_name
from ipe.errors import Forbidden, IpeError, NotFound
from ipe.records import AUTO_CODER, Assignment, Coding, Resolution, User

__all__ = [
    "Assignment", "Resolution", "assign", "unassign", "unblind", "assignments", "may_write", "visible_coders",
    "filter_visible", "disagreements", "overlapping", "resolve", "resolutions", "changes", "lead", "CONSENSUS",
]

CONSENSUS = "consensus"
# Audit actions that never touch codings: they need no reload of an open source page.
_QUIET = {"user add", "user role", "user password", "user remove", "session start", "session end", "memo add",
          "survey import", "survey link", "pack ingest", "evidence link", "evidence unlink", "evidence import",
          "candidate dismiss", "candidate promote", "anonymise destroy-key", "db copy", "theory revise"}

Actor = Union[User, str]


def lead(store, actor: Actor) -> User:
    """The actor as a user who is a lead now; :class:`ipe.errors.Forbidden` otherwise."""
    name = actor_name(actor)
    current = store.user_row(name)
    if current is None:
        raise Forbidden(f"'{name}' is not a user of this project; only a lead may do this")
    if current.role != "lead":
        raise Forbidden(f"{name} is a {current.role}; only a lead may do this")
    return current


def _plural(word: str, items: list) -> str:
    return f"{word}{'s' if len(items) > 1 else ''} {', '.join(items)}"


def _check(store, source_ids: Iterable[str], coders: Optional[Iterable[str]] = None) -> tuple[list, list]:
    """Every problem with the named sources and coders, in one error."""
    source_ids = list(dict.fromkeys(source_ids))
    coders = list(dict.fromkeys(coders or []))
    problems = []
    if not source_ids:
        problems.append("name at least one source")
    unknown = [s for s in source_ids if not store.has_source(s)]
    if unknown:
        problems.append(f"no {_plural('source', unknown)} in the project")
    people = {c: store.user_row(c) for c in coders}
    missing = [c for c, u in people.items() if u is None]
    if missing:
        problems.append(f"no {_plural('user', missing)} in the project")
    viewers = [c for c, u in people.items() if u is not None and u.role == "viewer"]
    if viewers:
        problems.append(f"{_plural('', viewers).strip()} {'are viewers' if len(viewers) > 1 else 'is a viewer'},"
                        " who cannot code")
    if problems:
        raise IpeError("; ".join(problems))
    return source_ids, coders


def assign(store, source_ids: Iterable[str], coders: Iterable[str], *, blind: bool, actor: Actor) -> list[Assignment]:
    """Assign each source to each coder (blind or not); assigning again only updates blindness. Lead only."""
    who = lead(store, actor)
    source_ids, coders = _check(store, source_ids, coders)
    if not coders:
        raise IpeError("name at least one coder")
    detail = {"sources": source_ids, "coders": coders, "blind": bool(blind)}
    with store.transaction(who.name, "assign", detail) as tx:
        for source_id in source_ids:
            for coder in coders:
                tx.put_assignment(source_id, coder, bool(blind), who.name)
    return [a for a in store.assignment_rows() if a.source_id in source_ids and a.coder in coders]


def unassign(store, source_ids: Iterable[str], coders: Iterable[str], *, actor: Actor) -> int:
    """Take sources away from coders (their codings stay); returns the assignments removed. Lead only."""
    who = lead(store, actor)
    source_ids, coders = _check(store, source_ids, coders)
    with store.transaction(who.name, "unassign", {"sources": source_ids, "coders": coders}) as tx:
        return sum(tx.delete_assignment(s, c) for s in source_ids for c in coders)


def unblind(store, source_ids: Iterable[str], *, actor: Actor) -> int:
    """End blind coding of these sources: every coder now sees every coding. Returns assignments changed."""
    who = lead(store, actor)
    source_ids, _ = _check(store, source_ids)
    with store.transaction(who.name, "unblind", {"sources": source_ids}) as tx:
        return sum(tx.unblind_source(s) for s in source_ids)


def assignments(store, *, source_id: Optional[str] = None, coder: Optional[str] = None) -> list[Assignment]:
    """The assignments, by source then coder; optionally of one source or one coder."""
    return store.assignment_rows(source_id, coder)


def _current(store, user: Optional[User]) -> Optional[User]:
    # The role as it is now, not as it was when the session began.
    return store.user_row(user.name) if isinstance(user, User) else None


def may_write(user: Optional[User], store, source_id: str) -> bool:
    """Whether ``user`` may change codings of the source: a lead always, a coder if assigned it, a viewer never."""
    current = _current(store, user)
    if current is None or current.role == "viewer":
        return False
    if current.role == "lead":
        return True
    return bool(store.assignment_rows(source_id, current.name))


def visible_coders(store, user: Optional[User], source_id: str) -> Optional[frozenset]:
    """Whose codings of the source ``user`` may see: None for everyone's, else the set of coder names.

    A lead sees everything; anyone else, on a source with a blind assignment in force, sees only their own."""
    current = _current(store, user)
    if current is not None and current.role == "lead":
        return None
    if store.blind_sources([source_id]):
        return frozenset({current.name}) if current is not None else frozenset()
    return None


def filter_visible(store, user: Optional[User], codings: Iterable[Coding]) -> list[Coding]:
    """The codings ``user`` may see, from any number of sources (see :func:`visible_coders`)."""
    codings = list(codings)
    current = _current(store, user)
    if current is not None and current.role == "lead":
        return codings
    blind = store.blind_sources()
    name = current.name if current is not None else None
    return [c for c in codings if c.source_id not in blind or c.coder == name]


# -- consensus -----------------------------------------------------------------------------------------------------

def _consensus_coder(store, name: str) -> str:
    if not name or name == AUTO_CODER or store.user_row(name) is not None:
        raise IpeError(f"'{name}' cannot be the consensus coder: it is the auto-coder or a user's own coder name")
    return name


def resolve(store, source_id: str, code_id: str, *, kept_coding_id: Optional[int], reason: str, actor: Actor,
            consensus_coder: str = CONSENSUS, span: Optional[tuple[int, int]] = None) -> Resolution:
    """Settle a disagreement on ``code_id`` in a source: keep one coder's coding as the consensus, or none.

    The kept coding is copied to ``consensus_coder`` (provenance names whose it was); the consensus coder's earlier
    codings of that code overlapping it are replaced. With ``kept_coding_id=None`` nothing is kept over ``span``
    (default: the stretch the human coders coded with ``code_id`` in the source), and consensus codings there are
    removed. Every resolution records who decided, which coding was kept and why. Lead only.
    """
    from ipe.project import current_codebook  # loads the codebook machinery only when resolving

    who = lead(store, actor)
    consensus_coder = _consensus_coder(store, consensus_coder)
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise IpeError("give a reason for the resolution (--reason)")
    if not store.has_source(source_id):
        raise NotFound(f"no source '{source_id}' in the project")
    version, cb = current_codebook(store)
    if code_id not in cb.by_id:
        raise NotFound(f"no code '{code_id}' in the codebook")
    kept = None
    if kept_coding_id is not None:
        try:
            kept = store.coding(int(kept_coding_id))
        except (TypeError, ValueError):
            raise NotFound(f"no coding {kept_coding_id!r} in the project") from None
        if (kept.source_id, kept.code_id) != (source_id, code_id):
            raise IpeError(f"coding {kept.id} is {kept.code_id} in {kept.source_id}, not {code_id} in {source_id}")
        if kept.coder == consensus_coder:
            raise IpeError(f"coding {kept.id} is already the consensus coder's")
        start, end = kept.start, kept.end
    elif span is not None:
        start, end = int(span[0]), int(span[1])
        if not 0 <= start < end:
            raise IpeError(f"span {start}-{end} is not a stretch of text")
    else:
        coders = store.coders()
        disputed = [c for c in store.codings(codes=[code_id], sources=[source_id])
                    if coders.get(c.coder) == "human" and c.coder != consensus_coder]
        if not disputed:
            raise IpeError(f"no human coder coded {code_id} in {source_id}: nothing to resolve")
        start, end = min(c.start for c in disputed), max(c.end for c in disputed)
    replaced = [c.id for c in store.codings(coders=[consensus_coder], codes=[code_id], sources=[source_id],
                                            status=None) if c.start < end and start < c.end]
    detail = {"source": source_id, "code": code_id, "kept": kept.id if kept else None,
              "kept_coder": kept.coder if kept else None, "reason": reason, "coder": consensus_coder}
    with store.transaction(who.name, "consensus", detail) as tx:
        tx.ensure_coder(consensus_coder, "human")
        for cid in replaced:
            tx.delete_coding(cid)
        new_id = None
        if kept is not None:
            new_id = tx.add_coding(Coding(source_id=source_id, start=start, end=end, code_id=code_id,
                                          coder=consensus_coder, provenance=f"consensus: {kept.coder}'s coding {kept.id}",
                                          codebook_version=version, quote=kept.quote))
            detail["coding"] = new_id
        if replaced:
            detail["removed"] = replaced
        rid = tx.add_resolution(source_id, code_id, kept.id if kept else None, kept.coder if kept else None, start,
                                end, new_id, who.name, reason)
        detail["resolution"] = rid
    return store.resolution_rows(resolution_id=rid)[0]


def disagreements(store, source_id: str, *, unit: str = "sentence") -> tuple[list[str], list[dict]]:
    """The units and codes of a source where its assigned coders differ: ``(coders, rows)``.

    The disagreements are :func:`ipe.agreement.coder_agreement`'s; each row adds, per coder, the ids of their
    codings of that code overlapping the unit (what a lead keeps with :func:`resolve`). Every coder's codings
    are named, so in the web layer only a lead, or anyone once the source is unblinded, may see this.
    """
    from ipe.agreement import coder_agreement

    if not store.has_source(source_id):
        raise NotFound(f"no source '{source_id}' in the project")
    assigned = [a.coder for a in store.assignment_rows(source_id)]
    codings = store.codings(coders=assigned, sources=[source_id])
    coders = [c for c in assigned if any(k.coder == c for k in codings)]
    if len(coders) < 2:
        raise IpeError(f"{source_id}: {len(coders)} of its {len(assigned)} assigned coders coded it; disagreements"
                       " need two (ipe assign SOURCE --coder A --coder B)")
    try:
        _, table = coder_agreement(store, coders, unit, sources=[source_id])
    except ValueError as exc:
        raise IpeError(f"{source_id}: {exc}") from None
    rows = [{**row, "codings": overlapping(codings, coders, row["code"], row["start"], row["end"])}
            for row in table.to_dict("records")]
    return coders, rows


def overlapping(codings: Iterable[Coding], coders: Iterable[str], code_id: str, start: int,
                end: int) -> dict[str, list[int]]:
    """Per coder, the ids of their codings of ``code_id`` overlapping ``[start, end)``: what a lead may keep."""
    codings = list(codings)
    return {c: [k.id for k in codings if k.coder == c and k.code_id == code_id and k.start < end and start < k.end]
            for c in coders}


def resolutions(store, source_id: Optional[str] = None) -> list[Resolution]:
    """Every consensus resolution (of one source, optionally), oldest first."""
    return store.resolution_rows(source_id)


# -- live updates ------------------------------------------------------------------------------------------------

def _entry_changes(entry, detail: dict, source_id: str) -> list[dict]:
    base = {"change": entry.id, "action": entry.action, "actor": entry.actor, "at": entry.at}
    action = entry.action
    if action in ("coding add", "coding remove", "coding move"):
        if detail.get("source") != source_id:
            return []
        kind = {"coding add": "add", "coding remove": "remove", "coding move": "update"}[action]
        return [{**base, "kind": kind, "coding": detail.get("coding"), "coder": detail.get("coder")}]
    if action in ("review decide", "consensus"):
        if detail.get("source") != source_id:
            return []
        coder = detail.get("reviewer") if action == "review decide" else detail.get("coder")
        out = []
        if action == "review decide":
            out.append({**base, "kind": "update", "coding": detail.get("coding"), "coder": detail.get("auto_coder")})
            out += [{**base, "kind": "add", "coding": c, "coder": coder} for c in detail.get("added", [])]
        elif detail.get("coding") is not None:
            out.append({**base, "kind": "add", "coding": detail["coding"], "coder": coder})
        out += [{**base, "kind": "remove", "coding": c, "coder": coder} for c in detail.get("removed", [])]
        return out
    if action in _QUIET:
        return []
    named = detail.get("sources", [detail["source"]] if "source" in detail else None)
    if isinstance(named, list) and source_id not in named:
        return []
    # A batch write (auto-coding, an import, assignments) may have changed anything: the page reloads the source.
    return [{**base, "kind": "reload", "coding": None, "coder": None}]


def changes(store, source_id: str, since: int, user: Optional[User] = None, limit: int = 1000) -> tuple[int, list]:
    """What changed in a source after audit entry ``since``: ``(latest, changes)``.

    ``latest`` is the counter to ask from next time (an audit id: it only grows). Each change is a dict with
    ``change`` (its audit id), ``kind`` (``add``, ``remove``, ``update``, or ``reload`` when a batch write may have
    changed anything), ``coding`` (an id, or None), ``coder``, ``action``, ``actor`` and ``at``. With ``user``,
    changes to codings the user may not see (blind coding) are left out. At most ``limit`` audit entries are
    read at a time; ask again from ``latest`` for the rest.
    """
    try:
        since = max(0, int(since))
    except (TypeError, ValueError):
        raise IpeError(f"'since' must be a whole number, not {since!r}") from None
    entries = store.audit_since(since, limit)
    latest = entries[-1].id if entries else store.last_audit_id()
    visible = visible_coders(store, user, source_id) if user is not None else None
    out = []
    for entry in entries:
        try:
            detail = json.loads(entry.detail)
        except ValueError:
            detail = {}
        if not isinstance(detail, dict):
            detail = {}
        for change in _entry_changes(entry, detail, source_id):
            if visible is None or change["coder"] is None or change["coder"] in visible:
                out.append(change)
    return latest, out
