"""The workshop sense-check pack's content, gathered from the store; the ``pack`` exporter writes it as a Word
document practitioners can read, mark and send back (:mod:`ipe.exporters.pack`).

The pack has a cover (how to respond, data protection, when and where to return it), the emerging programme theory
as a picture on an A4 landscape page, one page per configuration (its statement, its status in plain words, quotes
that carry it, a response table), a section asking about the strongest links the data suggest and the theory does
not name, and a closing page with thanks, return instructions and a contact line for the facilitator to fill in.

Quotes are whole sentences without transcript marks, chosen by :func:`ipe.evidence.rank_quotes`: passages a
researcher linked as evidence first, then human codings, never unreviewed auto codings unless asked. Counts come
from the codings a :class:`ipe.selection.Selection` names (by default human codings and accepted auto codings).
Reading completed packs back is :mod:`ipe.workshop`'s job.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

import networkx as nx

from ipe import appraisal, cmo, exporters, quoting
from ipe.errors import IpeError
from ipe.records import Codebook
from ipe.selection import DEFAULT, Selection
from ipe.workshop import pack_id

QUOTES_PER_STATEMENT = 3
EMERGENT_LINKS = 5
# Who speaks in a transcript is a participant, not an agency: these roles are never counted as agencies.
NOT_AGENCIES = {"parent", "parents", "carer", "carers", "family", "families", "young person", "child", "children",
                "grandparent", "foster carer", "multi-agency", "interviewer", "observer", "researcher", ""}
DATA_TYPE_WORDS = {"interview": ("interview", "interviews"), "observation": ("observation", "observations"),
                   "workshop": ("workshop note", "workshop notes"), "survey": ("survey answer", "survey answers"),
                   "document": ("document", "documents")}
NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def _count(n: int, words: tuple) -> str:
    return f"{NUMBER_WORDS[n] if n < len(NUMBER_WORDS) else n} {words[0] if n == 1 else words[1]}"


def _join(items: list) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def agencies_of(attributes: Iterable[dict]) -> list[str]:
    """The agencies among sources' attributes: ``agency`` values that are not a participant role (a parent is not an
    agency), sorted.

    >>> agencies_of([{"agency": "police"}, {"agency": "parent"}, {"agency": "social care", "role": "social worker"}])
    ['police', 'social care']
    """
    return sorted({a.get("agency", "").strip() for a in attributes} - NOT_AGENCIES)


def status_in_words(sources: list[str], attributes: dict, contesting: int = 0) -> str:
    """Where a statement was seen, in plain words.

    >>> attrs = {"a": {"data_type": "interview", "case": "x", "agency": "police"},
    ...          "b": {"data_type": "interview", "case": "y", "agency": "parent"}}
    >>> status_in_words(["a", "b"], attrs, contesting=1)
    'Seen in two interviews in two areas (accounts from police and from parents); one account disagrees.'
    """
    if not sources:
        return "Not yet seen in the interviews, observations or notes."
    by_type: dict[str, int] = {}
    for s in sorted(set(sources)):
        t = attributes.get(s, {}).get("data_type") or "document"
        by_type[t] = by_type.get(t, 0) + 1
    kinds = [_count(n, DATA_TYPE_WORDS.get(t, (f"{t} document", f"{t} documents"))) for t, n in sorted(by_type.items())]
    areas = {attributes.get(s, {}).get("case") for s in sources} - {None, "", "national"}
    text = "Seen in " + _join(kinds)
    if areas:
        text += f" in {_count(len(areas), ('area', 'areas'))}"
    mine = [attributes.get(s, {}) for s in set(sources)]
    agencies = agencies_of(mine)
    family = any(a.get("agency", "") in {"parent", "parents", "carer", "family"} or
                 a.get("role", "") in {"parent", "carer"} for a in mine)
    voices = ([_join(agencies)] if agencies else []) + (["parents"] if family else [])
    if voices:
        text += " (accounts from " + " and from ".join(voices) + ")"
    if contesting:
        text += f"; {_count(contesting, ('account disagrees', 'accounts disagree'))}"
    return text + "."


def statement_quotes(store, codebook: Codebook, config_id: str, selection: Selection = DEFAULT,
                     n: int = QUOTES_PER_STATEMENT, window="turn", found: Optional[list] = None
                     ) -> list[tuple[str, str]]:
    """Up to ``n`` ``(quote, speaker's role)`` for a configuration: whole sentences, no marks, one per source where
    the ranked passages allow. ``found``: the candidates already listed, as for :func:`ipe.evidence.rank_quotes`."""
    from ipe.evidence import rank_quotes

    chosen, sources, sentences, texts = [], set(), {}, {}
    ranked = rank_quotes(store, codebook, config_id, include_auto=selection.include_auto, window=window, found=found)
    for spread in (True, False):
        for q in ranked:
            if len(chosen) >= n:
                return chosen
            if (spread and q.source_id in sources) or (q.role or "").lower() == "interviewer":
                continue
            if q.source_id not in texts:
                texts[q.source_id] = store.source(q.source_id, structure=False).text
                sentences[q.source_id] = store.sentences(q.source_id)
            quote = quoting.whole_quote(texts[q.source_id], sentences[q.source_id], q.start, q.end)
            if quote and quote not in [c for c, _ in chosen]:
                chosen.append((quote, q.role or q.data_type or "participant"))
                sources.add(q.source_id)
    return chosen


def link_quote(store, graph, u: str, v: str) -> Optional[tuple[str, str]]:
    """One whole-sentence quote from a passage behind an emergent link, or None."""
    attrs = store.source_attributes()
    for ref in cmo.as_list(graph.edges[u, v].get("evidence")):
        source, span = ref.rsplit(":", 1)
        start, end = (int(x) for x in span.split("-"))
        quote = quoting.whole_quote(store.source(source, structure=False).text, store.sentences(source), start, end)
        if quote:
            return quote, attrs.get(source, {}).get("role") or "participant"
    return None


@dataclass(frozen=True)
class PackSection:
    """One configuration's page: what it says, where it was seen, the quotes that carry it."""

    id: str
    heading: str
    statement: str
    context: str
    mechanisms: tuple
    outcome: str
    status: str
    quotes: tuple  # (quote, speaker's role) pairs


@dataclass(frozen=True)
class PackLink:
    """An emergent link the pack asks about: two codes the data connect and the theory does not."""

    source: str
    target: str
    heading: str
    status: str
    quote: Optional[tuple]  # (quote, role), or None


@dataclass(frozen=True)
class Pack:
    """Everything a workshop pack shows, gathered from the store; the ``pack`` exporter lays it out."""

    title: str
    ident: str
    summary: str
    graph: nx.DiGraph
    min_sources: int
    sections: tuple
    links: tuple
    copies: int = 0
    date: str = ""
    return_by: str = ""
    contact: str = ""


def _heading_text(config, names: dict) -> str:
    mechanisms = " / ".join(names.get(m, m) for m in config.mechanisms)
    return f"{config.id}: {names.get(config.context, config.context)} \u2192 {mechanisms} \u2192 " \
           f"{names.get(config.outcome, config.outcome)}"


def gather_pack(store, codebook: Codebook, statuses=("supported", "partial", "contested"),
                configs: Optional[Iterable[str]] = None, title: str = "Sense-checking the MASH programme theory",
                participant_copies: int = 0, allow_identifiable: bool = False, date: str = "",
                window: str = "turn", selection: Selection = DEFAULT, min_sources: int = 3,
                return_by: str = "", contact: str = "") -> Pack:
    """The content of a workshop pack (see :func:`build_pack` for the options), read from the store."""
    if store.get_meta("pseudonymised") != "yes" and not allow_identifiable:
        raise IpeError("the project has not been pseudonymised: run 'ipe anonymise' first "
                       "(or give --allow-identifiable to build a pack with identifiable quotes)")
    # Statuses from researcher evidence first, else the co-occurrence of the codings the selection counts.
    assessments = appraisal.assess_project(store, codebook, window, coders=selection)
    codebook = appraisal.current_codebook(store, codebook)
    graph = appraisal.human_graph(store, codebook, window, selection)
    wanted = set(configs or ())
    unknown = wanted - {a.id for a in assessments}
    if unknown:
        raise IpeError(f"unknown configuration {', '.join(sorted(unknown))}")
    chosen = [a for a in assessments if (a.id in wanted if wanted else a.status in set(statuses))]
    if not chosen:
        raise IpeError("no configuration has the chosen statuses; nothing to put in a pack")
    attrs = store.source_attributes()
    statements = {t.id: t for t in codebook.theory}
    names = {c.id: c.name for c in codebook.codes}
    from ipe.evidence import candidates

    found = candidates(store, codebook, window=window)  # listed once for every configuration's quotes
    sections = []
    for a in chosen:
        config = statements[a.id]
        sources = sorted({r.rsplit(":", 1)[0] for r in a.evidence})
        disagree = max(a.contesting_sources, a.evidence_contradicts)
        sections.append(PackSection(a.id, _heading_text(config, names), config.statement, config.context,
                                    tuple(config.mechanisms), config.outcome,
                                    status_in_words(sources, attrs, disagree),
                                    tuple(statement_quotes(store, codebook, a.id, selection, window=window,
                                                           found=found))))
    emergent = sorted(cmo.emergent_links(graph, codebook, min_sources=2, min_cases=1),
                      key=lambda e: (-graph.edges[e]["sources"], -graph.edges[e]["segments"], e))[:EMERGENT_LINKS]
    links = [PackLink(u, v, f"{names.get(u, u)} \u2192 {names.get(v, v)}",
                      status_in_words(sorted({r.rsplit(':', 1)[0] for r in cmo.as_list(graph.edges[u, v].get('evidence'))}),
                                      attrs),
                      link_quote(store, graph, u, v)) for u, v in emergent]
    return Pack(title=title, ident=pack_id(codebook, [a.id for a in chosen], title),
                summary=theory_summary(assessments, chosen, min_sources), graph=graph, min_sources=min_sources,
                sections=tuple(sections), links=tuple(links), copies=participant_copies, date=date,
                return_by=return_by, contact=contact)


def build_pack(store, codebook: Codebook, out, statuses=("supported", "partial", "contested"),
               configs: Optional[Iterable[str]] = None, title: str = "Sense-checking the MASH programme theory",
               participant_copies: int = 0, allow_identifiable: bool = False, date: str = "",
               window: str = "turn", selection: Selection = DEFAULT, min_sources: int = 3,
               return_by: str = "", contact: str = "") -> list[Path]:
    """Write the workshop pack (and ``participant_copies`` numbered copies) through the ``pack`` exporter; returns
    the files written.

    Quotes come from the project's pseudonymised text; a project that has not been pseudonymised is refused unless
    ``allow_identifiable``. ``min_sources`` is the evidence a link needs to be drawn in the theory picture; the
    section on emergent links asks about the ``EMERGENT_LINKS`` best evidenced (two sources or more).
    """
    pack = gather_pack(store, codebook, statuses, configs, title, participant_copies, allow_identifiable, date,
                       window, selection, min_sources, return_by, contact)
    return exporters.export("pack", pack, out, "docx")


def theory_summary(assessments: list, chosen: list, min_sources: int = 2) -> str:
    counts: dict[str, int] = {}
    for a in assessments:
        counts[a.status] = counts.get(a.status, 0) + 1
    parts = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    return (f"The programme theory has {len(assessments)} context\u2013mechanism\u2013outcome statements. Tested "
            f"against the interviews, observations and notes so far: {parts}. The picture shows contexts on the "
            f"left, mechanisms in the middle and outcomes on the right, with the links seen in {min_sources} or more "
            f"sources; wider lines have more evidence, dashed lines are links the theory did not name, purple "
            f"lines go from a context straight to an outcome, and dotted lines round the edge are chains, where "
            f"the outcome of one statement becomes the context of the next. This pack asks you about the "
            f"{len(chosen)} statements that follow.")
