"""REFI-QDA interoperability: export a project (``.qdpx``) or codebook (``.qdc``) and import them back.

Export follows the QDA-XML 1.0 schemas (``Project.xsd``, ``Codebook.xsd``): elements in schema order, built with
lxml. Every GUID is a UUID 5 of a fixed namespace and the object's identity (``code:<id>``, ``source:<id>``,
``coding:<source>:<start>:<end>:<code>:<coder>``, ...), every date is one fixed timestamp and every zip entry has a
fixed date, so exporting the same project twice gives the same bytes. Source texts are written as UTF-8 without a
BOM, with LF line ends (ipe's stored text); positions are Unicode code points, end exclusive.

What ipe keeps that REFI-QDA has no field for is written where other tools show it: a code's realist type is the
prefix of its description (``[context] ...``, ``[mechanism:response] ...``) and a Set per type; ipe's own ids
close the description of codes and sources (``ipe id: ctx-relationships``), so a round trip keeps them. A memo is
a Note named ``<kind>: <target>`` and referenced (NoteRef) from its source, code, coding or the project.

Import reads QDA-XML in the namespaces ``urn:QDA-XML:project:1.0``, ``...:1:0``, ``...:0:4`` or none, the inner
project file under any ``.qde`` name, sources under ``sources/`` or ``Sources/``, ``plainTextPath`` with or
without ``internal://``, upper-case or braced GUIDs, several Codings per selection, identical selections (kept
once), empty ``<Sets/>``. Codes are imported as ``theme`` codes (no rules needed); a ``--types`` map gives a code
a realist type (with its rules), and a code whose type is known but has no rules stays a theme and is reported.
Users become human coders (a user named ``auto`` stays ipe's auto-coder); cases and variables become source
attributes (``case`` is the case's name); notes become memos on whatever refers to them; a selection's Description
becomes a memo on its coding (ATLAS.ti) or, with no coding, on its source (MAXQDA).

**Offset rule.** Tools count selection positions differently. For each text source ipe tries four units:
code points with CRLF as two (the standard), code points with CRLF as one (ATLAS.ti), UTF-16 code units with
CRLF as two (NVivo for Windows; positions start after the BOM), and UTF-16 code units with CRLF as one. The
project's ``origin`` gives the order of preference (NVivo: UTF-16 first; ATLAS.ti: CRLF as one first; others:
the standard first). Each unit is then scored on the source's selections: a selection whose converted span
equals (or, if truncated, begins with) its ``name`` scores 2; one whose start and end fall on word boundaries
and not inside a surrogate pair scores 1; one outside the text scores 0. The preferred unit is used unless
another scores higher. Converted offsets then pass through ipe's normalisation (BOM dropped, CRLF and CR to LF,
NFC, trailing white space removed), so every imported coding is a code point span of the stored text.

Safety: an archive is refused (one line naming the file and the reason) for an entry path that is absolute or
climbs out (``..``), more than :data:`MAX_ENTRIES` entries, more than :data:`MAX_UNCOMPRESSED` bytes unpacked;
XML is parsed without entity resolution, DTD loading, network access or huge trees, and any DOCTYPE is refused.
"""

from __future__ import annotations

import datetime as _dt
import io
import re
import unicodedata
import uuid
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from lxml import etree

from ipe import __version__
from ipe.errors import SourceError

__all__ = [
    "RefiError", "ExportReport", "ImportReport", "guid_for", "export_codebook", "export_project", "export",
    "import_file", "FIXED_TIMESTAMP", "MAX_ENTRIES", "MAX_UNCOMPRESSED",
]

NS_PROJECT = "urn:QDA-XML:project:1.0"
NS_CODEBOOK = "urn:QDA-XML:codebook:1.0"
GUID_NAMESPACE = uuid.UUID("5b0e6c1e-3f7a-5d2c-9a41-7e8d2b6f0c13")
FIXED_TIMESTAMP = "2000-01-01T00:00:00Z"
ORIGIN = f"ipe {__version__}"
MAX_ENTRIES = 10_000
MAX_UNCOMPRESSED = 512 * 1024 * 1024
DEFAULT_USER = "refi-import"
AUTO_CODER = "auto"  # ipe's auto-coder: a user of this name stays an auto coder
META_NAME = "refi project name"
NAME_CHARS = 100
DEFAULT_INCLUDE = "Imported from REFI-QDA: see the description."
DEFAULT_EXCLUDE = "Not given in the REFI-QDA file."

