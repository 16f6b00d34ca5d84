"""Transcripts in: read files, normalise text, find speaker turns and sentences, attach manifest attributes.

Normalisation (offsets and interoperability depend on it): text is decoded (UTF-8, UTF-8 with BOM, UTF-16 with
BOM, else Windows-1252), the BOM is dropped, CRLF and CR become LF, the text is put in Unicode NFC form, and trailing
white space at the end of the document is removed. Every offset ipe stores is a character (code point) offset into
that normalised text. Structured formats (.docx, .vtt, .srt, CSV) are first rendered to plain text, as documented
in each reader, and offsets refer to that rendering.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

from ipe import limits
from ipe.errors import ManifestError, SourceError
from ipe.records import Source, Turn
from ipe.turns import (  # noqa: F401  (re-exported: importers call them through corpus)
    LABEL_PATTERNS,
    PIECE_LIMIT,
    _not_speaker,
    apply_aliases,
    assign_roles,
    guess_interviewers,
    normalise_speaker,
    speaker_aliases,
    speaker_roles,
    split_sentences,
    split_turns,
)

# The turn and sentence functions live in ipe.turns; imported here for the readers and for callers.
TEXT_FORMATS = {".txt": "txt", ".md": "md", ".docx": "docx", ".vtt": "vtt", ".srt": "srt"}
MAX_FILE_BYTES = limits.MAX_FILE_BYTES
MANIFEST_RESERVED = {"file", "id", "speakers"}

@dataclass
class ParsedFile:
    """A file read and rendered to normalised text, with its turns when the format carries them."""

    text: str
    format: str
    turns: Optional[list] = None
    heading_lines: frozenset = frozenset()
    notes: tuple = ()  # what was left out while reading (bad cues), for the import report


@dataclass
class ImportReport:
    """What an import did, source by source."""

    rows: list = field(default_factory=list)  # (source id, status, detail)
    notes: list = field(default_factory=list)  # one line each: cues or manifest rows left out, with the reason

    def add(self, source_id: str, status: str, detail: str = "") -> None:
        self.rows.append((source_id, status, detail))

    def count(self, status: str) -> int:
        return sum(1 for _, s, _ in self.rows if s == status)

    def summary(self) -> str:
        order = ("new", "changed", "attributes updated", "unchanged", "skipped")
        parts = [f"{self.count(s)} {s}" for s in order if self.count(s)]
        return ", ".join(parts) or "nothing to import"


# -- decoding and normalisation ---------------------------------------------------------------------------------------


def decode(data: bytes, path: str) -> str:
    """Decode bytes of a text file: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise SourceError(path, "broken UTF-16 text") from None
    if b"\x00" in data:
        raise SourceError(path, "binary data, not a text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise SourceError(path, f"neither UTF-8 nor Windows-1252 text (byte {exc.start})") from None
    if _looks_binary(text):
        raise SourceError(path, "binary data, not a text file")
    return text


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    controls = sum(1 for ch in sample if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f")
    return bool(sample) and controls / len(sample) > 0.01


def normalise(text: str) -> str:
    """The stored form of a text: no BOM, LF line ends, NFC, no trailing white space at the end."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text).rstrip()


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# -- readers --------------------------------------------------------------------------------------------------------


def read_file(path: Path) -> ParsedFile:
    """Read one transcript file into normalised text (and turns, for subtitle formats)."""
    fmt = TEXT_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise SourceError(path, f"unsupported file type '{path.suffix}' (use .txt, .md, .docx, .vtt, .srt or CSV)")
    try:
        limits.check_file_size(path, path.stat().st_size)
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(path, f"cannot read the file ({exc.strerror})") from None
    if not data.strip():
        raise SourceError(path, "empty file")
    if fmt == "docx":
        return _read_docx(data, path)
    text = normalise(decode(data, str(path)))
    if not text:
        raise SourceError(path, "empty file")
    limits.check_source_length(path, text)
    if fmt == "vtt":
        return _read_cues(text, path, "vtt")
    if fmt == "srt":
        return _read_cues(text, path, "srt")
    return ParsedFile(text=text, format=fmt)


def _read_docx(data: bytes, path: Path) -> ParsedFile:
    """Render a Word document: paragraphs in order, tables row by row.

    A table whose rows are ``speaker | speech`` (or ``time | speaker | speech``) is rendered as ``Speaker: speech``
    lines so it parses like any transcript; other tables render their cells joined by `` | ``.
    """
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise SourceError(path, "not a Word .docx file (not a zip archive)")
    limits.check_archive(data, path)
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(io.BytesIO(data))
    except Exception as exc:
        raise SourceError(path, f"cannot read the Word document ({type(exc).__name__}: {str(exc)[:120]})") from None
    lines: list[str] = []
    headings: set[int] = set()
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            para = Paragraph(block, document)
            style = (para.style.name if para.style is not None else "") or ""
            if style.startswith(("Heading", "Title", "Subtitle")) and para.text.strip():
                headings.add(len(lines))
            lines.append(para.text)
        elif tag == "tbl":
            lines.extend(_render_table(Table(block, document)))
            lines.append("")
    text = normalise("\n".join(lines))
    if not text:
        raise SourceError(path, "the Word document has no text")
    limits.check_source_length(path, text)
    # Heading indices count lines of the rendering before normalisation trimmed only its end, so they still hold.
    return ParsedFile(text=text, format="docx", heading_lines=frozenset(headings))


_TIME_CELL = re.compile(r"^\[?\d{1,2}:\d{2}(?::\d{2})?\]?$")
_HEADER_WORDS = {"speaker", "name", "who", "text", "speech", "transcript", "time", "utterance", "what was said"}


def _render_table(table) -> list[str]:
    rows = [[cell.text.strip() for cell in row.cells] for row in table.rows]
    # Merged cells repeat in python-docx; keep each distinct cell once.
    rows = [[c for i, c in enumerate(r) if i == 0 or c != r[i - 1]] for r in rows]
    if rows and all(c.lower() in _HEADER_WORDS for c in rows[0] if c):
        rows = rows[1:]
    speaker_table = rows and all(_speaker_row(r) for r in rows if any(r))
    out = []
    for r in rows:
        if not any(r):
            continue
        if speaker_table:
            cells = [c for c in r if c]
            time = cells.pop(0) if len(cells) == 3 and _TIME_CELL.match(cells[0]) else None
            speaker, speech = cells[0], " ".join(cells[1:])
            out.append(f"[{time.strip('[]')}] {speaker}: {speech}" if time else f"{speaker}: {speech}")
        else:
            out.append(" | ".join(r))
    return out


def _speaker_row(cells: list[str]) -> bool:
    cells = [c for c in cells if c]
    if len(cells) == 3 and _TIME_CELL.match(cells[0]):
        cells = cells[1:]
    return len(cells) == 2 and len(cells[0]) <= 40 and "\n" not in cells[0] and not cells[0].endswith(".")


_CUE_TIME = re.compile(r"^(\d{1,2}:)?\d{1,2}:\d{2}[.,]\d{1,3}\s+-->\s+(\d{1,2}:)?\d{1,2}:\d{2}[.,]\d{1,3}")
_VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^>]+)>")
_TAG = re.compile(r"</?[^>]+>")


def _read_cues(text: str, path: Path, fmt: str) -> ParsedFile:
    """Render WebVTT or SubRip cues as a transcript: consecutive cues of one speaker make one turn.

    The speaker comes from a WebVTT voice tag (``<v Name>``) or a ``Name:`` prefix; the turn keeps the start time
    of its first cue. The rendering is ``Speaker: speech`` paragraphs separated by blank lines.
    """
    if fmt == "vtt" and not text.startswith("WEBVTT"):
        raise SourceError(path, "not a WebVTT file (no WEBVTT header)")
    cues, notes = [], []
    for block in re.split(r"\n\s*\n", text):
        lines = [ln.strip() for ln in block.split("\n") if ln.strip()]
        timing = next((i for i, ln in enumerate(lines) if _CUE_TIME.match(ln)), None)
        if timing is None:
            bad = next((ln for ln in lines if "-->" in ln), None)
            if bad is not None:
                notes.append(f"{path}: cue skipped, its timing line is not a valid timestamp: '{bad[:60]}'")
            continue
        start = lines[timing].split("-->")[0].strip().replace(",", ".")
        body = " ".join(lines[timing + 1:])
        speaker = None
        voice = _VOICE.search(body)
        if voice:
            speaker = voice.group(1).strip()
        body = " ".join(_TAG.sub("", body).split())
        if speaker is None:
            match = LABEL_PATTERNS[-1][1].match(body)
            if match and not _not_speaker(match.group("label")):
                speaker, body = match.group("label"), match.group("rest")
        if body:
            cues.append((speaker, start, body))
    if not cues:
        raise SourceError(path, f"no cues found in the {fmt.upper()} file")
    merged: list[list] = []
    for speaker, start, body in cues:
        if merged and (speaker is None or speaker == merged[-1][0]):
            merged[-1][2].append(body)
        else:
            merged.append([speaker, start, [body]])
    parts, turns, offset = [], [], 0
    for n, (speaker, start, bodies) in enumerate(merged, 1):
        label = f"{speaker}: " if speaker else ""
        speech = " ".join(bodies)
        parts.append(label + speech)
        begin = offset + len(label)
        turns.append(Turn(n=n, start=begin, end=begin + len(speech), speaker=normalise_speaker(speaker) if speaker else None,
                          label=speaker, time=start))
        offset += len(label) + len(speech) + 2
    return ParsedFile(text="\n\n".join(parts), format=fmt, turns=turns, notes=tuple(notes))


# -- manifest --------------------------------------------------------------------------------------------------------


def read_csv_rows(path: Path, required: Iterable[str] = ()) -> tuple[list[str], list[tuple[int, dict]]]:
    """Rows of a CSV file as ``(line number, row)``; one-line errors for encoding, shape and missing columns."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ManifestError(path, f"cannot read the file ({exc.strerror})") from None
    text = normalise(decode(data, str(path)))
    if not text:
        raise ManifestError(path, "empty file")
    first = text.split("\n", 1)[0]
    # A spreadsheet saved with semicolons or tabs (common in European locales) is read as it was written.
    delimiter = next((d for d in (",", ";", "\t") if d in first), ",")
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [c for c in required if c not in header]
    if missing:
        raise ManifestError(path, f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    if len(set(header)) != len(header):
        raise ManifestError(path, "duplicate column names in the header")
    rows = []
    try:
        for row in reader:
            if None in row:
                raise ManifestError(path, f"line {reader.line_num}: more cells than columns")
            rows.append((reader.line_num, {k: (v or "").strip() for k, v in row.items()}))
    except csv.Error as exc:
        raise ManifestError(path, f"line {reader.line_num}: {exc}") from None
    return header, rows


# Columns ipe gives a meaning to; any other column is kept as an attribute of the source.
MANIFEST_COLUMNS = ("file", "id", "speakers", "case", "role", "participant", "agency", "data_type", "site", "date")


def manifest_warnings(header: Iterable[str]) -> list[str]:
    """A warning for each column that looks like a misspelt known column ("cse" for "case").

    >>> manifest_warnings(["file", "cse", "speaker", "interview_date"])
    ["column 'cse' is kept as an attribute; did you mean 'case'?", "column 'speaker' is kept as an attribute; did you mean 'speakers'?"]
    """
    import difflib

    out = []
    for column in header:
        if column in MANIFEST_COLUMNS:
            continue
        close = difflib.get_close_matches(column.lower(), MANIFEST_COLUMNS, n=1, cutoff=0.75)
        if close:
            out.append(f"column '{column}' is kept as an attribute; did you mean '{close[0]}'?")
    return out


def read_manifest(path: Path, notes: Optional[list] = None) -> dict[Path, dict]:
    """Manifest rows keyed by the resolved path of the file each describes; every file must exist."""
    header, rows = read_csv_rows(path, required=("file",))
    if notes is not None:
        notes.extend(f"{path}: {w}" for w in manifest_warnings(header))
    out: dict[Path, dict] = {}
    for line, row in rows:
        if not row.get("file"):
            raise ManifestError(path, f"line {line}: empty 'file' cell")
        target = (path.parent / row["file"]).resolve()
        if not target.is_file():
            raise ManifestError(path, f"line {line}: names a missing file '{row['file']}'")
        if target in out:
            raise ManifestError(path, f"line {line}: '{row['file']}' is listed twice")
        out[target] = row
    return out


# -- import ----------------------------------------------------------------------------------------------------------


def slug(text: str) -> str:
    """``text`` lower-cased, each run of characters other than ``a-z`` and ``0-9`` made one hyphen, no hyphen at
    either end: the form of every id ipe makes from a name.

    >>> slug("Ashdown MASH: interview 3")
    'ashdown-mash-interview-3'
    """
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def source_id_for(path: Path) -> str:
    """A source id from a file name: its stem as a :func:`slug`."""
    return slug(path.stem) or "source"


# Documents ipe cannot read, reported when a folder holds them (other files, such as CSVs, are not transcripts).
UNREADABLE_DOCUMENTS = {".pdf": "a PDF", ".doc": "an old Word .doc", ".rtf": "an RTF file", ".odt": "an ODT file",
                        ".pages": "a Pages file", ".wav": "audio", ".mp3": "audio", ".m4a": "audio", ".mp4": "video"}


def collect_files(paths: Iterable[Path], manifest: Optional[dict], report: ImportReport) -> list[Path]:
    """Transcript files under ``paths``; with a manifest, only the files it lists (others are reported skipped).

    Inside a folder, symbolic links are never followed and documents of a type ipe cannot read are reported.
    """
    files: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for f in sorted(x for x in p.rglob("*") if x.is_file() or x.is_symlink()):
                rel = f.relative_to(p)
                if any(part.startswith(".") for part in rel.parts):
                    continue
                if f.is_symlink():
                    report.notes.append(f"{f}: skipped, a symbolic link (links inside a folder are not followed)")
                    continue
                if f.suffix.lower() in UNREADABLE_DOCUMENTS:
                    report.notes.append(f"{f}: skipped, {UNREADABLE_DOCUMENTS[f.suffix.lower()]} (save it as .docx "
                                        "or .txt to import it)")
                    continue
                if f.suffix.lower() not in TEXT_FORMATS:
                    continue
                if f.name.lower().startswith("readme"):
                    continue
                if manifest is not None and f.resolve() not in manifest:
                    report.add(source_id_for(f), "skipped", f"{f}: not in the manifest")
                    continue
                files.append(f)
        elif p.is_file():
            files.append(p)
        else:
            raise SourceError(p, "no such file or folder")
    if manifest is not None:
        chosen = {f.resolve() for f in files}
        for target, row in manifest.items():
            if target in chosen:
                continue
            if any(_is_under(target, Path(p)) for p in paths):
                files.append(target)
            else:
                report.notes.append(f"manifest row '{row.get('file')}': not imported, the file is outside "
                                    f"{', '.join(str(p) for p in paths)}")
    return sorted(set(files), key=lambda f: str(f))


def _is_under(target: Path, root: Path) -> bool:
    root = root.resolve()
    return target == root or root in target.parents


def parse_source(path: Path, attributes: dict, nlp, source_id: Optional[str] = None,
                 notes: Optional[list] = None, interviewers: Iterable[str] = ()) -> Source:
    """Read one file into a :class:`Source` with turns, roles and sentences; what was left out goes to ``notes``.

    ``interviewers``: speaker labels that are the interviewer in every file (``--interviewer``). Without a
    ``speakers`` column or these, a speaker who mostly asks questions is taken as the interviewer, in ``notes``.
    """
    parsed = read_file(path)
    notes = notes if notes is not None else []
    notes.extend(parsed.notes)
    spec = attributes.get("speakers", "")
    aliases = speaker_aliases(spec)
    roles = speaker_roles(spec)
    roles.update({normalise_speaker(label): "interviewer" for label in interviewers})
    turns = parsed.turns
    if turns is None:
        turns = split_turns(parsed.text, parsed.heading_lines, known_speakers=[*roles, *aliases])
    if not turns:
        raise SourceError(path, "no text to import (only headings or stage directions)")
    turns = apply_aliases(turns, aliases)
    if not spec.strip() and not interviewers:
        guessed = guess_interviewers(parsed.text, turns)
        for speaker, asked, spoke in guessed:
            roles[speaker] = "interviewer"
            notes.append(f"{path}: '{speaker}' taken as the interviewer ({asked} of {spoke} turns are questions); "
                         "confirm with --interviewer or the manifest's speakers column")
    turns = assign_roles(turns, roles, attributes.get("role") or None)
    attrs = {k: v for k, v in attributes.items() if k not in MANIFEST_RESERVED and v != ""}
    attrs.setdefault("data_type", "interview" if any(t.speaker for t in turns) else "document")
    return Source(
        id=source_id or attributes.get("id") or source_id_for(path),
        name=path.name,
        text=parsed.text,
        format=parsed.format,
        content_hash=content_hash(parsed.text),
        attributes=attrs,
        turns=turns,
        sentences=split_sentences(parsed.text, turns, nlp),
        path=str(path),
    )


def parse_csv_sources(path: Path, text_column: str, id_column: Optional[str], nlp,
                      data_type: str = "survey") -> list[Source]:
    """One source per CSV row: the text column is the text, other columns become attributes."""
    required = [text_column] + ([id_column] if id_column else [])
    _, rows = read_csv_rows(path, required=required)
    stem = source_id_for(path)
    sources, seen = [], set()
    for line, row in rows:
        text = normalise(row.get(text_column, ""))
        if not text:
            continue
        key = row[id_column] if id_column else str(line - 1)
        sid = f"{stem}-{slug(key)}"
        if sid in seen:
            raise ManifestError(path, f"line {line}: duplicate id '{key}'")
        seen.add(sid)
        attrs = {k: v for k, v in row.items() if k != text_column and v}
        attrs.setdefault("data_type", data_type)
        turns = split_turns(text)
        sources.append(Source(id=sid, name=f"{path.name}#{key}", text=text, format="csv", content_hash=content_hash(text),
                              attributes=attrs, turns=turns, sentences=split_sentences(text, turns, nlp), path=str(path)))
    if not sources:
        raise SourceError(path, f"no text in column '{text_column}'")
    return sources


def parse_sources(
    paths: Iterable[Path],
    manifest_path: Optional[Path],
    nlp,
    text_column: Optional[str] = None,
    id_column: Optional[str] = None,
    progress: Callable = lambda items, **kw: items,
    interviewers: Iterable[str] = (),
) -> tuple[Iterator[Source], ImportReport]:
    """The sources in the files named, parsed one at a time as the iterator is consumed, and the import report.

    The manifest, the file list and the CSV answers are checked at once; each transcript is read only when its turn
    comes, so a large corpus is never held in memory. Any bad file raises while iterating: the caller writes inside
    one transaction, so nothing from the import is kept.
    """
    report = ImportReport()
    paths = [Path(p) for p in paths]
    manifest = read_manifest(manifest_path, report.notes) if manifest_path else None
    csv_paths = [p for p in paths if p.is_file() and p.suffix.lower() == ".csv"]
    other = [p for p in paths if p not in csv_paths]
    answers: list[Source] = []
    for p in csv_paths:
        if not text_column:
            raise SourceError(p, "a CSV of free-text answers needs --text-column")
        answers += parse_csv_sources(p, text_column, id_column, nlp)
    files = collect_files(other, manifest, report)
    if not answers and not files:
        raise SourceError(", ".join(map(str, paths)), "no transcript files found (.txt, .md, .docx, .vtt, .srt)")

    def sources() -> Iterator[Source]:
        seen: dict[str, Optional[str]] = {}
        for src in itertools.chain(answers, (_parse_listed(f, manifest, nlp, report, interviewers) for f in progress(files, label="Reading"))):
            if src.id in seen:
                raise SourceError(src.path or src.id, f"two files would have the same source id '{src.id}' ({seen[src.id]})")
            seen[src.id] = src.path
            yield src

    return sources(), report


def _parse_listed(path: Path, manifest: Optional[dict], nlp, report: ImportReport, interviewers=()) -> Source:
    attrs = dict(manifest.get(path.resolve(), {})) if manifest else {}
    attrs.pop("file", None)
    return parse_source(path, attrs, nlp, notes=report.notes, interviewers=interviewers)
