"""Writing REFI-QDA: the codebook (.qdc) and the whole project (.qdpx), schema-valid and byte-identical."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from lxml import etree

from ipe import outputs
from ipe.in_force import current_codings
from ipe.refi.common import (
    _NOT_XML,
    _TYPE_PREFIX,
    META_NAME,
    NS_CODEBOOK,
    NS_PROJECT,
    ORIGIN,
    ExportReport,
    RefiError,
    _short,
    _timestamp,
    _unique,
    guid_for,
)
from ipe.zipfiles import zip_bytes

# -- export ----------------------------------------------------------------------------------------------------------


def _label(code) -> str:
    """The realist type written for a code: its type, or for a theme the type its description already carries."""
    if code.type == "theme":
        match = _TYPE_PREFIX.match(code.description)
        if match and match.group("type") != "theme":
            return match.group(0).strip()[1:-1]
    return f"{code.type}:{code.mechanism}" if code.mechanism else code.type


def _code_description(code) -> str:
    body = code.description
    if not (code.type == "theme" and _TYPE_PREFIX.match(body)):
        body = f"[{_label(code)}] {_TYPE_PREFIX.sub('', body, count=1)}"
    return f"{body.rstrip()}\n\nipe id: {code.id}"


def _xml_safe(value) -> str:
    """Text without the control characters XML 1.0 cannot hold (a stray form feed in a transcript, say)."""
    return _NOT_XML.sub("", str(value))


def _sub(parent, ns: str, tag: str, text: Optional[str] = None, **attrs):
    element = etree.SubElement(parent, f"{{{ns}}}{tag}")
    for key, value in attrs.items():
        if value is not None:
            element.set(key, _xml_safe(value))
    if text is not None:
        element.text = _xml_safe(text)
    return element


def _codes_element(parent, ns: str, codebook, note_refs: dict) -> None:
    from ipe.codebook import children

    kids = children(codebook)

    def add(under, parent_id):
        for code in kids.get(parent_id, []):
            colour = code.colour.upper() if code.colour else None
            element = _sub(under, ns, "Code", guid=guid_for(f"code:{code.id}"), name=code.name, isCodable="true",
                           color=colour)
            _sub(element, ns, "Description", _code_description(code))
            if ns == NS_PROJECT:
                for note in note_refs.get(("code", code.id), []):
                    _sub(element, ns, "NoteRef", targetGUID=note)
            add(element, code.id)

    add(_sub(parent, ns, "Codes"), None)


def _type_sets(parent, ns: str, codebook, member_attr: str) -> None:
    from ipe.records import CODE_TYPES

    by_type: dict[str, list] = {}
    for code in codebook.codes:
        by_type.setdefault(_label(code).split(":")[0], []).append(code)
    if not by_type:
        return
    sets = _sub(parent, ns, "Sets")
    for ctype in sorted(by_type, key=lambda t: (CODE_TYPES.index(t) if t in CODE_TYPES else len(CODE_TYPES), t)):
        element = _sub(sets, ns, "Set", guid=guid_for(f"set:type:{ctype}"), name=ctype)
        _sub(element, ns, "Description", f"ipe codes of realist type '{ctype}'")
        for code in by_type[ctype]:
            _sub(element, ns, "MemberCode", **{member_attr: guid_for(f"code:{code.id}")})


def _xml_bytes(root) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True, standalone=True)


def _latest_codebook(store):
    from ipe import codebook as codebook_module

    latest = store.latest_codebook()
    if latest is None:
        return None, None
    version, document, origin = latest
    return version, codebook_module.loads(document, origin or f"codebook v{version}")


def export_codebook(store, path) -> ExportReport:
    """Write the project's newest codebook as a REFI-QDA codebook (``.qdc``)."""
    path = Path(path)
    _, codebook = _latest_codebook(store)
    if codebook is None:
        raise RefiError(path, "the project has no codebook to export")
    root = etree.Element(f"{{{NS_CODEBOOK}}}CodeBook", nsmap={None: NS_CODEBOOK})
    root.set("origin", ORIGIN)
    _codes_element(root, NS_CODEBOOK, codebook, {})
    _type_sets(root, NS_CODEBOOK, codebook, "guid")
    outputs.write_bytes(path, _xml_bytes(root))
    return ExportReport(path=path, codes=len(codebook.codes))