_TYPE_PREFIX = re.compile(r"^\[(?P<type>[a-z]+)(?::(?P<kind>resource|response))?\] ?")
_ID_LINE = re.compile(r"\s*\bipe id: (?P<id>[a-z0-9][a-z0-9-]*)\s*$")
_GUID = re.compile(r"^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$")
_RGB = re.compile(r"^#([0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})$")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class RefiError(SourceError):
    """A REFI-QDA file is malformed, unsafe or cannot be written."""


@dataclass
class ExportReport:
    """What an export wrote."""

    path: Path
    codes: int = 0
    sources: int = 0
    codings: int = 0
    users: int = 0
    cases: int = 0
    notes: int = 0
    skipped: list = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{self.codes} codes"]
        if self.path.suffix.lower() == ".qdpx":
            parts += [f"{self.sources} sources", f"{self.codings} codings", f"{self.users} users",
                      f"{self.cases} cases", f"{self.notes} notes"]
        return ", ".join(parts)


@dataclass
class ImportReport:
    """What an import added, and every item it skipped with the reason."""

    path: Path
    codebook_version: Optional[int] = None
    codes: int = 0
    sources: int = 0
    codings: int = 0
    coders: list = field(default_factory=list)
    cases: int = 0
    memos: int = 0
    unit: dict = field(default_factory=dict)  # source id -> offset unit used
    skipped: list = field(default_factory=list)

    def skip(self, what: str, reason: str) -> None:
        self.skipped.append(f"{what}: {reason}")

    def summary(self) -> str:
        version = f" (codebook version {self.codebook_version})" if self.codebook_version else ""
        return (f"{self.codes} codes{version}, {self.sources} sources, {self.codings} codings, "
                f"{len(self.coders)} coders, {self.cases} cases, {self.memos} memos; {len(self.skipped)} skipped")


# -- GUIDs and small helpers -----------------------------------------------------------------------------------------


def guid_for(identity: str) -> str:
    """The GUID of an object from its identity, e.g. ``guid_for("code:mech-trust")``: the same on every export."""
    return str(uuid.uuid5(GUID_NAMESPACE, identity))


def _norm_guid(value: Optional[str]) -> Optional[str]:
    match = _GUID.match((value or "").strip())
    return match.group(1).lower() if match else None


def _timestamp(value: Optional[str]) -> str:
    if value is None:
        return FIXED_TIMESTAMP
    try:
        parsed = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise RefiError("--timestamp", f"'{value}' is not an ISO 8601 date and time") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=_dt.timezone.utc)
    return parsed.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _slug(text: str, fallback: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower())
    return slug.strip("-") or fallback


def _unique(wanted: str, taken: set) -> str:
    candidate, n = wanted, 2
    while candidate in taken:
        candidate, n = f"{wanted}-{n}", n + 1
    taken.add(candidate)
    return candidate


def _short(text: str) -> str:
    return " ".join(text.split())[:NAME_CHARS]


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
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_xml_bytes(root))
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

    Only codings in force are written (:func:`ipe.tables.current_codings`); each distinct span is one
    PlainTextSelection holding one Coding per code and coder. The file is byte-identical on every run.
    """
    from ipe.tables import current_codings

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

    _write_zip(path, [("project.qde", _xml_bytes(root))] + sorted(files))
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


def _write_zip(path: Path, entries: list) -> None:
    """A zip whose entries all carry ipe's fixed date, so equal content gives equal bytes."""
    from ipe.exporters import FIXED_TIME

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            archive.writestr(info, data)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())


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


# -- reading safely --------------------------------------------------------------------------------------------------


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                           remove_comments=True, remove_pis=True)


