"""The records ipe passes between its modules and keeps in the project store."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Optional

CODE_TYPES = ("component", "function", "context", "mechanism", "outcome", "group", "theme")
MECHANISM_KINDS = ("resource", "response")
UNITS = ("sentence", "turn")


# The auto-coder's coder name; a coder of this name is always of kind "auto".
AUTO_CODER = "auto"

@dataclass(frozen=True)
class Rules:
    """Auto-coding rules of one code."""

    unit: str = "sentence"
    phrases: tuple = ()
    lemmas: tuple = ()
    patterns: tuple = ()
    exclude_cues: tuple = ()
    exclude_window: Optional[int] = None
    # Actor restrictions: whose speech the rules code (see ipe.coding.Speaker); empty means anyone's.
    roles: tuple = ()
    agencies: tuple = ()
    exclude_roles: tuple = ()

    @property
    def restricted(self) -> bool:
        return bool(self.roles or self.agencies or self.exclude_roles)

    @property
    def empty(self) -> bool:
        return not (self.phrases or self.lemmas or self.patterns)


@dataclass(frozen=True)
class Code:
    """One code of a codebook."""

    id: str
    name: str
    type: str
    description: str = ""
    include: str = ""
    exclude: str = ""
    examples: tuple = ()
    parent: Optional[str] = None
    mechanism: Optional[str] = None
    colour: Optional[str] = None
    contradicts: tuple = ()
    rules: Rules = field(default_factory=Rules)


@dataclass(frozen=True)
class Configuration:
    """A hypothesised context–mechanism–outcome configuration of the programme theory."""

    id: str
    context: str
    outcome: str
    statement: str
    mechanism: Optional[str] = None
    resource: Optional[str] = None
    response: Optional[str] = None
    chain_from: Optional[str] = None

    @property
    def mechanisms(self) -> tuple:
        """The mechanism code ids, resource before response."""
        return tuple(m for m in (self.mechanism, self.resource, self.response) if m)


@dataclass(frozen=True)
class ResearchQuestion:
    id: str
    question: str
    codes: tuple = ()


@dataclass(frozen=True)
class Codebook:
    """A parsed, validated programme-theory codebook."""

    name: str
    codes: tuple
    theory: tuple = ()
    research_questions: tuple = ()
    label: str = ""
    description: str = ""
    content_hash: str = ""
    document: str = ""

    def code(self, code_id: str) -> Code:
        return self.by_id[code_id]

    # Worked out once per codebook (it never changes): tables ask for a code by id, and its path, once per coding.
    @functools.cached_property
    def by_id(self) -> dict[str, Code]:
        """Code id -> code (shared by every caller: do not change it)."""
        return {c.id: c for c in self.codes}

    @functools.cached_property
    def _paths(self) -> dict[str, str]:
        codes = self.by_id
        paths = {}
        for code in self.codes:
            parts, seen, current = [], set(), code
            while current is not None and current.id not in seen:
                seen.add(current.id)
                parts.append(current.id)
                current = codes.get(current.parent) if current.parent else None
            paths[code.id] = "/".join(reversed(parts))
        return paths

    def path(self, code_id: str) -> str:
        """The code's path from its top-level ancestor, e.g. ``contexts/ctx-relationships`` ('' for an unknown id)."""
        return self._paths.get(code_id, "")


@dataclass(frozen=True)
class Turn:
    """A speaker turn: ``start``/``end`` are character offsets of its speech in the source text."""

    n: int
    start: int
    end: int
    speaker: Optional[str] = None
    label: Optional[str] = None
    role: Optional[str] = None
    time: Optional[str] = None


@dataclass(frozen=True)
class Sentence:
    n: int
    turn: int
    start: int
    end: int


@dataclass
class Source:
    """A transcript or text document, as stored: normalised text plus its structure and attributes."""

    id: str
    name: str
    text: str
    format: str
    content_hash: str
    attributes: dict = field(default_factory=dict)
    turns: list = field(default_factory=list)
    sentences: list = field(default_factory=list)
    path: Optional[str] = None

    @property
    def word_count(self) -> int:
        return len(self.text.split())

    @property
    def data_type(self) -> str:
        return self.attributes.get("data_type", "")


@dataclass(frozen=True)
class Coding:
    """One code applied to the character span ``[start, end)`` of a source."""

    source_id: str
    start: int
    end: int
    code_id: str
    coder: str
    provenance: str = "manual"
    codebook_version: Optional[int] = None
    quote: str = ""
    id: Optional[int] = None
    status: str = "ok"
    version: int = 1  # raised by every update, for optimistic concurrency


