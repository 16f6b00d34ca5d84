"""Realist evidence records in REFI-QDA, in elements the standard has and other tools show.

Each configuration with evidence is a Note (``configuration: <id>``, its statement as text). Each evidence record
is a PlainTextSelection of its passage (no Coding: QualCoder shows it as an annotation, with the rationale as its
Description), a Note with the rationale (``evidence for <config>: <relation> (<elements>)``, by whoever linked it,
when), and a Link named for the relation from the selection to the configuration's Note, referring to the rationale.
Import reads exactly that shape back into evidence records.
"""

from __future__ import annotations

import re
from typing import Optional

from ipe.refi.common import _short, guid_for

CONFIG_NOTE = "configuration: "
_EVIDENCE_NOTE = re.compile(r"^evidence for (?P<config>.+): (?P<relation>[a-z]+) \((?P<elements>[a-z,]*)\)$")


def identity(item) -> str:
    return f"{item.config_id}:{item.source_id}:{item.start}:{item.end}:{item.relation}"


def note_name(item) -> str:
    return f"evidence for {item.config_id}: {item.relation} ({','.join(item.elements)})"


def parse_note_name(name: str) -> Optional[dict]:
    match = _EVIDENCE_NOTE.match(name or "")
    if not match:
        return None
    return {"config": match.group("config"), "relation": match.group("relation"),
            "elements": tuple(e for e in match.group("elements").split(",") if e)}


def statement(store, config_id: str, kept: Optional[str] = None) -> str:
    """What a configuration's Note says: its statement in the current theory, else the text it was imported
    with."""
    try:
        from ipe import project, theory

        _, codebook = project.current_codebook(store)
        return f"{config_id}: {theory.configuration(store, codebook, config_id).statement}"
    except Exception:  # a configuration not in this project's theory still has its evidence
        return kept or f"Configuration {config_id} of the programme theory."


class EvidenceExport:
    """The evidence of a project as the elements above, GUIDs from each record's identity."""

    def __init__(self, store, skipped: list):
        reader = getattr(store, "evidence", None)
        items = reader() if reader else []
        self.items = [e for e in items if e.status == "ok"]
        skipped += [f"evidence {e.id} ({e.config_id}): orphaned, not exported" for e in items if e.status != "ok"]
        self.store = store
        self.by_source: dict[str, list] = {}
        for e in self.items:
            self.by_source.setdefault(e.source_id, []).append(e)

    def authors(self) -> set:
        return {e.linked_by for e in self.items}

    def selections(self, element, source, to_unit, users: dict, sub, ns: str, guids: set) -> None:
        for e in sorted(self.by_source.get(source.id, []), key=lambda e: (e.start, e.end, e.config_id, e.relation)):
            key = identity(e)
            sel = sub(element, ns, "PlainTextSelection", guid=guid_for(f"evidence-selection:{key}"),
                      name=_short(source.text[e.start:e.end]), startPosition=to_unit(e.start),
                      endPosition=to_unit(e.end), creatingUser=users.get(e.linked_by), creationDateTime=e.created_at
                      and _date(e.created_at))
            sub(sel, ns, "Description", f"{e.relation.capitalize()} {e.config_id} ({', '.join(e.elements)}): "
                f"{e.rationale}")
            sub(sel, ns, "NoteRef", targetGUID=guid_for(f"evidence-note:{key}"))
            guids.add(sel.get("guid"))

    def notes(self, container, users: dict, sub, ns: str, guids: set) -> None:
        for config_id in sorted({e.config_id for e in self.items}):
            note = sub(container(), ns, "Note", guid=guid_for(f"configuration:{config_id}"),
                       name=f"{CONFIG_NOTE}{config_id}")
            kept = self.store.refi_objects("configuration").get(("configuration", config_id))
            sub(note, ns, "PlainTextContent", statement(self.store, config_id, kept[1]["text"] if kept else None))
            guids.add(note.get("guid"))
        for e in self.items:
            note = sub(container(), ns, "Note", guid=guid_for(f"evidence-note:{identity(e)}"), name=note_name(e),
                       creatingUser=users.get(e.linked_by), creationDateTime=e.created_at and _date(e.created_at))
            sub(note, ns, "PlainTextContent", e.rationale)
            guids.add(note.get("guid"))

    def links(self, container, sub, ns: str) -> None:
        for e in self.items:
            key = identity(e)
            link = sub(container(), ns, "Link", guid=guid_for(f"evidence-link:{key}"), name=e.relation,
                       direction="OneWay", originGUID=guid_for(f"evidence-selection:{key}"),
                       targetGUID=guid_for(f"configuration:{e.config_id}"))
            sub(link, ns, "NoteRef", targetGUID=guid_for(f"evidence-note:{key}"))


def _date(value: str) -> str:
    from ipe.refi.elements import _date as date

    return date(value)


def read_links(root, kids, norm) -> tuple[dict, set]:
    """Evidence links of a parsed project: selection GUID -> ``{config, relation, note}``, and the GUIDs of the
    Notes and Links they use (which then become no memos and are not kept as foreign Links)."""
    notes = {}
    holder = next((c for c in root if c.tag == "Notes"), None)
    for note in kids(holder, "Note") if holder is not None else []:
        notes[norm(note.get("guid"))] = note.get("name") or ""
    found, used = {}, set()
    holder = next((c for c in root if c.tag == "Links"), None)
    for link in kids(holder, "Link") if holder is not None else []:
        target = notes.get(norm(link.get("targetGUID")), "")
        refs = [norm(r.get("targetGUID")) for r in kids(link, "NoteRef")]
        parsed = parse_note_name(notes.get(refs[0], "")) if refs else None
        if not target.startswith(CONFIG_NOTE) or parsed is None:
            continue
        found[norm(link.get("originGUID"))] = {**parsed, "note": refs[0]}
        used |= {norm(link.get("guid")), norm(link.get("targetGUID")), refs[0]}
    return found, used
