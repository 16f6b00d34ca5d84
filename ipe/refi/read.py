"""Importing REFI-QDA projects and codebooks into an ipe project, in one transaction."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from ipe.errors import SourceError
from ipe.refi import archive as limits
from ipe.refi import kept as keep
from ipe.refi.archive import _Archive, _safe_name, parse_xml
from ipe.refi.codes import _build_codebook, _load_types, _read_codes
from ipe.refi.evidence import CONFIG_NOTE, read_links
from ipe.refi.kept import kid as _kid
from ipe.refi.kept import kids as _kids
from ipe.refi.kept import text as _text
from ipe.refi.common import (
    _ID_LINE,
    DEFAULT_USER,
    ImportReport,
    RefiError,
    _norm_guid,
    _unique,
)
from ipe.refi.offsets import choose_unit, decode_raw

# Sources ipe keeps whole without coding them, and the attributes that name their files in the archive.
KEPT_MEDIA = ("PictureSource", "PDFSource")
MEDIA_PATHS = ("path", "plainTextPath", "richTextPath")

# -- import: reading the document ------------------------------------------------------------------------------------


def _text_or_none(element, tag: str) -> Optional[str]:
    """A child's text exactly as written; None when there is no such child (empty stays empty)."""
    found = _kid(element, tag)
    return (found.text or "") if found is not None else None


def _value(element) -> Optional[str]:
    for tag in ("TextValue", "BooleanValue", "IntegerValue", "FloatValue", "DateValue", "DateTimeValue"):
        found = _kid(element, tag)
        if found is not None and (found.text or "").strip():
            return found.text.strip()
    return None


def _variable_map(root, variables: dict) -> dict:
    out = {}
    for vv in _kids(root, "VariableValue"):
        ref = _kid(vv, "VariableRef")
        key = variables.get(_norm_guid(ref.get("targetGUID"))) if ref is not None else None
        value = _value(vv)
        if key and value is not None:
            out[key] = value
    return out


# -- import ----------------------------------------------------------------------------------------------------------


@dataclass
class _Plan:
    """Everything read from a file before anything is written."""

    codebook: object = None
    code_ids: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)  # guid -> coder name
    sources: list = field(default_factory=list)  # ipe Source records
    codings: list = field(default_factory=list)  # (source id, start, end, code guid, coder)
    memos: list = field(default_factory=list)  # (kind, target or coding key, author, text)
    cases: int = 0
    name: str = ""
    kept: list = field(default_factory=list)  # (kind, key, guid, data): what an export writes back
    coding_meta: dict = field(default_factory=dict)  # coding key -> kept data of its selection and coding
    evidence: list = field(default_factory=list)  # dicts: source, start, end, config, relation, elements, note...


def import_file(store, path, types=None, actor: Optional[str] = None) -> ImportReport:
    """Import a REFI-QDA project (``.qdpx``) or codebook (``.qdc``) into the project, all in one transaction.

    Parameters
    ----------
    store : ipe.store.Store
    path : the ``.qdpx`` or ``.qdc`` file.
    types : optional YAML file mapping code names or GUIDs to a realist type (``context``) or to a mapping with
        ``type``, ``rules`` and optionally ``examples``, ``mechanism``, ``include``, ``exclude``.

    Returns
    -------
    ImportReport
        Counts of what was added, the offset unit used per source, and every skipped item with its reason.

    Raises
    ------
    RefiError
        For an unsafe or malformed file; nothing is written.
    """
    path = Path(path)
    report = ImportReport(path=path)
    type_map = _load_types(types)
    suffix = path.suffix.lower()
    if suffix == ".qdc":
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise RefiError(path, f"cannot read the file ({exc.strerror})") from None
        if len(data) > limits.MAX_UNCOMPRESSED:
            raise RefiError(path, "file too large, refused")
        root = parse_xml(data, str(path))
        if root.tag != "CodeBook":
            raise RefiError(path, f"not a REFI-QDA codebook (root element '{root.tag}')")
        plan = _Reader(store, root, None, path, type_map, report).read()
    elif suffix in (".qdpx", ".zip"):
        from ipe.anonymise import is_pseudonymised

        if is_pseudonymised(store):
            # Its texts, notes and kept selections would have to pass through the key with every offset mapped;
            # until they do, refusing keeps a pseudonymised project free of identifiers.
            raise RefiError(path, "the project is pseudonymised and a REFI-QDA project's texts, notes and codings "
                                  "are not yet passed through its key; import it before 'ipe anonymise' (which then "
                                  "pseudonymises it with the rest) or into a new project")
        with _Archive(path) as archive:
            entry = archive.project_entry()
            root = parse_xml(archive.read(entry), f"{path}:{entry.filename}")
            if root.tag != "Project":
                raise RefiError(path, f"not a REFI-QDA project (root element '{root.tag}')")
            plan = _Reader(store, root, archive, path, type_map, report).read()
    else:
        raise RefiError(path, "give a .qdpx (project) or .qdc (codebook) file")
    from ipe.refi.save import write_plan

    write_plan(store, plan, path, report, actor)
    return report