def _coding_identity(c) -> str:
    return f"coding:{c.source_id}:{c.start}:{c.end}:{c.code_id}:{c.coder}"


def _memo_target_name(memo, codings_by_id: dict) -> tuple[str, Optional[tuple]]:
    """The note name of a memo and the key of the element that refers to it (None: no element can)."""
    if memo.target_kind == "project":
        return "project", ("project", "")
    if memo.target_kind == "coding":
        coding = codings_by_id.get(int(memo.target)) if memo.target.isdigit() else None
        if coding is None:
            return f"coding: {memo.target}", None
        return (f"coding: {coding.source_id}:{coding.start}-{coding.end} {coding.code_id} {coding.coder}",
                ("coding", _coding_identity(coding)))
    if memo.target_kind in ("source", "code"):
        return f"{memo.target_kind}: {memo.target}", (memo.target_kind, memo.target)
    return f"{memo.target_kind}: {memo.target}", None


def export_project(store, path, timestamp: Optional[str] = None) -> ExportReport:
    """Write the whole project as a REFI-QDA project (``.qdpx``): users, codebook, cases, sources, codings, notes.

    Only codings in force are written (:func:`ipe.in_force.current_codings`); each distinct span is one
    PlainTextSelection holding one Coding per code and coder. The file is byte-identical on every run.
    """
    path = Path(path)
    stamp = _timestamp(timestamp)
    report = ExportReport(path=path)
    _, codebook = _latest_codebook(store)
    code_ids = {c.id for c in codebook.codes} if codebook else set()
    codings = []
    for c in current_codings(store):
        if c.code_id in code_ids:
            codings.append(c)
        else:
            report.skipped.append(f"coding {c.source_id}:{c.start}-{c.end} {c.code_id}: code not in the codebook")
    memos = sorted(store.memos(), key=lambda m: (m.target_kind, m.target, m.author, m.text))
    users = {u: guid_for(f"user:{u}") for u in sorted(set(store.coders()) | {m.author for m in memos})}
    notes, note_refs = _notes(memos, {c.id: c for c in store.codings(status=None)})
    sources = list(store.iter_sources(structure=False))

    ns = NS_PROJECT
    root = etree.Element(f"{{{ns}}}Project", nsmap={None: ns})
    name = store.get_meta(META_NAME) or store.path.parent.name or "ipe project"
    for key, value in (("name", name), ("origin", ORIGIN), ("creationDateTime", stamp), ("modifiedDateTime", stamp)):
        root.set(key, value)
    if users:
        element = _sub(root, ns, "Users")
        for user, guid in users.items():
            _sub(element, ns, "User", guid=guid, name=user)
    if codebook:
        _codes_element(_sub(root, ns, "CodeBook"), ns, codebook, note_refs)
    report.cases = _cases_element(root, sources)
    files = []
    if sources:
        element = _sub(root, ns, "Sources")
        by_source: dict[str, list] = {}
        for c in codings:
            by_source.setdefault(c.source_id, []).append(c)
        for source in sources:
            files.append(_text_source(element, source, by_source.get(source.id, []), users, note_refs, stamp))
    if notes:
        element = _sub(root, ns, "Notes")
        for note_guid, note_name, memo in notes:
            note = _sub(element, ns, "Note", guid=note_guid, name=note_name, creatingUser=users[memo.author],
                        creationDateTime=stamp)
            _sub(note, ns, "PlainTextContent", memo.text)
    if codebook:
        _type_sets(root, ns, codebook, "targetGUID")
    for note in note_refs.get(("project", ""), []):
        _sub(root, ns, "NoteRef", targetGUID=note)

    outputs.write_bytes(path, zip_bytes([("project.qde", _xml_bytes(root))] + sorted(files)))
    report.codes = len(codebook.codes) if codebook else 0
    report.sources, report.users, report.notes = len(sources), len(users), len(notes)
    report.codings = len({(c.source_id, c.start, c.end, c.code_id, c.coder) for c in codings})
    return report


