"""The pieces of a QDA-XML document that export writes: elements, codes, Sets, and what an import kept."""

from __future__ import annotations

from typing import Optional

from lxml import etree

from ipe.refi.common import _NOT_XML, _RGB, _TYPE_PREFIX, NS_PROJECT, _timestamp, guid_for

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
    return version, codebook_module.stored(document, origin or f"codebook v{version}")


def _coding_identity(c) -> str:
    return f"coding:{c.source_id}:{c.start}:{c.end}:{c.code_id}:{c.coder}"