class _Reader:
    """Reads a parsed QDA-XML document into a :class:`_Plan`, one section at a time; writes nothing."""

    def __init__(self, store, root, archive, path: Path, type_map: dict, report: ImportReport):
        self.store, self.root, self.archive, self.path = store, root, archive, path
        self.type_map, self.report = type_map, report
        self.plan = _Plan(name=root.get("name") or "")
        self.origin = root.get("origin") or ""
        self.variables: dict[str, str] = {}  # variable guid -> attribute name
        self.case_attrs: dict[str, dict] = {}  # source guid -> attributes from its case
        self.note_targets: dict[str, list] = {}  # note guid -> [(kind, target)]
        self.quotes: dict[str, list] = {}  # code guid -> coded texts (examples for --types)
        self.raw_codings: list = []  # (source id, start, end, code guid, user guid)
        self.raw_meta: dict = {}  # raw coding -> kept data
        self.user_names: set = set()

    def read(self) -> _Plan:
        self.evidence_links, self.evidence_used = read_links(self.root, _kids, _norm_guid)
        self.users()
        self.cases()
        self.sources()
        self.codebook()
        self.codings()
        self.notes()
        self.plan.kept.append(("project", "", "", {"attrs": keep.attributes(self.root),
                                                    "description": _text_or_none(self.root, "Description")}))
        for kind, holder, item in (("set", "Sets", "Set"), ("link", "Links", "Link"), ("graph", "Graphs", "Graph")):
            for i, element in enumerate(self.section(holder, item)):
                guid = _norm_guid(element.get("guid")) or f"{kind}-{i}"
                if guid in self.evidence_used:
                    continue  # an evidence link: read as evidence, written again from it
                self.plan.kept.append((kind, guid, guid, {"xml": keep.verbatim(element), "order": i}))
        return self.plan

    def section(self, holder: str, item: str) -> list:
        found = _kid(self.root, holder)
        return _kids(found, item) if found is not None else []

    def refer(self, note_ref, target: tuple, **how) -> None:
        self.note_targets.setdefault(_norm_guid(note_ref.get("targetGUID")), []).append((*target, how))

    def coder(self, user_guid: Optional[str]) -> str:
        if user_guid is None:
            return DEFAULT_USER
        if user_guid not in self.plan.users:  # named by a creatingUser but not in Users
            name = _unique(f"user-{user_guid[:8]}", self.user_names)
            self.plan.users[user_guid] = name
            self.plan.kept.append(("user", name, user_guid, {"attrs": {"guid": user_guid}, "hidden": True}))
        return self.plan.users[user_guid]

    def users(self) -> None:
        for i, user in enumerate(self.section("Users", "User")):
            guid = _norm_guid(user.get("guid"))
            if guid:
                name = _unique((user.get("name") or user.get("id") or f"user-{guid[:8]}").strip(), self.user_names)
                self.plan.users[guid] = name
                self.plan.kept.append(("user", name, guid, {"attrs": keep.attributes(user), "order": i}))

    def cases(self) -> None:
        for i, var in enumerate(self.section("Variables", "Variable")):
            if _norm_guid(var.get("guid")) and var.get("name"):
                self.variables[_norm_guid(var.get("guid"))] = var.get("name").strip()
                self.plan.kept.append(("variable", var.get("name").strip(), _norm_guid(var.get("guid")), {
                    "attrs": keep.attributes(var), "description": _text_or_none(var, "Description"), "order": i}))
        for i, case in enumerate(self.section("Cases", "Case")):
            self.plan.cases += 1
            name = (case.get("name") or case.get("guid") or "").strip()
            values = _variable_map(case, self.variables)
            self.plan.kept.append(("case", name, _norm_guid(case.get("guid")) or "", {
                "attrs": keep.attributes(case), "description": _text_or_none(case, "Description"), "values": values,
                "value_order": list(values), "order": i, "had_sources": bool(_kids(case, "SourceRef"))}))
            for ref in _kids(case, "SourceRef"):
                sguid = _norm_guid(ref.get("targetGUID"))
                if sguid in self.case_attrs:
                    self.report.skip(f"case '{name}'", f"source {sguid} is already in case "
                                     f"'{self.case_attrs[sguid]['case']}'; kept there")
                else:
                    self.case_attrs[sguid] = {**values, "case": name}
            for ref in _kids(case, "NoteRef"):
                self.refer(ref, ("project", f"case {name}"), case=name)

    def sources(self) -> None:
        from ipe.nlp import pipeline

        nlp = pipeline(None, lemmas=False)
        existing = self.store.source_hashes()
        taken = set(existing)
        found = _kid(self.root, "Sources")
        for order, element in enumerate(list(found) if found is not None else []):
            self.source(element, nlp, taken, existing, order)

    def source(self, element, nlp, taken: set, existing: dict, order: int) -> None:
        from ipe import corpus
        from ipe.records import Source

        sguid = _norm_guid(element.get("guid"))
        label = f"source '{element.get('name') or sguid}'"
        if element.tag in KEPT_MEDIA:
            self.media(element, label, order, sguid)
            return
        if element.tag != "TextSource":
            self.report.skip(label, f"{element.tag} is not supported (text, picture and PDF sources only)")
            return
        read = _source_text(element, self.archive, self.path, label, self.report)
        if read is None:
            return
        raw, bom, entry = read
        selections = []
        for sel in _kids(element, "PlainTextSelection"):
            try:
                selections.append({"start": int(sel.get("startPosition")), "end": int(sel.get("endPosition")),
                                   "name": sel.get("name"), "element": sel})
            except (TypeError, ValueError):
                self.report.skip(f"{label} selection {sel.get('guid')}", "positions are not whole numbers")
        unit, text, table = choose_unit(raw, selections, self.origin)
        if not text:  # nothing ipe can code, but written back as it was
            self.report.skip(label, "empty text; kept for export only")
            files = {entry: ("\ufeff" if bom else "") + raw} if entry else {}
            self.plan.kept.append(("passive", sguid, sguid, {"xml": keep.verbatim(element), "files": files,
                                                             "order": order}))
            return
        name = (element.get("name") or sguid or "source").strip()
        id_line = _ID_LINE.search(_text(element, "Description"))
        digest = corpus.content_hash(text)
        wanted = id_line.group("id") if id_line else corpus.source_id_for(Path(name))
        if existing.get(wanted) == digest:
            sid = wanted
            self.report.skip(label, f"already in the project as '{sid}' (same text); codings go to it")
        else:
            if wanted in taken:
                self.report.skip(label, f"source id '{wanted}' is taken; imported as a new id")
            sid = _unique(wanted, taken)
            own = _variable_map(element, self.variables)
            attrs = {**self.case_attrs.get(sguid, {}), **own}
            turns = corpus.assign_roles(corpus.split_turns(text), {}, attrs.get("role") or None)
            longest = max((t.end - t.start for t in turns), default=0)
            if longest > nlp.max_length:
                raise RefiError(self.path, f"{label}: a passage of {longest} characters without a break is more "
                                f"than ipe can split into sentences ({nlp.max_length}), refused")
            attrs.setdefault("data_type", "interview" if any(t.speaker for t in turns) else "document")
            self.plan.kept.append(("source", sid, sguid, {
                "attrs": keep.attributes(element), "description": _text_or_none(element, "Description"),
                "hash": digest, "unit": unit, "layout": keep.layout(raw, bom, text), "entry": entry,
                "inline": entry is None, "order": order, "value_order": list(own),
                "inherited": {k: v for k, v in attrs.items() if k not in own}, "uncoded": []}))
            self.plan.sources.append(Source(
                id=sid, name=name, text=text, format="refi", content_hash=digest, attributes=attrs, turns=turns,
                sentences=corpus.split_sentences(text, turns, nlp), path=f"{self.path}#{name}",
            ))
            self.report.unit[sid] = unit
        for ref in _kids(element, "NoteRef"):
            self.refer(ref, ("source", sid))
        user = _norm_guid(element.get("creatingUser"))
        for order, sel in enumerate(selections):
            self.selection(sel, sid, text, table, unit, label, user, order)
        for coding in _kids(element, "Coding"):  # a coding of the whole source
            key = self.coding(coding, sid, 0, len(text), text, user)
            self.raw_meta.setdefault(key, {"whole": True, "coding": keep.attributes(coding)})

    def media(self, element, label: str, order: int, sguid: str) -> None:
        """A picture or PDF source: kept whole (regions, codings, notes and its files) and written back as it was;
        ipe has no text of it to code, and says so in one line."""
        files, missing = {}, []
        for node in element.iter():
            for attribute in MEDIA_PATHS:
                target = node.get(attribute) or ""
                if not target.startswith("internal://") or self.archive is None:
                    continue
                info = _entry(node, self.archive, self.path, label, attribute)
                if info is None:
                    missing.append(target)
                else:
                    files[info.filename] = base64.b64encode(self.archive.read(info)).decode("ascii")
        regions = sum(1 for node in element.iter() if node.tag in ("PictureSelection", "PDFSelection"))
        codings = sum(1 for node in element.iter() if node.tag == "Coding")
        representation = " (its text representation too)" if _kid(element, "Representation") is not None else ""
        self.report.skip(label, f"{element.tag} kept for export only{representation}, not coded in ipe: {regions} "
                                f"region{'s' if regions != 1 else ''} and {codings} coding{'s' if codings != 1 else ''}"
                                " written back as they were" + (f"; not in the archive: {', '.join(missing)}"
                                                                if missing else ""))
        self.plan.kept.append(("passive", sguid, sguid, {"xml": keep.verbatim(element), "files": {},
                                                         "binary": files, "order": order}))

    def selection(self, sel: dict, sid: str, text: str, table: list, unit: str, label: str, source_user,
                  order: int) -> None:
        where = f"{label} selection {sel['start']}-{sel['end']}"
        s, e = sel["start"], sel["end"]
        if not (0 <= s <= e < len(table)) or table[s] < 0 or table[e] < 0:
            self.report.skip(where, f"outside the text or inside a character ({unit})")
            return
        a, b = table[s], table[e]
        if b <= a:
            self.report.skip(where, "zero-length selection")
            return
        element = sel["element"]
        user = _norm_guid(element.get("creatingUser")) or source_user
        link = self.evidence_links.get(_norm_guid(element.get("guid")))
        if link and not _kids(element, "Coding"):
            self.plan.evidence.append({**link, "source": sid, "start": a, "end": b, "quote": text[a:b],
                                       "linked_by": self.coder(user), "created": element.get("creationDateTime")})
            return
        keys = [self.coding(coding, sid, a, b, text, user) for coding in _kids(element, "Coding")]
        kept = _selection_meta(element, text[a:b], order)
        for rank, (key, coding) in enumerate(zip(keys, _kids(element, "Coding"))):
            self.raw_meta.setdefault(key, {"selection": kept, "coding": keep.attributes(coding), "rank": rank})
        for ref in _kids(element, "NoteRef"):
            self.refer(ref, ("coding", keys[0]) if keys else ("source", sid), on="selection")
        memo = _text(element, "Description").strip()
        if not keys:
            note = "; its description kept as a memo on the source" if memo else ""
            self.report.skip(where, f"selection without a Coding{note}")
            for (kind, key, _, data) in self.plan.kept:
                if kind == "source" and key == sid:
                    data["uncoded"].append({**kept, "span": [a, b]})
        if memo:  # ATLAS.ti writes a quotation's comment here, MAXQDA a comment on an uncoded segment
            target = ("coding", keys[0]) if keys else ("source", sid)
            self.plan.memos.append((*target, self.coder(user), memo if keys else f"{memo}\n\n({sid}:{a}-{b})",
                                    {"origin": "selection", "attrs": {"guid": kept["attrs"]["guid"]}}))

    def coding(self, coding, sid: str, a: int, b: int, text: str, user) -> tuple:
        ref = _kid(coding, "CodeRef")
        code_guid = _norm_guid(ref.get("targetGUID")) if ref is not None else None
        key = (sid, a, b, code_guid, _norm_guid(coding.get("creatingUser")) or user)
        self.raw_codings.append(key)
        self.quotes.setdefault(code_guid, []).append(text[a:b])
        for note in _kids(coding, "NoteRef"):
            self.refer(note, ("coding", key))
        return key

    def codebook(self) -> None:
        codes, sets = _read_codes(self.root)
        name = self.plan.name or self.path.stem
        plan = self.plan
        plan.codebook, plan.code_ids = _build_codebook(codes, sets, self.type_map, self.quotes, name, self.path,
                                                       self.report)
        self.report.codes = len(plan.codebook.codes) if plan.codebook else 0
        for code in codes:
            cid = plan.code_ids.get(code["guid"])
            if cid is None or plan.codebook is None:
                continue
            for ref in _kids(code["element"], "NoteRef"):
                self.refer(ref, ("code", cid))
            plan.kept.append(("code", cid, code["guid"], {
                "attrs": keep.attributes(code["element"]), "made": plan.codebook.code(cid).description,
                "description": _text_or_none(code["element"], "Description")}))
        for ref in _kids(self.root, "NoteRef"):
            self.refer(ref, ("project", ""))

    def coding_key(self, raw: tuple) -> Optional[tuple]:
        sid, a, b, code_guid, user = raw
        if code_guid not in self.plan.code_ids:
            return None
        return (sid, a, b, self.plan.code_ids[code_guid], self.coder(user))

    def codings(self) -> None:
        seen = set()
        for raw in self.raw_codings:
            key = self.coding_key(raw)
            if key is None:
                self.report.skip(f"coding {raw[0]}:{raw[1]}-{raw[2]}", f"unknown code {raw[3]}")
            elif key not in seen:  # NVivo writes one selection per coding: an identical span is kept once
                seen.add(key)
                self.plan.codings.append(key)
                if raw in self.raw_meta:
                    self.plan.coding_meta[key] = self.raw_meta[raw]

    def notes(self) -> None:
        from ipe.corpus import normalise

        rationale = {}
        for order, note in enumerate(self.section("Notes", "Note")):
            nguid = _norm_guid(note.get("guid"))
            label = f"note '{note.get('name') or nguid}'"
            if nguid in self.evidence_used:  # a configuration or an evidence record's rationale
                rationale[nguid] = (_text(note, "PlainTextContent").strip(), note.get("creationDateTime"))
                if (note.get("name") or "").startswith(CONFIG_NOTE):
                    self.plan.kept.append(("configuration", note.get("name")[len(CONFIG_NOTE):], nguid,
                                           {"text": rationale[nguid][0]}))
                continue
            text = _text(note, "PlainTextContent").strip() or _text(note, "Description").strip()
            entry = None
            if note.get("plainTextPath") and self.archive is not None:
                found = _entry(note, self.archive, self.path, label)
                entry = found.filename if found is not None else None
            if not text and note.get("plainTextPath"):
                read = _source_text(note, self.archive, self.path, label, self.report)
                text, entry = normalise(read[0]) if read else "", read[2] if read else None
            if not text:
                self.report.skip(label, "empty")
                continue
            author = self.coder(_norm_guid(note.get("creatingUser")))
            kept = {"attrs": keep.attributes(note), "order": order, "entry": entry,
                    "inline": _kid(note, "PlainTextContent") is not None,
                    "description": _text_or_none(note, "Description") if _text(note, "PlainTextContent").strip()
                    else None}
            targets = self.note_targets.get(nguid) or [(*_note_target_from_name(note.get("name") or ""), {"ref": False})]
            for kind, target, how in targets:
                data = {**kept, **how}
                if kind == "project" and target:
                    self.plan.memos.append(("project", "", author, f"[{target}] {text}", data))
                else:
                    self.plan.memos.append((kind, target, author, text, data))
        for item in self.plan.evidence:
            item["rationale"], created = rationale.get(item["note"], ("", None))
            item["created"] = created or item["created"]
        memos = []
        for kind, target, author, text, data in (m if len(m) == 5 else (*m, None) for m in self.plan.memos):
            if kind == "coding":
                target = self.coding_key(target)
                if target is None:
                    self.report.skip(f"memo by {author}", "its coding was not imported; kept as a project memo")
                    kind, target = "project", ""
            memos.append((kind, target, author, text, data))
        # ipe writes a coding's memo as a Note and as its selection's Description: keep it once
        noted = {(kind, str(target), text) for kind, target, _, text, data in memos
                 if not (data and data.get("origin") == "selection")}
        self.plan.memos = [m for m in memos if not (m[4] and m[4].get("origin") == "selection"
                                                    and (m[0], str(m[1]), m[3]) in noted)]


