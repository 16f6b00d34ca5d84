"""Pseudonymisation: find personal identifiers in the stored texts and replace them with readable pseudonyms.

Transcripts about children's safeguarding are special-category personal data; before outputs leave the project,
names, contact details and other identifiers are replaced across the whole corpus.

Detection (:func:`find_identifiers`, a pure function of one text):

- people's names from a :class:`Register`: the manifest's participants (full name, first name and surname), a
  names file (``name,kind`` CSV, kind ``child``/``parent``/``professional``/``person``) and speaker labels that are
  names; a first name or surname shared by two people of the register is a name of its own;
- a title or rank and a capitalised name ("Mrs Khan", "Dr Ellis", "DS WALSH");
- NHS numbers (ten digits, ``3-3-4`` spaced or not, valid modulus-11 check digit only), National Insurance numbers,
  full UK postcodes (outward and inward code; "SW1", "P3" alone never fire), UK phone numbers (``07`` mobiles,
  ``01``/``02``/``03`` landlines, ``+44`` forms), email addresses, dates of birth (a date shortly after "born",
  "DOB", "date of birth"; other dates are left alone), street addresses (number, capitalised name, street word);
- organisations listed in an organisations file (``name,kind`` CSV, kind ``school``/``gp_practice``/
  ``organisation``);
- with ``nlp`` (an installed spaCy pipeline with NER, never downloaded), its PERSON, GPE and ORG entities
  (medium confidence, replaced).

Low-confidence candidates are listed for a person to confirm, never replaced: names ending in "Primary",
"Academy", "School", "Surgery", "Medical Centre"; capitalised word pairs ("Reece Dunmore"); capitalised words inside
a sentence that are not English words (spaCy's lemma lookup tables serve as the word list: "Kayden", "Shannon");
short forms of registered first names ("Rob", "Jo"); the word before a registered surname ("Mason" Pryce). A person
confirms a candidate by adding it to the names or organisations file and running again.

Overlapping findings resolve to the longest, then the most specific (structured identifiers before names), then the
most confident; text already pseudonymised is never matched.

Replacement (:func:`pseudonymise_project`): each identifier gets a pseudonym by kind (``[Child 1]``,
``[Parent 2]``, ``[Person 3]``, ``[School 1]``, ``[GP practice 1]``, ``[Phone]``, ``[NHS number]``, ...), the same
for the same identifier throughout the corpus; a register person's first name, surname and full name share one.
Speaker labels that are names become role labels numbered per role ("Social worker 2", "Parent 1"), in the text
and in the turn records; a participant attribute becomes the participant's pseudonym.

Design. The pseudonymised text becomes the working text: there is no second copy of the original in the store.
Offsets are mapped through the replacements: a position outside every replaced identifier shifts by the length
change of the replacements before it; a coding's start inside a replaced identifier snaps to the start of its
pseudonym and an end inside one snaps to the pseudonym's end, so a coding never splits a pseudonym; its quote is
re-sliced from the new text, so ``text[start:end] == quote`` holds for every coding afterwards. Turns and
sentences are mapped the same way. The whole corpus is written with :meth:`Store.rewrite_source` in one
transaction, which also sets the project's ``pseudonymised`` meta to ``yes``; a failure leaves the store as it was.

The key (identifier → pseudonym) is a JSON file outside the store, ``<project>/pseudonym-key.json``, created
owner-only (0600) with sorted keys; it is never exported, and :func:`destroy_key` deletes it. Re-running is
idempotent: pseudonyms are never detected again, the key is merged (earlier pseudonyms are kept), and the
numbering continues from the highest number used (kept in the store's meta, which holds no identifier).

Source ids, names and paths go through the key too (:mod:`ipe.source_names`): ``brennan-family.txt`` becomes
``parent-3-family`` everywhere the source is referred to, the original id kept only in the key. Not rewritten here:
memos, and the database file's free pages, which hold the old text unless SQLite's ``secure_delete`` is on (the
store owns that).
An orphaned coding's quote, which is not in the text, is pseudonymised on its own.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from dataclasses import replace as _replace
from pathlib import Path
from typing import Optional

from ipe.corpus import content_hash
from ipe.evidence import follow_rewrite
from ipe.errors import IpeError
from ipe.identifiers import (
    PSEUDONYM,
    Finding,
    OrgList,
    Register,
    build_register,
    find_identifiers,
    nhs_number_valid,
    read_names,
    read_orgs,
    speaker_is_name,
)
from ipe.records import Sentence, Source
from ipe.source_names import LabelNames, free_id, pseudonymise_label, source_label

__all__ = [
    "Finding", "Register", "OrgList", "ReviewRow", "PseudonymReport", "find_identifiers", "nhs_number_valid",
    "read_names", "read_orgs", "build_register", "pseudonymise_project", "destroy_key", "KEY_NAME",
]

KEY_NAME = "pseudonym-key.json"
META_DONE = "pseudonymised"
META_COUNTERS = "pseudonym_counters"
NAME_KINDS = ("child", "parent", "person")
NUMBERED = {"child": "Child", "parent": "Parent", "person": "Person", "place": "Place", "school": "School",
            "gp_practice": "GP practice", "organisation": "Organisation"}
FIXED = {"phone": "[Phone]", "nhs_number": "[NHS number]", "ni_number": "[NI number]", "postcode": "[Postcode]",
         "email": "[Email]", "dob": "[Date of birth]", "address": "[Address]"}

# -- pseudonyms and the key ------------------------------------------------------------------------------------------


class Pseudonyms:
    """Identity → pseudonym, numbered per kind in order of first use, continuing from earlier runs."""

    def __init__(self, key: Optional[dict] = None, counters: Optional[dict] = None):
        key = key or {}
        self.names: dict[str, str] = dict(key.get("pseudonyms", {}))
        self.speakers: dict[str, str] = dict(key.get("speakers", {}))
        self.sources: dict[str, str] = dict(key.get("sources", {}))  # original source id -> pseudonymised id
        self.counters: Counter = Counter()
        for label, n in (counters or {}).items():  # from the store: numbering survives a destroyed key
            self.counters[label] = max(self.counters[label], int(n))
        numbered = [(v, "") for v in self.names.values()] + [(v, "speaker:") for v in self.speakers.values()]
        for value, space in numbered:
            m = re.fullmatch(r"\[?(.+?) (\d+)\]?", value)
            if m:
                label = space + m.group(1)
                self.counters[label] = max(self.counters[label], int(m.group(2)))
        self._by_identity: dict[tuple[str, str], str] = {}

    def known_names(self) -> list[tuple[str, str]]:
        """``(name, kind)`` of every person in the key, so later runs give them the same pseudonym."""
        labels = {v: k for k, v in NUMBERED.items()}
        out = []
        for name, value in sorted(self.names.items()):
            m = re.fullmatch(r"\[(.+?) \d+\]", value)
            if m and labels.get(m.group(1)) in NAME_KINDS:
                out.append((name, labels[m.group(1)]))
        return out

    def _next(self, label: str) -> int:
        self.counters[label] += 1
        return self.counters[label]

    def for_finding(self, f: Finding) -> str:
        if f.kind in FIXED:
            return FIXED[f.kind]
        identity = f.identity or f.text
        if identity in self.names:
            return self.names[identity]
        label = NUMBERED[f.kind]
        pseudonym = f"[{label} {self._next(label)}]"
        self.names[identity] = pseudonym
        return pseudonym

    def record(self, surface: str, pseudonym: str) -> None:
        """Keep a surface form too ("Mr Marsh", "634 098 1275"), so the key reads as what was replaced."""
        surface = " ".join(surface.split())
        self.names.setdefault(surface, pseudonym)

    def for_speaker(self, speaker: str, role: Optional[str], person: Optional[Finding] = None) -> str:
        """A role label for a speaker named in a label ("Social worker 2"), numbered per role.

        When the speaker is a register person whose pseudonym has the role's label (a parent speaking as
        "Parent"), the label is that pseudonym without brackets, so "Parent 1:" and "[Parent 1]" are one person.
        """
        role_label = (role or "speaker").strip()
        role_label = role_label[:1].upper() + role_label[1:]
        key = f"{speaker} ({role or 'no role'})"
        if key not in self.speakers:
            if person is not None and NUMBERED.get(person.kind) == role_label:
                self.speakers[key] = self.for_finding(person)[1:-1]
            else:
                self.speakers[key] = f"{role_label} {self._next('speaker:' + role_label)}"
        return self.speakers[key]

    def key(self) -> dict:
        return {"pseudonyms": dict(self.names), "speakers": dict(self.speakers), "sources": dict(self.sources)}


def key_path(project_dir) -> Path:
    return Path(project_dir) / KEY_NAME


def read_key(project_dir) -> dict:
    path = key_path(project_dir)
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IpeError(f"{path}: cannot read the pseudonym key ({exc})") from None


def _write_private(path: Path, text: str) -> None:
    """Write a file owner-only (0600) from its creation, replacing any earlier one atomically."""
    tmp = path.with_name(path.name + ".tmp")
    if tmp.exists():
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


def write_key(project_dir, key: dict) -> Path:
    path = key_path(project_dir)
    _write_private(path, json.dumps(key, sort_keys=True, ensure_ascii=False, indent=2) + "\n")
    return path


def destroy_key(store, project_dir, actor: Optional[str] = None) -> bool:
    """Delete the pseudonym key; afterwards nothing links a pseudonym back to a person. True if there was one."""
    from ipe import erasure

    path = key_path(project_dir)
    existed = path.exists()
    identifiers = list(read_key(project_dir).get("pseudonyms", {})) if existed else []
    with store.transaction(actor, "anonymise destroy-key", {"existed": existed}):
        if existed:
            path.unlink()
        store.set_meta("pseudonym_key", "destroyed")
    erasure.make_it_hold(store, [i for i in identifiers if not PSEUDONYM.fullmatch(i)], "the key was deleted")
    return existed


# -- rewriting a source ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Replacement:
    start: int
    end: int
    new: str


class OffsetMap:
    """Maps offsets of the old text to the new one; a boundary inside a replaced span snaps outward."""

    def __init__(self, replacements: list[Replacement]):
        self.reps = sorted(replacements, key=lambda r: r.start)
        self.new_starts, shift = [], 0
        for r in self.reps:
            self.new_starts.append(r.start + shift)
            shift += len(r.new) - (r.end - r.start)

    def __call__(self, pos: int, side: str) -> int:
        shift = 0
        for r, new_start in zip(self.reps, self.new_starts):
            if r.end <= pos:
                shift += len(r.new) - (r.end - r.start)
            elif r.start < pos:
                return new_start if side == "start" else new_start + len(r.new)
            else:
                break
        return pos + shift


def apply(text: str, replacements: list[Replacement]) -> str:
    out, last = [], 0
    for r in sorted(replacements, key=lambda r: r.start):
        out.append(text[last:r.start])
        out.append(r.new)
        last = r.end
    out.append(text[last:])
    return "".join(out)


def _label_spans(src: Source) -> dict[int, tuple[int, int]]:
    """Turn number → span of its speaker label in the text (the label before the turn's speech), where found."""
    spans, previous_end = {}, 0
    for t in src.turns:
        if t.label:
            at = src.text.rfind(t.label, previous_end, t.start)
            if at >= 0:
                spans[t.n] = (at, at + len(t.label))
        previous_end = t.end
    return spans


@dataclass(frozen=True)
class ReviewRow:
    """One line of the review report: what was (or would be) replaced in a source, or a candidate to confirm."""

    source: str
    status: str  # replaced | candidate
    kind: str
    text: str
    pseudonym: str
    count: int
    confidence: str


@dataclass
class PseudonymReport:
    """What pseudonymisation did (or, in a dry run, would do), source by source."""

    rows: list = field(default_factory=list)
    sources: int = 0
    sources_changed: int = 0
    dry_run: bool = False
    key_path: Optional[Path] = None

    @property
    def replaced(self) -> int:
        return sum(r.count for r in self.rows if r.status == "replaced")

    @property
    def candidates(self) -> list:
        return [r for r in self.rows if r.status == "candidate"]

    def by_kind(self) -> dict:
        counts: Counter = Counter()
        for r in self.rows:
            if r.status == "replaced":
                counts[r.kind] += r.count
        return dict(sorted(counts.items()))

    def to_frame(self):
        import pandas as pd

        columns = ["source", "status", "kind", "text", "pseudonym", "count", "confidence"]
        return pd.DataFrame([r.__dict__ for r in self.rows], columns=columns)

    def write_csv(self, path) -> Path:
        """Write the review report owner-only: it names the identifiers it lists."""
        path = Path(path)
        _write_private(path, self.to_frame().to_csv(index=False, lineterminator="\n"))
        return path

    def summary(self) -> str:
        kinds = ", ".join(f"{n} {k}" for k, n in self.by_kind().items()) or "nothing"
        verb = "would replace" if self.dry_run else "replaced"
        return (f"{self.sources} sources, {self.sources_changed} changed: {verb} {self.replaced} identifiers ({kinds});"
                f" {len(self.candidates)} candidates to review")


def pseudonymise_source(src: Source, codings: list, register: Register, orgs: Optional[OrgList], nlp,
                        pseudonyms: Pseudonyms, participant: Optional[str] = None):
    """Pseudonymise one source in memory.

    Returns ``(new source, coding moves, [(finding, pseudonym or "" for a candidate)], whether the text changed,
    the participant's pseudonym or None)``; the moves are ``(coding id, start, end, quote)`` for
    :meth:`Store.rewrite_source`.
    """
    labels = _label_spans(src)
    speaker_names = {t.speaker for t in src.turns if t.speaker and speaker_is_name(t.speaker, register)}
    replacements: list[Replacement] = []
    label_rows: list = []
    turn_speakers: dict[int, str] = {}
    for t in src.turns:
        if t.speaker in speaker_names:
            hit = register.lookup(t.speaker)
            person = Finding(0, 0, hit[1], t.speaker, "high", hit[0]) if hit else None
            new = pseudonyms.for_speaker(t.speaker, t.role, person)
            turn_speakers[t.n] = new
            if t.n in labels:
                s, e = labels[t.n]
                replacements.append(Replacement(s, e, new))
                label_rows.append((Finding(s, e, "speaker", src.text[s:e], "high", t.speaker), new))
    findings = find_identifiers(src.text, register, orgs, nlp, protected=[(r.start, r.end) for r in replacements])
    chosen = label_rows
    for f in findings:
        if f.replaced:
            pseudonym = pseudonyms.for_finding(f)
            pseudonyms.record(f.text, pseudonym)
            replacements.append(Replacement(f.start, f.end, pseudonym))
            chosen.append((f, pseudonym))
        else:
            chosen.append((f, ""))
    mapping = OffsetMap(replacements)
    text = apply(src.text, replacements)
    turns = [
        _replace(t, start=mapping(t.start, "start"), end=mapping(t.end, "end"),
                 speaker=turn_speakers.get(t.n, t.speaker), label=turn_speakers.get(t.n, t.label))
        for t in src.turns
    ]
    sentences = [Sentence(n=x.n, turn=x.turn, start=mapping(x.start, "start"), end=mapping(x.end, "end"))
                 for x in src.sentences]
    moves = []
    for c in codings:
        start, end = mapping(c.start, "start"), mapping(c.end, "end")
        if c.status == "ok":
            quote = text[start:end]
        else:  # an orphaned coding's quote is not in the text: pseudonymise the quote itself
            quote_findings = [f for f in find_identifiers(c.quote, register, orgs, nlp) if f.replaced]
            quote = apply(c.quote, [Replacement(f.start, f.end, pseudonyms.for_finding(f)) for f in quote_findings])
        if (start, end, quote) != (c.start, c.end, c.quote):
            moves.append((c.id, start, end, quote))
    new_participant = None
    if participant and not PSEUDONYM.fullmatch(participant):
        hit = register.lookup(participant)
        if hit:
            new_participant = pseudonyms.for_finding(Finding(0, 0, hit[1], participant, "high", hit[0]))
    new = Source(id=src.id, name=src.name, text=text, format=src.format, content_hash=content_hash(text),
                 attributes=src.attributes, turns=turns, sentences=sentences, path=src.path)
    return new, moves, chosen, bool(replacements), new_participant


def _review_rows(source_id: str, chosen: list) -> list[ReviewRow]:
    counts: Counter = Counter()
    for f, pseudonym in chosen:
        status = "replaced" if pseudonym else "candidate"
        counts[(status, f.kind, " ".join(f.text.split()), pseudonym, f.confidence)] += 1
    return [ReviewRow(source_id, status, kind, text, pseudonym, n, confidence)
            for (status, kind, text, pseudonym, confidence), n in sorted(counts.items())]


def pseudonymise_project(store, project_dir, names=None, orgs=None, model: Optional[str] = None,
                         dry_run: bool = False, actor: Optional[str] = None,
                         progress=lambda items, **kw: items) -> PseudonymReport:
    """Replace identifiers in every source with pseudonyms, in one transaction; return the review report.

    Parameters
    ----------
    store : the open project :class:`~ipe.store.Store`.
    project_dir : the project folder; the key is written to ``<project_dir>/pseudonym-key.json`` (0600).
    names : a names file (``name,kind`` CSV) added to the manifest's participants and speaker labels.
    orgs : an organisations file (``name,kind`` CSV).
    model : an installed spaCy pipeline with NER (never downloaded); its PERSON, GPE and ORG entities are added.
    dry_run : find and report only: nothing is written to the store or the key.

    Raises
    ------
    ManifestError : a names or organisations file is malformed.
    IpeError : the model is not installed, or the key cannot be read.
    """
    project_dir = Path(project_dir)
    name_entries = read_names(names) if names else []
    org_list = OrgList.from_entries(read_orgs(orgs)) if orgs else None
    nlp = None
    if model:
        from ipe.nlp import installed_pipeline

        nlp = installed_pipeline(model)
        if "ner" not in nlp.pipe_names and "entity_ruler" not in nlp.pipe_names:
            raise IpeError(f"spaCy pipeline '{model}' has no named-entity recogniser")
    counters = json.loads(store.get_meta(META_COUNTERS, "{}") or "{}")
    pseudonyms = Pseudonyms(read_key(project_dir), counters)
    attributes = store.source_attributes()
    participants = [(a["participant"], a.get("role", "")) for a in attributes.values() if a.get("participant")]
    speakers = sorted({(t.speaker, t.role or "") for sid in store.source_ids() for t in store.turns(sid) if t.speaker})
    register = build_register(participants, name_entries, speakers, pseudonyms.known_names())
    report = PseudonymReport(dry_run=dry_run, key_path=key_path(project_dir))

    def run() -> None:
        ids = store.source_ids()
        for src in progress(store.iter_sources(ids), label="Pseudonymising", length=len(ids)):
            report.sources += 1
            codings = store.codings(sources=[src.id], status=None)
            participant = attributes.get(src.id, {}).get("participant")
            new, moves, chosen, changed, new_participant = pseudonymise_source(
                src, codings, register, org_list, nlp, pseudonyms, participant)
            report.rows += _review_rows(src.id, chosen)
            report.sources_changed += bool(changed or new_participant)
            if dry_run:
                continue
            if changed:
                store.rewrite_source(new, moves)
                follow_rewrite(store, src.text, new)
            for _, version, _, old_text, _ in store.source_versions(src.id):
                # A replaced source's earlier text is kept for recovery: it must not keep the identifiers either.
                found = [f for f in find_identifiers(old_text, register, org_list, nlp) if f.replaced]
                if found:
                    store.rewrite_source_version(src.id, version, apply(old_text, [
                        Replacement(f.start, f.end, pseudonyms.for_finding(f)) for f in found]))
            if new_participant:
                store.set_attributes(src.id, {**attributes[src.id], "participant": new_participant})
            _rename(store, src, LabelNames(pseudonyms, register, org_list), pseudonyms, report, dry_run)
        names = LabelNames(pseudonyms, register, org_list)
        for provenance in store.provenances():  # "import brennan-family.csv:3": file names of imports
            new = pseudonymise_label(provenance, names)[0]
            if new != provenance and not dry_run:
                store.relabel_provenance(provenance, new)

    if dry_run:
        run()
        return report
    detail = {"model": model or "", "names_file": bool(names), "orgs_file": bool(orgs)}
    with store.transaction(actor, "anonymise", detail):
        run()
        # The audit entry is written when the transaction ends: counts only, never an identifier.
        detail.update(sources=report.sources, changed=report.sources_changed, replaced=report.replaced,
                      by_kind=report.by_kind())
        store.set_meta(META_DONE, "yes")
        store.set_meta(META_COUNTERS, json.dumps(dict(sorted(pseudonyms.counters.items())), sort_keys=True))
        # Written last inside the transaction: if the key cannot be written, the text is left as it was.
        write_key(project_dir, pseudonyms.key())
    from ipe import erasure

    erasure.make_it_hold(store, [r.text for r in report.rows if r.status == "replaced"], "identifiers replaced")
    return report


def _rename(store, src: Source, names: LabelNames, pseudonyms: Pseudonyms, report: PseudonymReport,
            dry_run: bool) -> None:
    """Give a source whose id, name or path holds an identifier its pseudonymised ones; the old id goes to the key."""
    new_id, name, path, found = source_label(src.id, src.name, src.path, names, pseudonyms.sources)
    if not found and new_id == src.id:
        return
    report.rows += [ReviewRow(src.id if dry_run else new_id, "replaced", "source name", text, pseudonym, 1, "high")
                    for text, pseudonym in sorted(set(found))]
    if dry_run:
        return
    if new_id != src.id:
        new_id = free_id(new_id, set(store.source_ids()) - {src.id})
        pseudonyms.sources[src.id] = new_id
        report.rows.append(ReviewRow(new_id, "replaced", "source id", src.id, new_id, 1, "high"))
    store.rename_source(src.id, new_id, name, path)


# -- sources imported after pseudonymisation ---------------------------------------------------------------------------


def is_pseudonymised(store) -> bool:
    """True once ``ipe anonymise`` (or ``ipe run``) has pseudonymised the project."""
    return store.get_meta(META_DONE) == "yes"


def _remap(src: Source, replacements: list[Replacement]) -> Source:
    """``src`` with ``replacements`` applied, its turns and sentences mapped to the new text."""
    if not replacements:
        return src
    mapping = OffsetMap(replacements)
    text = apply(src.text, replacements)
    turns = [_replace(t, start=mapping(t.start, "start"), end=mapping(t.end, "end")) for t in src.turns]
    sentences = [Sentence(n=x.n, turn=x.turn, start=mapping(x.start, "start"), end=mapping(x.end, "end"))
                 for x in src.sentences]
    return _replace(src, text=text, content_hash=content_hash(text), turns=turns, sentences=sentences)


class Incoming:
    """The project's key applied to sources imported after pseudonymisation, so none is stored identifiable.

    The same detection as :func:`pseudonymise_project` runs with the register rebuilt from the key, the stored
    participants and speakers; then every identifier the key lists is replaced wherever it stands, so nothing
    already registered re-enters the working text. Call :meth:`save` inside the import's transaction.
    """

    def __init__(self, store, project_dir):
        self.store, self.project_dir = store, Path(project_dir)
        counters = json.loads(store.get_meta(META_COUNTERS, "{}") or "{}")
        self.pseudonyms = Pseudonyms(read_key(self.project_dir), counters)
        attributes = store.source_attributes()
        self.participants = [(a["participant"], a.get("role", "")) for a in attributes.values() if a.get("participant")]
        self.speakers = sorted({(t.speaker, t.role or "") for sid in store.source_ids() for t in store.turns(sid)
                                if t.speaker})

    def apply(self, src: Source) -> Source:
        """The source as it may be stored: pseudonymised with the project's key."""
        participant = src.attributes.get("participant")
        own = [(participant, src.attributes.get("role", ""))] if participant else []
        speakers = self.speakers + [(t.speaker, t.role or "") for t in src.turns if t.speaker]
        register = build_register(self.participants + own, [], speakers, self.pseudonyms.known_names())
        new, _, _, _, new_participant = pseudonymise_source(src, [], register, None, None, self.pseudonyms,
                                                            participant)
        known = sorted((k for k in self.pseudonyms.names if len(k) > 2 and not PSEUDONYM.fullmatch(k)),
                       key=lambda k: (-len(k), k))
        replacements, taken = [], [m.span() for m in PSEUDONYM.finditer(new.text)]
        if known:
            pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(k) for k in known) + r")(?!\w)", re.IGNORECASE)
            by_lower = {k.lower(): self.pseudonyms.names[k] for k in known}
            for m in pattern.finditer(new.text):
                if not any(s < m.end() and m.start() < e for s, e in taken):
                    replacements.append(Replacement(m.start(), m.end(), by_lower[m.group(0).lower()]))
        new = _remap(new, replacements)
        if new_participant:
            new = _replace(new, attributes={**new.attributes, "participant": new_participant})
        sid, name, path, _ = source_label(src.id, src.name, src.path, LabelNames(self.pseudonyms, register),
                                          self.pseudonyms.sources)
        if sid != src.id:
            self.pseudonyms.sources[src.id] = sid
        return _replace(new, id=sid, name=name, path=path)

    def save(self) -> None:
        """Store the numbering and write the merged key (inside the caller's transaction, last)."""
        self.store.set_meta(META_COUNTERS, json.dumps(dict(sorted(self.pseudonyms.counters.items())), sort_keys=True))
        if self.store.get_meta("pseudonym_key") != "destroyed":
            write_key(self.project_dir, self.pseudonyms.key())


def key_label(project_dir, label: str) -> str:
    """``label`` (a file name, a provenance) as pseudonymisation wrote it: its identifiers replaced through the key."""
    return pseudonymise_label(label, LabelNames(Pseudonyms(read_key(project_dir))))[0]


def renamed_sources(project_dir) -> dict[str, str]:
    """Original source id → id, for sources renamed because their file name held an identifier (from the key)."""
    return dict(read_key(project_dir).get("sources", {}))


def require_pseudonymised(store, allow_identifiable: bool, what: str) -> None:
    """Refuse (one line) to write ``what`` from a project with sources not yet pseudonymised, unless allowed."""
    if allow_identifiable or is_pseudonymised(store) or not store.source_ids():
        return
    raise IpeError(f"the project is not pseudonymised: {what} would hold names and other identifiers; run 'ipe "
                   "anonymise' first, or give --allow-identifiable")
