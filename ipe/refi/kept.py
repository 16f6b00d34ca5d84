"""What a REFI-QDA import keeps so an export writes the project back unchanged.

Each imported object is kept in the store (``refi_objects``) under the ipe object it became: ``project``, ``user``
(coder name), ``code`` (code id), ``source`` (source id), ``coding`` (coding id), ``memo`` (memo id), ``variable``
and ``case`` (name); what ipe has no record for (Sets, Links, Graphs, sources with no text) is kept as the element
itself (``set``, ``link``, ``graph``, ``passive``, keyed by GUID). Text is kept only where it has no other home and
holds no words of a transcript: a source's layout (BOM, line ends, trailing white space), never the text itself.
"""

from __future__ import annotations

from typing import Optional

from lxml import etree


def attributes(element) -> dict:
    """An element's attributes as a plain dict."""
    return {str(k): str(v) for k, v in element.attrib.items()}


def verbatim(element) -> str:
    """An element (namespaces already dropped by :func:`ipe.refi.archive.parse_xml`) as XML text."""
    return etree.tostring(element, encoding="unicode", with_tail=False)


def restore(xml: str, ns: str):
    """A verbatim element back in namespace ``ns``."""
    from ipe.refi.archive import parse_xml

    element = parse_xml(xml.encode("utf-8"), "kept REFI-QDA element")
    for node in element.iter():
        if isinstance(node.tag, str):
            node.tag = f"{{{ns}}}{node.tag}"
    return element


def layout(raw: str, bom: bool, stored: str) -> Optional[dict]:
    """How ``raw`` (as the tool wrote it) is laid out around ``stored``, if ``stored`` re-creates it exactly."""
    newline = "\r\n" if "\r\n" in raw else "\n"
    tail = raw[len(raw.rstrip()):]
    found = {"bom": bom, "newline": newline, "tail": tail}
    return found if written_text(stored, found) == raw else None


def written_text(stored: str, found: Optional[dict]) -> str:
    """The text written for a source: the stored text, laid out as imported when that is known."""
    if not found:
        return stored
    return stored.replace("\n", found["newline"]) + found["tail"]


def element_order(data: Optional[dict], fallback) -> tuple:
    """Sort key: kept objects in the order they were read, then new ones by ``fallback``."""
    return (0, data["order"], "") if data and "order" in data else (1, 0, fallback)


def kids(element, tag: str) -> list:
    """The children of ``element`` named ``tag`` (namespaces already dropped)."""
    return [c for c in element if c.tag == tag]


def kid(element, tag: str):
    """The first child named ``tag``, or None."""
    for c in element:
        if c.tag == tag:
            return c
    return None


def text(element, tag: str) -> str:
    """The text of the first child named ``tag`` ("" when there is none)."""
    found = kid(element, tag)
    return (found.text or "") if found is not None else ""
