"""REFI-QDA interoperability: export a project (``.qdpx``) or codebook (``.qdc``) and import them back.

Export follows the QDA-XML 1.0 schemas (``Project.xsd``, ``Codebook.xsd``): elements in schema order, built with
lxml. Each coding is its own PlainTextSelection (as NVivo writes them) with its coder's user GUID as
``creatingUser`` on the selection and the Coding, and the date the store made it (an auto coder's codings: the
date of the codebook version that made them, so a rerun gives the same bytes). Objects made in ipe get a UUID 5 of a
fixed namespace and their identity (``code:<id>``, ``source:<id>``, ``coding:<source>:<start>:<end>:<code>:<coder>``);
zip entries carry a fixed date, so exporting the same project twice gives the same bytes. Positions are counted in
the unit asked for (``--offsets utf16|codepoints``, or a tool's preset, :data:`ipe.refi.offsets.PRESETS`); by
default each imported source in the unit it was read in and every other source in code points.

What ipe keeps that REFI-QDA has no field for is written where other tools show it: a code's realist type is the
prefix of its description (``[context] ...``, ``[mechanism:response] ...``) and a Set per realist type (none for
themes); ipe's own ids close the description of codes and sources (``ipe id: ctx-relationships``), so a round trip
keeps them. A memo is a Note named ``<kind>: <target>`` with its text inline (``PlainTextContent``) and as a file
(QualCoder's journal), referred to (NoteRef) from its source, code, coding or the project; a coding's memo is also
its selection's Description, where QualCoder and ATLAS.ti read it.

**Lossless round trip.** What an import reads that ipe's records cannot hold (GUIDs, dates, users and their ids,
Sets, Links, Graphs, ``isCodable``, descriptions exactly as written, a selection's grouping and name, a text's BOM
and line ends, sources with no text) is kept in the store by :mod:`ipe.refi.kept`, and the export writes it back,
so import then export gives the same project, element for element. A source changed since (pseudonymised, say) is
written as it now is.

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
climbs out (``..``), a source text whose path points outside the archive, more than :data:`MAX_ENTRIES` entries,
more than :data:`MAX_UNCOMPRESSED` bytes unpacked or a source text over :data:`MAX_SOURCE_BYTES` (counted while
each entry unpacks, so a lying header gains nothing); XML is parsed without entity resolution, DTD loading,
network access or huge trees, and any DOCTYPE is refused.
"""

from ipe.refi.archive import MAX_ENTRIES, MAX_SOURCE_BYTES, MAX_UNCOMPRESSED, parse_xml
from ipe.refi.common import (
    FIXED_TIMESTAMP,
    NS_CODEBOOK,
    NS_PROJECT,
    ExportReport,
    ImportReport,
    RefiError,
    guid_for,
)
from ipe.refi.offsets import choose_unit, decode_raw, offset_table
from ipe.refi.read import import_file
from ipe.refi.write import export, export_codebook, export_project

__all__ = [
    "RefiError", "ExportReport", "ImportReport", "guid_for", "export_codebook", "export_project", "export",
    "import_file", "FIXED_TIMESTAMP", "MAX_ENTRIES", "MAX_SOURCE_BYTES", "MAX_UNCOMPRESSED", "NS_CODEBOOK",
    "NS_PROJECT", "parse_xml", "choose_unit", "decode_raw", "offset_table",
]