def _notes(memos: list, codings_by_id: dict) -> tuple[list, dict]:
    """``(guid, name, memo)`` per memo, and the note GUIDs each element refers to, keyed as in ``_memo_target_name``."""
    notes, note_refs, seen = [], {}, set()
    for memo in memos:
        name, key = _memo_target_name(memo, codings_by_id)
        identity = f"memo:{name}:{memo.author}:{memo.text}"
        identity = _unique(identity, seen)  # the same memo twice gets two notes
        notes.append((guid_for(identity), name, memo))
        if key is not None:
            note_refs.setdefault(key, []).append(notes[-1][0])
    return notes, note_refs


def _cases_element(root, sources: list) -> int:
    """Variables (every attribute but ``case``) and Cases (one per ``case`` value, with shared attributes)."""
    ns = NS_PROJECT
    attributes = {s.id: _variables_of(s) for s in sources}
    keys = sorted({k for attrs in attributes.values() for k in attrs})
    if keys:
        element = _sub(root, ns, "Variables")
        for key in keys:
            _sub(element, ns, "Variable", guid=guid_for(f"variable:{key}"), name=key, typeOfVariable="Text")
    cases: dict[str, list] = {}
    for s in sources:
        if s.attributes.get("case"):
            cases.setdefault(s.attributes["case"], []).append(s.id)
    if cases:
        element = _sub(root, ns, "Cases")
        for name in sorted(cases):
            case = _sub(element, ns, "Case", guid=guid_for(f"case:{name}"), name=name)
            members = [attributes[sid] for sid in cases[name]]
            _variable_values(case, {k: v for k, v in members[0].items() if all(m.get(k) == v for m in members)})
            for sid in cases[name]:
                _sub(case, ns, "SourceRef", targetGUID=guid_for(f"source:{sid}"))
    return len(cases)


def _variables_of(source) -> dict:
    return {k: v for k, v in source.attributes.items() if k != "case"}


def _text_source(parent, source, codings: list, users: dict, note_refs: dict, stamp: str) -> tuple[str, bytes]:
    """One TextSource with a PlainTextSelection per coded span; returns its text file ``(entry name, bytes)``."""
    ns = NS_PROJECT
    source_guid = guid_for(f"source:{source.id}")
    element = _sub(parent, ns, "TextSource", guid=source_guid, name=source.name,
                   plainTextPath=f"internal://{source_guid}.txt", creationDateTime=stamp)
    _sub(element, ns, "Description", f"ipe id: {source.id}")
    spans: dict[tuple, dict] = {}
    for c in codings:
        spans.setdefault((c.start, c.end), {})[(c.code_id, c.coder)] = c
    for (start, end), group in sorted(spans.items()):
        coders = {coder for _, coder in group}
        selection = _sub(element, ns, "PlainTextSelection", guid=guid_for(f"selection:{source.id}:{start}:{end}"),
                         name=_short(source.text[start:end]), startPosition=start, endPosition=end,
                         creatingUser=users[next(iter(coders))] if len(coders) == 1 else None, creationDateTime=stamp)
        for key in sorted(group):
            c = group[key]
            identity = _coding_identity(c)
            coding = _sub(selection, ns, "Coding", guid=guid_for(identity), creatingUser=users[c.coder],
                          creationDateTime=stamp)
            _sub(coding, ns, "CodeRef", targetGUID=guid_for(f"code:{c.code_id}"))
            for note in note_refs.get(("coding", identity), []):
                _sub(coding, ns, "NoteRef", targetGUID=note)
    for note in note_refs.get(("source", source.id), []):
        _sub(element, ns, "NoteRef", targetGUID=note)
    _variable_values(element, _variables_of(source))
    return f"sources/{source_guid}.txt", source.text.encode("utf-8")


def _variable_values(parent, values: dict) -> None:
    for key in sorted(values):
        element = _sub(parent, NS_PROJECT, "VariableValue")
        _sub(element, NS_PROJECT, "VariableRef", targetGUID=guid_for(f"variable:{key}"))
        _sub(element, NS_PROJECT, "TextValue", str(values[key]))


def export(store, path, timestamp: Optional[str] = None) -> ExportReport:
    """Export by suffix: ``.qdc`` (codebook) or ``.qdpx`` (project)."""
    suffix = Path(path).suffix.lower()
    if suffix == ".qdc":
        return export_codebook(store, path)
    if suffix == ".qdpx":
        return export_project(store, path, timestamp)
    raise RefiError(path, "give a .qdc (codebook) or .qdpx (project) file name")
