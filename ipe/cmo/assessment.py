"""Testing the programme theory: each configuration of the codebook assessed against the evidence in a CMO graph.

Plain functions over a :class:`networkx.DiGraph` from :func:`ipe.cmo.graph.build` (or one read back from a graph
file); nothing here reads the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

import networkx as nx
import pandas as pd

from ipe.cmo.graph import LIST_SEPARATOR, ref_order, as_list, configuration_links, is_link, named_links
from ipe.records import Codebook

__all__ = [
    "STATUSES",
    "ASSESSMENT_COLUMNS",
    "LINK_COLUMNS",
    "LinkAssessment",
    "Assessment",
    "assess",
    "evidence_status",
    "assessment_table",
    "emergent_links",
    "links_table",
]

STATUSES = ("supported", "partial", "contested", "no evidence")


@dataclass(frozen=True)
class LinkAssessment:
    """The evidence for one link of a configuration; ``strong`` when it meets the source and case thresholds."""

    src: str
    dst: str
    segments: int
    sources: int
    cases: int
    strong: bool

    @property
    def label(self) -> str:
        return f"{self.src}->{self.dst}"


@dataclass(frozen=True)
class Assessment:
    """A configuration of the programme theory tested against researcher evidence and the graph (see :func:`assess`).

    ``basis`` says what decided ``status``: ``researcher evidence``, or, with none, the co-occurrence the graph was
    built from (its ``basis`` attribute, e.g. ``human co-occurrence``); ``cooccurrence_status`` is the status the
    graph alone gives, shown beside. ``evidence_*`` count the sources and cases of judged evidence by relation;
    ``auto_candidates`` the auto co-occurrence candidates not yet reviewed (counted for nothing); ``chains_to`` the
    configurations whose context this one's outcome is.
    """

    id: str
    status: str
    statement: str
    links: tuple
    sources: int
    supporting_sources: int
    contesting_sources: int
    contradicting_codes: tuple = ()
    chain_from: str = ""
    evidence: tuple = ()
    basis: str = "co-occurrence"
    cooccurrence_status: str = ""
    evidence_supports: int = 0
    evidence_supports_cases: int = 0
    evidence_contradicts: int = 0
    evidence_contradicts_cases: int = 0
    evidence_refines: int = 0
    auto_candidates: int = 0
    chains_to: tuple = ()


def _source_of_key(key: str) -> str:
    return key.rpartition("#")[0]


def _judged(items, attributes: dict) -> dict:
    """Per relation, the distinct sources and cases of evidence in force."""
    out = {}
    for relation in ("supports", "contradicts", "refines"):
        sources = {e.source_id for e in items if e.relation == relation and e.status == "ok"}
        out[relation] = (len(sources), len({attributes.get(s, {}).get("case") for s in sources} - {None, ""}))
    return out


def evidence_status(supports: tuple, contradicts: tuple, refines: tuple, min_sources: int = 2, min_cases: int = 2,
                    contest_share: float = 0.5) -> str:
    """A configuration's status from judged evidence, each argument ``(sources, cases)``.

    ``contested`` when contradicting sources are at least one and at least ``contest_share`` of the supporting
    ones; else ``supported`` when supporting sources and cases reach ``min_sources`` and ``min_cases``; else
    ``partial`` when anything supports or refines it; else ``no evidence``.

    Examples
    --------
    >>> evidence_status((2, 2), (0, 0), (0, 0))
    'supported'
    >>> evidence_status((2, 2), (1, 1), (0, 0))
    'contested'
    >>> evidence_status((4, 3), (1, 1), (0, 0))
    'supported'
    >>> evidence_status((1, 1), (0, 0), (1, 1))
    'partial'
    """
    if contradicts[0] and contradicts[0] >= contest_share * supports[0]:
        return "contested"
    if supports[0] >= min_sources and supports[1] >= min_cases:
        return "supported"
    if supports[0] or refines[0]:
        return "partial"
    return "no evidence"


def assess(graph: nx.DiGraph, codebook: Codebook, min_sources: int = 2, min_cases: int = 2, evidence=None,
           attributes: Optional[dict] = None, contest_share: float = 0.5) -> list[Assessment]:
    """Test each configuration of the programme theory: against researcher evidence first, else against the graph.

    With ``evidence`` (:class:`ipe.records.Evidence` records), a configuration that has any judged evidence gets
    its status from it (see :func:`evidence_status`; sources and cases of supporting, contradicting and refining
    passages). Otherwise, and always for ``cooccurrence_status``, the graph decides: a link of a configuration (see
    :func:`configuration_links`) is *strong* when its edge has evidence in at least ``min_sources`` sources from
    at least ``min_cases`` cases. The configuration's *evidence windows* are the windows holding a segment of any
    of its links. An evidence window is *contested* when a code listed in ``contradicts`` of the configuration's
    context or outcome code (its contradicting twin, not itself part of the configuration) is coded in the same
    window. Words in a quote never contest anything: "nobody's seen the pattern" may be the outcome itself.
    *Contesting sources* are the sources with a contested evidence window; *supporting sources* the sources with an
    uncontested one (a source may be both). The co-occurrence status is:

    - ``"no evidence"``: no link of the configuration has a segment;
    - ``"contested"``: otherwise, when there is at least one contesting source and at least as many contesting
      sources as supporting sources;
    - ``"supported"``: otherwise, when every link is strong;
    - ``"partial"``: otherwise (some links evidenced, not all of them strongly).

    Parameters
    ----------
    graph : networkx.DiGraph
        From :func:`build_graph` (or reloaded from a graph file); its ``basis`` attribute names the kind of
        co-occurrence it holds (default ``co-occurrence``).
    codebook : Codebook
        Its ``theory`` is the set of configurations assessed (pass the current theory to assess revisions).
    min_sources, min_cases : int
        Thresholds for a strong link, and for supported evidence.
    evidence : iterable of Evidence, optional
        Researcher evidence; orphaned records are left out.
    attributes : dict, optional
        Source attributes (for the cases of evidence).
    contest_share : float
        Contradicting sources, as a share of supporting ones, that contest a configuration.

    Returns
    -------
    list of Assessment
        In theory order.

    Examples
    --------
    A configuration ctx → mech → out, both of whose links have evidence in two sources of two cases:

    >>> from ipe.records import Code, Codebook, Configuration, Evidence
    >>> book = Codebook("tiny", (Code("ctx", "C", "context"), Code("mech", "M", "mechanism"), Code("out", "O", "outcome")),
    ...                 theory=(Configuration("CMO-01", "ctx", "out", "...", mechanism="mech"),))
    >>> graph = nx.DiGraph(basis="human co-occurrence")
    >>> graph.add_nodes_from(["ctx", "mech", "out"], windows=[])
    >>> graph.add_edge("ctx", "mech", segments=2, sources=2, cases=2, windows=["s1#1", "s2#4"])
    >>> graph.add_edge("mech", "out", segments=2, sources=2, cases=2, windows=["s1#1", "s2#5"])
    >>> [(a.id, a.status, a.basis) for a in assess(graph, book)]
    [('CMO-01', 'supported', 'human co-occurrence')]

    A researcher's judgement comes first: one passage from one case supports it, so far only partially.

    >>> e = Evidence("CMO-01", "s3", 0, 9, "a passage", "supports", ("outcome",), "ana")
    >>> [(a.status, a.basis, a.cooccurrence_status) for a in assess(graph, book, evidence=[e])]
    [('partial', 'researcher evidence', 'supported')]
    """
    codes = codebook.by_id
    attributes = attributes or {}
    basis = graph.graph.get("basis", "co-occurrence")
    chains_to: dict[str, list] = {}
    for t in codebook.theory:
        if t.chain_from:
            chains_to.setdefault(t.chain_from, []).append(t.id)
    by_config: dict[str, list] = {}
    for e in evidence or ():
        by_config.setdefault(e.config_id, []).append(e)
    results = []
    for t in codebook.theory:
        links, windows, refs = [], set(), set()
        for src, dst in configuration_links(t):
            data = graph.edges[src, dst] if graph.has_edge(src, dst) else {}
            segments, n_sources, n_cases = data.get("segments", 0), data.get("sources", 0), data.get("cases", 0)
            links.append(LinkAssessment(src, dst, segments, n_sources, n_cases,
                                        segments > 0 and n_sources >= min_sources and n_cases >= min_cases))
            windows.update(as_list(data.get("windows")))
            refs.update(as_list(data.get("evidence")))
        members = {t.context, t.outcome, *t.mechanisms}
        contradicting = [x for x in dict.fromkeys(
            [*getattr(codes.get(t.context), "contradicts", ()), *getattr(codes.get(t.outcome), "contradicts", ())]
        ) if x not in members and x in graph]
        against = set().union(*(as_list(graph.nodes[x].get("windows")) for x in contradicting)) & windows
        contesting = {_source_of_key(k) for k in against}
        supporting = {_source_of_key(k) for k in windows - against}
        if not any(link.segments for link in links):
            status = "no evidence"
        elif contesting and len(contesting) >= len(supporting):
            status = "contested"
        elif all(link.strong for link in links):
            status = "supported"
        else:
            status = "partial"
        judged = _judged(by_config.get(t.id, ()), attributes)
        held = any(n for n, _ in judged.values())
        results.append(Assessment(
            id=t.id, status=evidence_status(judged["supports"], judged["contradicts"], judged["refines"], min_sources,
                                            min_cases, contest_share) if held else status,
            statement=t.statement, links=tuple(links),
            sources=len({_source_of_key(k) for k in windows}), supporting_sources=len(supporting),
            contesting_sources=len(contesting), contradicting_codes=tuple(contradicting), chain_from=t.chain_from or "",
            evidence=tuple(sorted(refs, key=ref_order)), basis="researcher evidence" if held else basis,
            cooccurrence_status=status, evidence_supports=judged["supports"][0],
            evidence_supports_cases=judged["supports"][1], evidence_contradicts=judged["contradicts"][0],
            evidence_contradicts_cases=judged["contradicts"][1], evidence_refines=judged["refines"][0],
            chains_to=tuple(chains_to.get(t.id, ())),
        ))
    return results


ASSESSMENT_COLUMNS = ["id", "status", "basis", "evidence_supports (sources/cases)",
                      "evidence_contradicts (sources/cases)", "evidence_refines (sources)", "cooccurrence_status",
                      "links", "sources", "supporting_sources", "contesting_sources", "contradicting_codes",
                      "auto_candidates (unreviewed)", "chain_from", "chains_to", "segments", "statement", "evidence"]


def assessment_table(assessments: Iterable[Assessment]) -> pd.DataFrame:
    """Assessments as a table: one row per configuration, each count labelled by its kind.

    ``evidence_*`` are researcher evidence; ``links`` (``SRC->DST (sources/cases)``), ``sources``,
    ``supporting_sources``, ``contesting_sources`` and ``segments`` are the co-occurrence named in ``basis`` (or, when
    evidence decided, the graph's); ``auto_candidates`` are unreviewed pointers that count for nothing.
    """
    rows = [{
        "id": a.id, "status": a.status, "basis": a.basis,
        "evidence_supports (sources/cases)": f"{a.evidence_supports}/{a.evidence_supports_cases}",
        "evidence_contradicts (sources/cases)": f"{a.evidence_contradicts}/{a.evidence_contradicts_cases}",
        "evidence_refines (sources)": a.evidence_refines, "cooccurrence_status": a.cooccurrence_status,
        "links": "; ".join(f"{link.label} ({link.sources} src/{link.cases} cases)" for link in a.links),
        "sources": a.sources, "supporting_sources": a.supporting_sources, "contesting_sources": a.contesting_sources,
        "contradicting_codes": "; ".join(a.contradicting_codes), "auto_candidates (unreviewed)": a.auto_candidates,
        "chain_from": a.chain_from, "chains_to": "; ".join(a.chains_to),
        "segments": sum(link.segments for link in a.links), "statement": a.statement,
        "evidence": LIST_SEPARATOR.join(a.evidence),
    } for a in assessments]
    return pd.DataFrame(rows, columns=ASSESSMENT_COLUMNS)


def emergent_links(graph: nx.DiGraph, codebook: Codebook, min_sources: int = 3,
                   min_cases: int = 2) -> list[tuple[str, str]]:
    """Links no configuration names (see :func:`named_links`) with evidence in enough sources and cases.

    Examples
    --------
    >>> from ipe.records import Code, Codebook, Configuration
    >>> book = Codebook("tiny", (Code("ctx", "C", "context"), Code("mech", "M", "mechanism"), Code("out", "O", "outcome")),
    ...                 theory=(Configuration("CMO-01", "ctx", "out", "...", mechanism="mech"),))
    >>> graph = nx.DiGraph()
    >>> graph.add_edge("ctx", "mech", sources=5, cases=3)   # named by CMO-01: not emergent
    >>> graph.add_edge("mech", "ctx", sources=4, cases=2)   # named by no configuration
    >>> emergent_links(graph, book, min_sources=3, min_cases=2)
    [('mech', 'ctx')]
    """
    named = named_links(codebook)
    return sorted((u, v) for u, v, d in graph.edges(data=True)
                  if is_link(d) and (u, v) not in named and d.get("sources", 0) >= min_sources and d.get("cases", 0) >= min_cases)


LINK_COLUMNS = ["from", "to", "segments", "sources", "cases", "participants", "agencies", "coders", "hypothesised",
                "configurations"]


def links_table(graph: nx.DiGraph) -> pd.DataFrame:
    """Every co-occurrence link of the graph as a row, sorted by its two codes (chains: :func:`ipe.cmo.chains_table`)."""
    rows = [{
        "from": u, "to": v, **{k: d.get(k, 0) for k in ("segments", "sources", "cases", "participants")},
        **{k: LIST_SEPARATOR.join(as_list(d.get(k))) for k in ("agencies", "coders", "configurations")},
        "hypothesised": bool(d.get("hypothesised")),
    } for u, v, d in sorted(graph.edges(data=True)) if is_link(d)]
    return pd.DataFrame(rows, columns=LINK_COLUMNS)