def _note_target_from_name(name: str) -> tuple[str, str]:
    kind, _, target = name.partition(": ")
    if kind in ("configuration", "cell", "code", "source") and target.strip():
        return kind, target.strip()
    return "project", ""


def _selection_meta(element, span: str, order: int) -> dict:
    """What a selection keeps: its attributes (positions are recomputed), Description, and a name that is the
    beginning of its text as a length, so no words of the text are kept twice."""
    attrs = {k: v for k, v in keep.attributes(element).items() if k not in ("startPosition", "endPosition")}
    kept = {"attrs": attrs, "order": order, "description": _text_or_none(element, "Description")}
    name = attrs.get("name")
    if name is not None and span.startswith(name):
        kept["name_length"] = len(name)
        del attrs["name"]
    return kept


def _entry(element, archive, path: Path, label: str, attribute: str = "plainTextPath"):
    """The archive entry an element's ``plainTextPath`` (or other path ``attribute``) names (None: not there); a path
    outside the archive is refused."""
    target = element.get(attribute) or ""
    relative = target[len("internal://"):] if target.startswith("internal://") else target
    if re.match(r"^[a-z]+:", relative, re.I) or not _safe_name(relative):
        raise RefiError(path, f"{label}: its text '{target}' is outside the archive, refused")
    return archive.find(f"sources/{relative}") or archive.find(relative)


def _source_text(element, archive, path: Path, label: str, report: ImportReport):
    """A source's (or note's) text as written, whether it had a BOM, and its archive entry (None: inline).

    Raises
    ------
    RefiError
        For a path outside the archive: the file is refused, not half imported.
    """
    inline = _kid(element, "PlainTextContent")
    if inline is not None and inline.text:
        return inline.text.lstrip("\ufeff"), inline.text.startswith("\ufeff"), None
    target = element.get("plainTextPath")
    if not target:
        report.skip(label, "no plain text (plainTextPath or PlainTextContent)")
        return None
    if archive is None:
        report.skip(label, "text not in the file")
        return None
    info = _entry(element, archive, path, label)
    if info is None:
        report.skip(label, f"text '{target}' not found in the archive")
        return None
    data = archive.read(info, text=True)
    try:
        return decode_raw(data, f"{path}:{info.filename}"), data.startswith(b"\xef\xbb\xbf"), info.filename
    except RefiError:
        raise
    except SourceError as exc:
        report.skip(label, exc.problem)
        return None