@dataclass(frozen=True)
class User:
    """A team member: their name (also the coder name their codings go under), role and when they were added."""

    name: str
    role: str
    created_at: str


@dataclass(frozen=True)
class Assignment:
    """A source assigned to a coder by a lead; ``blind`` until the lead unblinds it."""

    source_id: str
    coder: str
    blind: bool
    assigned_by: str
    assigned_at: str


@dataclass(frozen=True)
class Resolution:
    """A lead's consensus decision on one code in one source: which coding was kept (None: none), by whom, why."""

    id: int
    source_id: str
    code_id: str
    kept_coding_id: Optional[int]
    kept_coder: Optional[str]
    start: int
    end: int
    decided_by: str
    reason: str
    decided_at: str


def reference(source_id: str, start: int, end: int) -> str:
    """The quote reference ``source:start-end`` that re-slices the stored text.

    >>> reference("colon", 50, 92)
    'colon:50-92'
    """
    return f"{source_id}:{start}-{end}"


@dataclass(frozen=True)
class Memo:
    id: Optional[int]
    target_kind: str
    target: str
    author: str
    text: str
    created_at: str = ""


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: str
    actor: str
    action: str
    detail: str


RELATIONS = ("supports", "contradicts", "refines")
# The parts of a configuration a passage can speak to; "mechanism" stands for both halves of a mechanism.
ELEMENTS = ("context", "resource", "response", "outcome")


@dataclass(frozen=True)
class Evidence:
    """A passage a researcher linked to a configuration of the programme theory, with a judged relation.

    ``start``/``end`` are character offsets of the passage in the source text (for a linked coding, that coding's
    span); ``elements`` names the parts of the configuration it speaks to; ``config_version`` is the version of the
    configuration in force when it was linked; ``candidate`` the co-occurrence candidate it was promoted from.
    """

    config_id: str
    source_id: str
    start: int
    end: int
    quote: str
    relation: str
    elements: tuple
    linked_by: str
    rationale: str = ""
    coding_id: Optional[int] = None
    candidate: str = ""
    config_version: int = 1
    status: str = "ok"
    id: Optional[int] = None
    created_at: str = ""

    @property
    def ref(self) -> str:
        return f"{self.source_id}:{self.start}-{self.end}"


@dataclass(frozen=True)
class Candidate:
    """A co-occurrence of two coded spans on a link of a configuration, waiting for a researcher's judgement.

    ``kind`` is ``human co-occurrence`` when both spans are coded by a human, else ``auto co-occurrence`` (an auto or
    suggested coding takes part); ``negation`` flags a quote holding a negation word, for the reviewer to look at
    (it decides nothing); ``decision`` is ``""``, ``promoted`` or ``dismissed``.
    """

    key: str
    config_id: str
    src: str
    dst: str
    source_id: str
    src_start: int
    src_end: int
    dst_start: int
    dst_end: int
    src_quote: str
    dst_quote: str
    coders: tuple
    kind: str
    negation: bool = False
    decision: str = ""
    evidence_id: Optional[int] = None

    @property
    def start(self) -> int:
        return min(self.src_start, self.dst_start)

    @property
    def end(self) -> int:
        return max(self.src_end, self.dst_end)

    @property
    def ref(self) -> str:
        return f"{self.source_id}:{self.start}-{self.end}"


@dataclass(frozen=True)
class TheoryRevision:
    """One recorded change to the programme theory: a configuration revised, added, retired, or a workshop verdict.

    ``theory_version`` numbers the whole theory after the change (the codebook's theory is version 1; a workshop
    verdict changes no statement and has none); ``configuration`` is the configuration as it stands after the
    change (None for a retirement or a verdict).
    """

    config_id: str
    stage: str
    status: str
    detail: str
    at: str
    theory_version: Optional[int] = None
    reason: str = ""
    actor: str = ""
    configuration: Optional[Configuration] = None
    id: Optional[int] = None


@dataclass(frozen=True)
class QuoteChoice:
    """A quote chosen for a configuration, with where it comes from and what kind of material it is.

    ``kind`` is ``evidence`` (a passage a researcher linked), ``human coding`` or ``auto coding``; ``relation`` is the
    evidence's relation (``""`` for codings).
    """

    ref: str
    source_id: str
    start: int
    end: int
    quote: str
    kind: str
    relation: str = ""
    code: str = ""
    case: str = ""
    data_type: str = ""
    role: str = ""
    agency: str = ""
    rationale: str = ""
