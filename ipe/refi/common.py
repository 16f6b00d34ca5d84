"""Records, constants and identifiers shared by REFI-QDA export and import."""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from ipe import __version__
from ipe.corpus import slug
from ipe.errors import SourceError
from ipe.records import AUTO_CODER  # noqa: F401 - a REFI user of this name stays an auto coder

NS_PROJECT = "urn:QDA-XML:project:1.0"
NS_CODEBOOK = "urn:QDA-XML:codebook:1.0"
GUID_NAMESPACE = uuid.UUID("5b0e6c1e-3f7a-5d2c-9a41-7e8d2b6f0c13")
FIXED_TIMESTAMP = "2000-01-01T00:00:00Z"
ORIGIN = f"ipe {__version__}"
DEFAULT_USER = "refi-import"
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
    evidence: int = 0
    unit: dict = field(default_factory=dict)  # source id -> offset unit used
    skipped: list = field(default_factory=list)

    def skip(self, what: str, reason: str) -> None:
        self.skipped.append(f"{what}: {reason}")

    def summary(self) -> str:
        version = f" (codebook version {self.codebook_version})" if self.codebook_version else ""
        return (f"{self.codes} codes{version}, {self.sources} sources, {self.codings} codings, "
                f"{len(self.coders)} coders, {self.cases} cases, {self.memos} memos"
                + (f", {self.evidence} evidence records" if self.evidence else "") + f"; {len(self.skipped)} skipped")


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
    # Accents are folded first: other programs' names ("Café") keep their letters in the id.
    return slug(unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()) or fallback


def _unique(wanted: str, taken: set) -> str:
    candidate, n = wanted, 2
    while candidate in taken:
        candidate, n = f"{wanted}-{n}", n + 1
    taken.add(candidate)
    return candidate


def _short(text: str) -> str:
    return " ".join(text.split())[:NAME_CHARS]