def parse_xml(data: bytes, where: str):
    """Parse QDA-XML safely: no entities, DTDs or network; a DOCTYPE is refused; namespaces are dropped."""
    if re.search(rb"<!DOCTYPE|<!ENTITY", data[:65536], re.I):
        raise RefiError(where, "DOCTYPE or entity declarations are not allowed in QDA-XML (refused)")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise RefiError(where, f"invalid XML ({exc.msg})") from None
    if root.getroottree().docinfo.doctype:
        raise RefiError(where, "DOCTYPE declarations are not allowed in QDA-XML (refused)")
    namespace = etree.QName(root).namespace
    if namespace is not None and not namespace.startswith("urn:QDA-XML:"):
        raise RefiError(where, f"not a REFI-QDA document (namespace '{namespace}')")
    for element in root.iter():
        if isinstance(element.tag, str):
            element.tag = etree.QName(element).localname
    etree.cleanup_namespaces(root)
    return root


def _safe_name(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return not (name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts or "\x00" in name)


class _Archive:
    """A .qdpx opened with its limits checked; entries read by case-insensitive name, never extracted to disk."""

    def __init__(self, path: Path):
        self.path = path
        try:
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise RefiError(path, f"not a readable zip archive ({exc})") from None
        try:
            self._check(self.zip.infolist())
        except RefiError:
            self.zip.close()
            raise

    def _check(self, infos: list) -> None:
        path = self.path
        if len(infos) > MAX_ENTRIES:
            raise RefiError(path, f"too many entries ({len(infos)}; the limit is {MAX_ENTRIES}), refused")
        for info in infos:
            if not _safe_name(info.filename):
                raise RefiError(path, f"unsafe entry path '{info.filename}' (outside the archive), refused")
        total = sum(info.file_size for info in infos)
        if total > MAX_UNCOMPRESSED:
            raise RefiError(path, f"unpacks to {total} bytes (the limit is {MAX_UNCOMPRESSED}), refused")
        self.by_name = {info.filename.replace("\\", "/").lower(): info for info in infos if not info.is_dir()}
        self.read_bytes = 0

    def __enter__(self) -> "_Archive":
        return self

    def __exit__(self, *exc) -> None:
        self.zip.close()

    def find(self, name: str) -> Optional[zipfile.ZipInfo]:
        name = name.replace("\\", "/")
        while name.startswith("./"):
            name = name[2:]
        return self.by_name.get(name.lower())

    def read(self, info: zipfile.ZipInfo) -> bytes:
        budget = MAX_UNCOMPRESSED - self.read_bytes
        try:
            with self.zip.open(info) as handle:
                data = handle.read(min(info.file_size, budget) + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
            raise RefiError(self.path, f"damaged entry '{info.filename}' ({exc})") from None
        if len(data) > info.file_size or len(data) > budget:
            raise RefiError(self.path, f"entry '{info.filename}' unpacks to more than declared or allowed, refused")
        self.read_bytes += len(data)
        return data

    def project_entry(self) -> zipfile.ZipInfo:
        found = self.find("project.qde")
        if found is None:
            top = [i for n, i in sorted(self.by_name.items()) if n.endswith(".qde") and "/" not in n]
            if len(top) != 1:
                raise RefiError(self.path, "no project.qde (or single .qde file) in the archive")
            found = top[0]
        return found


# -- offsets ---------------------------------------------------------------------------------------------------------

UNITS = {
    "codepoints": (False, False),
    "codepoints-crlf-as-one": (False, True),
    "utf16": (True, False),
    "utf16-crlf-as-one": (True, True),
}


def decode_raw(data: bytes, where: str) -> str:
    """Decode a source text as its tool wrote it, without the BOM (offsets count from after it)."""
    from ipe.corpus import decode

    return decode(data, where).lstrip("\ufeff")


def _nfc_map(text: str) -> tuple[str, list[int]]:
    """NFC of ``text`` and, for each boundary of ``text``, the boundary it becomes."""
    out, mapping, i = [], [0] * (len(text) + 1), 0
    length = 0
    while i < len(text):
        j = i + 1
        while j < len(text) and unicodedata.combining(text[j]):
            j += 1
        piece = unicodedata.normalize("NFC", text[i:j])
        for k in range(i, j):
            mapping[k] = length
        out.append(piece)
        length += len(piece)
        i = j
    mapping[len(text)] = length
    joined = "".join(out)
    if joined != unicodedata.normalize("NFC", text):
        joined = unicodedata.normalize("NFC", text)
        mapping = [min(m, len(joined)) for m in mapping]
    return joined, mapping


def offset_table(raw: str, unit: str) -> tuple[str, list[Optional[int]]]:
    """The stored (normalised) text and, for each position in ``unit``, the code point offset it maps to.

    A position inside a surrogate pair maps to None.
    """
    utf16, crlf_one = UNITS[unit]
    lines, line_map = [], [0] * (len(raw) + 1)
    length = 0
    for i, ch in enumerate(raw):
        line_map[i] = length
        if ch == "\r" and i + 1 < len(raw) and raw[i + 1] == "\n":
            continue
        lines.append("\n" if ch == "\r" else ch)
        length += 1
    line_map[len(raw)] = length
    nfc, nfc_map = _nfc_map("".join(lines))
    limit = len(nfc.rstrip())
    table: list[Optional[int]] = []
    for i, ch in enumerate(raw):
        if crlf_one and ch == "\r" and i + 1 < len(raw) and raw[i + 1] == "\n":
            continue
        table.append(min(nfc_map[line_map[i]], limit))
        if utf16 and ord(ch) > 0xFFFF:
            table.append(None)
    table.append(min(nfc_map[line_map[len(raw)]], limit))
    return nfc.rstrip(), table


def _preference(origin: str) -> list[str]:
    origin = (origin or "").lower()
    if "nvivo" in origin:
        return ["utf16", "codepoints", "codepoints-crlf-as-one", "utf16-crlf-as-one"]
    if "atlas" in origin:
        return ["codepoints-crlf-as-one", "codepoints", "utf16-crlf-as-one", "utf16"]
    return ["codepoints", "codepoints-crlf-as-one", "utf16", "utf16-crlf-as-one"]


def _boundary(text: str, i: int) -> bool:
    return i <= 0 or i >= len(text) or not (text[i - 1].isalnum() and text[i].isalnum())


def _score(text: str, table: list, selections: list) -> int:
    score = 0
    for sel in selections:
        s, e = sel["start"], sel["end"]
        if not (0 <= s <= e < len(table)) or table[s] is None or table[e] is None:
            continue
        a, b = table[s], table[e]
        name = " ".join((sel.get("name") or "").split()).rstrip("…").rstrip(".").strip()
        span = " ".join(text[a:b].split())
        if name and len(name) >= 3 and span and (span == name or (len(name) >= 10 and span.startswith(name))):
            score += 2
        elif _boundary(text, a) and _boundary(text, b):
            score += 1
    return score


def choose_unit(raw: str, selections: list, origin: str) -> tuple[str, str, list]:
    """The offset unit for one source: ``(unit, stored text, table)``, by the rule in the module docstring."""
    best = None
    for unit in _preference(origin):
        text, table = offset_table(raw, unit)
        score = _score(text, table, selections)
        if best is None or score > best[0]:
            best = (score, unit, text, table)
    return best[1], best[2], best[3]


# -- import: reading the document ------------------------------------------------------------------------------------


def _kids(element, tag: str) -> list:
    return [c for c in element if c.tag == tag]


def _kid(element, tag: str):
    for c in element:
        if c.tag == tag:
            return c
    return None


def _text(element, tag: str) -> str:
    found = _kid(element, tag)
    return (found.text or "") if found is not None else ""


def _read_codes(root) -> tuple[list, dict]:
    """Codes depth-first as dicts, and sets: set name -> member code GUIDs."""
    codes = []

    def walk(element, parent):
        for code in _kids(element, "Code"):
            codes.append({
                "guid": _norm_guid(code.get("guid")), "name": (code.get("name") or "").strip(),
                "description": _text(code, "Description"), "color": code.get("color"), "parent": parent,
                "element": code,
            })
            walk(code, codes[-1]["guid"])

    book = root if root.tag == "CodeBook" else _kid(root, "CodeBook")
    if book is not None and _kid(book, "Codes") is not None:
        walk(_kid(book, "Codes"), None)
    sets = {}
    for holder in (root, book):
        sets_element = _kid(holder, "Sets") if holder is not None else None
        for s in _kids(sets_element, "Set") if sets_element is not None else []:
            members = [_norm_guid(m.get("targetGUID") or m.get("guid")) for m in _kids(s, "MemberCode")]
            sets.setdefault((s.get("name") or "").strip().lower(), set()).update(m for m in members if m)
    return codes, sets


def _build_codebook(codes: list, sets: dict, types: dict, quotes: dict, name: str, path: Path, report: ImportReport):
    """An ipe codebook (validated) from REFI codes; returns ``(codebook, guid -> code id)``."""
    import yaml

    from ipe import codebook as codebook_module
    from ipe.records import CODE_TYPES

    set_type = {g: t for t, members in sets.items() if t in CODE_TYPES for g in members}
    taken, ids, seen_guids, entries = set(), {}, set(), []
    unused = set(types)
    for raw in codes:
        label = f"code '{raw['name'] or raw['guid']}'"
        if raw["guid"] is None or raw["guid"] in seen_guids:
            report.skip(label, "missing or repeated GUID")
            continue
        seen_guids.add(raw["guid"])
        description = raw["description"].strip()
        id_line = _ID_LINE.search(description)
        wanted = None
        if id_line:
            description = description[:id_line.start()].rstrip()
            wanted = id_line.group("id")
        if wanted is None or wanted in taken:
            wanted = _slug(raw["name"], "code")
        cid = _unique(wanted, taken)
        ids[raw["guid"]] = cid
        prefix = _TYPE_PREFIX.match(description)
        hint_type = prefix.group("type") if prefix and prefix.group("type") in CODE_TYPES else set_type.get(raw["guid"])
        hint_kind = prefix.group("kind") if prefix else None
        key = raw["guid"] if raw["guid"] in types else raw["name"]
        unused.discard(key)
        spec = types.get(key) or {}
        if isinstance(spec, str):
            spec = {"type": spec}
        wanted_type = spec.get("type", hint_type) or "theme"
        kind = None
        if ":" in wanted_type:
            wanted_type, kind = wanted_type.split(":", 1)
        kind = spec.get("mechanism", kind if spec.get("type") else hint_kind)
        entry = {"id": cid, "name": raw["name"] or cid, "type": "theme"}
        if raw["parent"] in ids:
            entry["parent"] = ids[raw["parent"]]
        colour = raw["color"]
        if colour:
            if _RGB.match(colour):
                digits = colour[1:] if len(colour) == 7 else "".join(ch * 2 for ch in colour[1:])
                entry["colour"] = f"#{digits.upper()}"
            else:
                report.skip(f"{label} colour", f"'{colour}' is not #RRGGBB")
        final = "theme"
        if wanted_type not in CODE_TYPES:
            report.skip(f"{label} type", f"'{wanted_type}' is not an ipe type; kept as theme")
        elif wanted_type != "theme":
            examples = spec.get("examples") or quotes.get(raw["guid"], [])[:2]
            if not spec.get("rules"):
                report.skip(f"{label} type {wanted_type}", "no rules given (use --types with rules); kept as theme")
            elif not examples:
                report.skip(f"{label} type {wanted_type}", "no examples given or coded; kept as theme")
            else:
                final = wanted_type
                entry.update(type=final, rules=spec["rules"], examples=list(examples))
                if final == "mechanism" and kind:
                    entry["mechanism"] = kind
        if final != "theme" or hint_type in (None, "theme"):
            description = _TYPE_PREFIX.sub("", description, count=1) if prefix else description
        elif not prefix:
            description = f"[{hint_type}] {description}"  # the type came from a Set: keep it where it shows
        entry["description"] = description.strip() or entry["name"]
        entry["include"] = spec.get("include", DEFAULT_INCLUDE)
        entry["exclude"] = spec.get("exclude", DEFAULT_EXCLUDE)
        entries.append(entry)
    for key in sorted(unused):
        report.skip(f"types map entry '{key}'", "no code of that name or GUID in the file")
    if not entries:
        return None, ids
    document = {"name": name, "description": f"Imported from {path.name} (REFI-QDA).", "codes": entries}
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120)
    return codebook_module.loads(text, f"{path} (codebook)"), ids


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


def _load_types(path) -> dict:
    from ipe import codebook as codebook_module

    if path is None:
        return {}
    data = codebook_module.parse_yaml(codebook_module.read_text(Path(path)), str(path)) or {}
    if not isinstance(data, dict):
        raise RefiError(path, "the types map must map code names or GUIDs to types")
    out = {}
    for key, value in data.items():
        if not isinstance(value, (str, dict)):
            raise RefiError(path, f"'{key}': give a type, or a mapping with type, rules and examples")
        out[_norm_guid(str(key)) or str(key)] = value
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
        if len(data) > MAX_UNCOMPRESSED:
            raise RefiError(path, "file too large, refused")
        root = parse_xml(data, str(path))
        if root.tag != "CodeBook":
            raise RefiError(path, f"not a REFI-QDA codebook (root element '{root.tag}')")
        plan = _Reader(store, root, None, path, type_map, report).read()
    elif suffix in (".qdpx", ".zip"):
        with _Archive(path) as archive:
            entry = archive.project_entry()
            root = parse_xml(archive.read(entry), f"{path}:{entry.filename}")
            if root.tag != "Project":
                raise RefiError(path, f"not a REFI-QDA project (root element '{root.tag}')")
            plan = _Reader(store, root, archive, path, type_map, report).read()
    else:
        raise RefiError(path, "give a .qdpx (project) or .qdc (codebook) file")
    _write(store, plan, path, report, actor)
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

    def read(self) -> _Plan:
        self.users()
        self.cases()
        self.sources()
        self.codebook()
        self.codings()
        self.notes()
        return self.plan

    def section(self, holder: str, item: str) -> list:
        found = _kid(self.root, holder)
        return _kids(found, item) if found is not None else []

    def refer(self, note_ref, target: tuple) -> None:
        self.note_targets.setdefault(_norm_guid(note_ref.get("targetGUID")), []).append(target)

    def coder(self, user_guid: Optional[str]) -> str:
        if user_guid is None:
            return DEFAULT_USER
        return self.plan.users.setdefault(user_guid, f"user-{user_guid[:8]}")

    def users(self) -> None:
        for user in self.section("Users", "User"):
            guid = _norm_guid(user.get("guid"))
            if guid:
                self.plan.users[guid] = (user.get("name") or user.get("id") or f"user-{guid[:8]}").strip()

    def cases(self) -> None:
        for var in self.section("Variables", "Variable"):
            if _norm_guid(var.get("guid")) and var.get("name"):
                self.variables[_norm_guid(var.get("guid"))] = var.get("name").strip()
        for case in self.section("Cases", "Case"):
            self.plan.cases += 1
            name = (case.get("name") or case.get("guid") or "").strip()
            values = _variable_map(case, self.variables)
            for ref in _kids(case, "SourceRef"):
                sguid = _norm_guid(ref.get("targetGUID"))
                if sguid in self.case_attrs:
                    self.report.skip(f"case '{name}'", f"source {sguid} is already in case "
                                     f"'{self.case_attrs[sguid]['case']}'; kept there")
                else:
                    self.case_attrs[sguid] = {**values, "case": name}
            for ref in _kids(case, "NoteRef"):
                self.refer(ref, ("project", f"case {name}"))

    def sources(self) -> None:
        from ipe.nlp import pipeline

        nlp = pipeline(None, lemmas=False)
        existing = self.store.source_hashes()
        taken = set(existing)
        found = _kid(self.root, "Sources")
        for element in list(found) if found is not None else []:
            self.source(element, nlp, taken, existing)

    def source(self, element, nlp, taken: set, existing: dict) -> None:
        from ipe import corpus
        from ipe.records import Source

        sguid = _norm_guid(element.get("guid"))
        label = f"source '{element.get('name') or sguid}'"
        if element.tag != "TextSource":
            self.report.skip(label, f"{element.tag} is not supported (text sources only)")
            return
        raw = _source_text(element, self.archive, self.path, label, self.report)
        if raw is None:
            return
        selections = []
        for sel in _kids(element, "PlainTextSelection"):
            try:
                selections.append({"start": int(sel.get("startPosition")), "end": int(sel.get("endPosition")),
                                   "name": sel.get("name"), "element": sel})
            except (TypeError, ValueError):
                self.report.skip(f"{label} selection {sel.get('guid')}", "positions are not whole numbers")
        unit, text, table = choose_unit(raw, selections, self.origin)
        if not text:
            self.report.skip(label, "empty text")
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
            attrs = {**self.case_attrs.get(sguid, {}), **_variable_map(element, self.variables)}
            turns = corpus.assign_roles(corpus.split_turns(text), {}, attrs.get("role") or None)
            attrs.setdefault("data_type", "interview" if any(t.speaker for t in turns) else "document")
            self.plan.sources.append(Source(
                id=sid, name=name, text=text, format="refi", content_hash=digest, attributes=attrs, turns=turns,
                sentences=corpus.split_sentences(text, turns, nlp), path=f"{self.path}#{name}",
            ))
            self.report.unit[sid] = unit
        for ref in _kids(element, "NoteRef"):
            self.refer(ref, ("source", sid))
        user = _norm_guid(element.get("creatingUser"))
        for sel in selections:
            self.selection(sel, sid, text, table, unit, label, user)
        for coding in _kids(element, "Coding"):  # a coding of the whole source
            self.coding(coding, sid, 0, len(text), text, user)

    def selection(self, sel: dict, sid: str, text: str, table: list, unit: str, label: str, source_user) -> None:
        where = f"{label} selection {sel['start']}-{sel['end']}"
        s, e = sel["start"], sel["end"]
        if not (0 <= s <= e < len(table)) or table[s] is None or table[e] is None:
            self.report.skip(where, f"outside the text or inside a character ({unit})")
            return
        a, b = table[s], table[e]
        if b <= a:
            self.report.skip(where, "zero-length selection")
            return
        element = sel["element"]
        user = _norm_guid(element.get("creatingUser")) or source_user
        keys = [self.coding(coding, sid, a, b, text, user) for coding in _kids(element, "Coding")]
        for ref in _kids(element, "NoteRef"):
            self.refer(ref, ("coding", keys[0]) if keys else ("source", sid))
        memo = _text(element, "Description").strip()
        if not keys:
            kept = "; its description kept as a memo on the source" if memo else ""
            self.report.skip(where, f"selection without a Coding{kept}")
        if memo:  # ATLAS.ti writes a quotation's comment here, MAXQDA a comment on an uncoded segment
            target = ("coding", keys[0]) if keys else ("source", sid)
            self.plan.memos.append((*target, self.coder(user), memo if keys else f"{memo}\n\n({sid}:{a}-{b})"))

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
            for ref in _kids(code["element"], "NoteRef"):
                if code["guid"] in plan.code_ids:
                    self.refer(ref, ("code", plan.code_ids[code["guid"]]))
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

    def notes(self) -> None:
        from ipe.corpus import normalise

        for note in self.section("Notes", "Note"):
            nguid = _norm_guid(note.get("guid"))
            label = f"note '{note.get('name') or nguid}'"
            text = _text(note, "PlainTextContent").strip() or _text(note, "Description").strip()
            if not text and note.get("plainTextPath"):
                text = normalise(_source_text(note, self.archive, self.path, label, self.report) or "")
            if not text:
                self.report.skip(label, "empty")
                continue
            author = self.coder(_norm_guid(note.get("creatingUser")))
            for kind, target in self.note_targets.get(nguid) or [_note_target_from_name(note.get("name") or "")]:
                if kind == "project" and target:
                    self.plan.memos.append(("project", "", author, f"[{target}] {text}"))
                else:
                    self.plan.memos.append((kind, target, author, text))
        memos = []
        for kind, target, author, text in self.plan.memos:
            if kind == "coding":
                target = self.coding_key(target)
                if target is None:
                    self.report.skip(f"memo by {author}", "its coding was not imported; kept as a project memo")
                    kind, target = "project", ""
            memos.append((kind, target, author, text))
        self.plan.memos = memos


def _note_target_from_name(name: str) -> tuple[str, str]:
    kind, _, target = name.partition(": ")
    if kind in ("configuration", "cell", "code", "source") and target.strip():
        return kind, target.strip()
    return "project", ""


def _source_text(element, archive, path: Path, label: str, report: ImportReport) -> Optional[str]:
    inline = _kid(element, "PlainTextContent")
    if inline is not None and inline.text:
        return inline.text.lstrip("\ufeff")
    target = element.get("plainTextPath")
    if not target:
        report.skip(label, "no plain text (plainTextPath or PlainTextContent)")
        return None
    if archive is None:
        report.skip(label, "text not in the file")
        return None
    relative = target[len("internal://"):] if target.startswith("internal://") else target
    if re.match(r"^[a-z]+://", relative) or not _safe_name(relative):
        report.skip(label, f"text '{target}' is outside the archive")
        return None
    info = archive.find(f"sources/{relative}") or archive.find(relative)
    if info is None:
        report.skip(label, f"text '{target}' not found in the archive")
        return None
    try:
        return decode_raw(archive.read(info), f"{path}:{info.filename}")
    except RefiError:
        raise
    except SourceError as exc:
        report.skip(label, exc.problem)
        return None


def _write(store, plan: _Plan, path: Path, report: ImportReport, actor: Optional[str]) -> None:
    from ipe.records import Coding

    coders = store.coders()
    names = sorted(set(plan.users.values()) | {c[4] for c in plan.codings} | {m[2] for m in plan.memos})
    detail = {"file": str(path)}
    with store.transaction(actor, "refi import", detail) as tx:
        if plan.name and not tx.get_meta(META_NAME):
            tx.set_meta(META_NAME, plan.name)
        version = None
        if plan.codebook is not None:
            version = tx.codebook_version(plan.codebook.content_hash)
            if version is None:
                version = tx.add_codebook(plan.codebook, str(path))
            report.codebook_version = version
        for name in names:
            tx.ensure_coder(name, coders.get(name, "auto" if name == AUTO_CODER else "human"))
        report.coders = names
        for source in plan.sources:
            tx.write_source(source)
        report.sources = len(plan.sources)
        report.cases = plan.cases
        texts = {s.id: s.text for s in plan.sources}
        existing = {(c.source_id, c.start, c.end, c.code_id, c.coder) for c in tx.codings(status=None)}
        new = []
        for key in plan.codings:
            if key in existing:
                continue
            sid, a, b, code, coder = key
            if sid not in texts:
                texts[sid] = tx.source(sid, structure=False).text
            new.append(Coding(source_id=sid, start=a, end=b, code_id=code, coder=coder, provenance=f"refi {path.name}",
                              codebook_version=version, quote=texts[sid][a:b]))
        report.codings = tx.add_codings(new)
        ids = {(c.source_id, c.start, c.end, c.code_id, c.coder): c.id for c in tx.codings(status=None)}
        memos = {(m.target_kind, m.target, m.author, m.text) for m in tx.memos()}
        for kind, target, author, text in plan.memos:
            if kind == "coding":
                if target not in ids:
                    report.skip(f"memo by {author}", "its coding was not imported")
                    continue
                target = str(ids[target])
            if (kind, target, author, text) in memos:
                continue  # imported before
            memos.add((kind, target, author, text))
            tx.add_memo(kind, target, author, text)
            report.memos += 1
        detail.update(sources=report.sources, codings=report.codings, memos=report.memos,
                      codebook_version=version, skipped=len(report.skipped))  # the audit entry is written on exit
