"""Writing REFI-QDA: the codebook (.qdc) and the whole project (.qdpx), schema-valid and byte-identical."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from lxml import etree

from ipe import outputs
from ipe.refi.common import (
    _NOT_XML,
    _RGB,
    _TYPE_PREFIX,
    NS_CODEBOOK,
    NS_PROJECT,
    ORIGIN,
    ExportReport,
    RefiError,
    _timestamp,
    guid_for,
)
from ipe.refi.offsets import EXPORT_UNITS, PRESETS
from ipe.zipfiles import zip_bytes

VALUE_TAGS = {"Boolean": "BooleanValue", "Integer": "IntegerValue", "Float": "FloatValue", "Date": "DateValue",
              "DateTime": "DateTimeValue"}


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


def _colour(value: Optional[str]) -> Optional[str]:
    """``#abc`` or ``#aabbcc`` as ipe stores it (``#AABBCC``)."""
    if not value or not _RGB.match(value):
        return None
    digits = value[1:] if len(value) == 7 else "".join(ch * 2 for ch in value[1:])
    return f"#{digits.upper()}"


def _date(value: Optional[str]) -> Optional[str]:
    return _timestamp(value) if value else None


class _Kept:
    """The REFI-QDA metadata an import kept, looked up by ipe object; empty for a project made in ipe."""

    def __init__(self, store):
        self.rows = store.refi_objects()

    def get(self, kind: str, key) -> Optional[dict]:
        found = self.rows.get((kind, str(key)))
        return found[1] if found else None

    def all(self, kind: str) -> list:
        return sorted((data for (k, _), (_, data) in self.rows.items() if k == kind), key=lambda d: d.get("order", 0))


def _codes_element(parent, ns: str, codebook, note_refs: dict, kept: _Kept) -> dict:
    """The Codes tree; returns code id -> GUID."""
    from ipe.codebook import children

    kids, guids = children(codebook), {}

    def add(under, parent_id):
        for code in kids.get(parent_id, []):
            data = kept.get("code", code.id)
            attrs = dict(data["attrs"]) if data else {"isCodable": "true"}
            guids[code.id] = attrs.get("guid") or guid_for(f"code:{code.id}")
            colour = code.colour.upper() if code.colour else None
            if not colour:
                attrs.pop("color", None)
            elif _colour(attrs.get("color")) != colour:
                attrs["color"] = colour
            element = _sub(under, ns, "Code", guid=guids[code.id], name=code.name, isCodable=attrs["isCodable"],
                           color=attrs.get("color"))
            if data and data.get("made") == code.description:
                if data.get("description") is not None:
                    _sub(element, ns, "Description", data["description"])
            else:
                _sub(element, ns, "Description", _code_description(code))
            if ns == NS_PROJECT:
                for note in note_refs.get(("code", code.id), []):
                    _sub(element, ns, "NoteRef", targetGUID=note)
            add(element, code.id)

    add(_sub(parent, ns, "Codes"), None)
    return guids


def _type_sets(sets, ns: str, codebook, member_attr: str, kept: _Kept) -> None:
    """A Set per realist type of the codes made in ipe (imported codes keep the Sets they came with)."""
    from ipe.records import CODE_TYPES

    by_type: dict[str, list] = {}
    for code in codebook.codes:
        label = _label(code).split(":")[0]
        if label != "theme" and kept.get("code", code.id) is None:
            by_type.setdefault(label, []).append(code)
    for ctype in sorted(by_type, key=lambda t: (CODE_TYPES.index(t) if t in CODE_TYPES else len(CODE_TYPES), t)):
        element = _sub(sets(), ns, "Set", guid=guid_for(f"set:type:{ctype}"), name=ctype)
        _sub(element, ns, "Description", f"ipe codes of realist type '{ctype}'")
        for code in by_type[ctype]:
            _sub(element, ns, "MemberCode", **{member_attr: guid_for(f"code:{code.id}")})


def _lazy(parent, ns: str, tag: str):
    """A function giving the child ``tag`` of ``parent``, made on first use (QDA-XML forbids empty containers)."""
    made = []

    def get():
        if not made:
            made.append(_sub(parent, ns, tag))
        return made[0]

    return get


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
    kept = _Kept(store)
    root = etree.Element(f"{{{NS_CODEBOOK}}}CodeBook", nsmap={None: NS_CODEBOOK})
    root.set("origin", ORIGIN)
    _codes_element(root, NS_CODEBOOK, codebook, {}, kept)
    _type_sets(_lazy(root, NS_CODEBOOK, "Sets"), NS_CODEBOOK, codebook, "guid", kept)
    outputs.write_bytes(path, _xml_bytes(root))
    return ExportReport(path=path, codes=len(codebook.codes))


def _coding_identity(c) -> str:
    return f"coding:{c.source_id}:{c.start}:{c.end}:{c.code_id}:{c.coder}"


def export_unit(offsets: Optional[str], preset: Optional[str]) -> Optional[str]:
    """The offset unit asked for (None: each source in the unit it was imported in, else code points)."""
    if offsets and offsets not in EXPORT_UNITS:
        raise RefiError("--offsets", f"'{offsets}' is not one of {', '.join(EXPORT_UNITS)}")
    if preset and preset not in PRESETS:
        raise RefiError("--for", f"'{preset}' is not one of {', '.join(PRESETS)}")
    if offsets and preset and not PRESETS[preset].startswith(offsets):
        raise RefiError("--offsets", f"'{offsets}' contradicts --for {preset} ({PRESETS[preset]})")
    return PRESETS[preset] if preset else offsets


def export_project(store, path, timestamp: Optional[str] = None, offsets: Optional[str] = None,
                   preset: Optional[str] = None) -> ExportReport:
    """Write the whole project as a REFI-QDA project (``.qdpx``): users, codebook, cases, sources, codings, notes.

    Only codings in force are written (:func:`ipe.in_force.current_codings`), each as its own PlainTextSelection
    with ``creatingUser`` (as NVivo writes them); dates are the store's own. What an import kept (GUIDs, dates,
    users, Sets, exact descriptions, layout of the text) is written back, so import then export gives the same
    project. The file is byte-identical on every run.

    Parameters
    ----------
    timestamp : the project's creation and modification date (default: the store's first and last change).
    offsets : ``utf16`` or ``codepoints``; preset : ``nvivo``, ``atlasti``, ``maxqda`` or ``qualcoder``. Without
        either, each imported source is written in the unit it was read in and every other in code points.
    """
    from ipe.refi.qde import ProjectWriter

    path = Path(path)
    writer = ProjectWriter(store, _Kept(store), export_unit(offsets, preset), _timestamp(timestamp) if timestamp
                           else None)
    root, files, report = writer.build(path)
    outputs.write_bytes(path, zip_bytes([("project.qde", _xml_bytes(root))] + files))
    return report


def export(store, path, timestamp: Optional[str] = None, offsets: Optional[str] = None,
           preset: Optional[str] = None) -> ExportReport:
    """Export by suffix: ``.qdc`` (codebook) or ``.qdpx`` (project)."""
    suffix = Path(path).suffix.lower()
    if suffix == ".qdc":
        return export_codebook(store, path)
    if suffix == ".qdpx":
        return export_project(store, path, timestamp, offsets, preset)
    raise RefiError(path, "give a .qdc (codebook) or .qdpx (project) file name")
