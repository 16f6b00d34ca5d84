"""Testing the programme theory: each configuration of the codebook assessed against the evidence in a CMO graph.

Plain functions over a :class:`networkx.DiGraph` from :func:`ipe.cmo.graph.build` (or one read back from a graph
file); nothing here reads the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import networkx as nx
import pandas as pd

from ipe.cmo.graph import LIST_SEPARATOR, ref_order, as_list, configuration_links, named_links
from ipe.records import Codebook

__all__ = [
    "STATUSES",
    "ASSESSMENT_COLUMNS",
    "LINK_COLUMNS",
    "LinkAssessment",
    "Assessment",
    "assess",
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
    """A configuration of the programme theory tested against the graph (see :func:`assess`)."""

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


def _source_of_key(key: str) -> str:
    return key.rpartition("#")[0]


def assess(graph: nx.DiGraph, codebook: Codebook, min_sources: int = 2, min_cases: int = 2) -> list[Assessment]:
    """Test each configuration of the programme theory against the evidence in the graph.

    A link of a configuration (see :func:`configuration_links`) is *strong* when its edge has evidence in at
    least ``min_sources`` sources from at least ``min_cases`` cases. The configuration's *evidence windows* are
    the windows holding a segment of any of its links. An evidence window is *contested* when a code listed in
    ``contradicts`` of the configuration's context or outcome code (and not itself part of the configuration) is
    coded in the same window, or when the configuration's outcome is coded there in a negated quote (one holding
    "not", "n't", "never", "no", "nobody", "nothing", "none", "neither", "nor", "cannot" or "without": the
    outcome was talked about as not happening). *Contesting sources* are the sources with a contested evidence window;
    *supporting sources* are the sources with an uncontested one (a source may be both). The status is:

    - ``"no evidence"``: no link of the configuration has a segment;
    - ``"contested"``: otherwise, when there is at least one contesting source and at least as many contesting
      sources as supporting sources;
    - ``"supported"``: otherwise, when every link is strong;
    - ``"partial"``: otherwise (some links evidenced, not all of them strongly).

    Only contradicting codes that are nodes of the graph (context, mechanism or outcome codes) are considered.

    Parameters
    ----------
    graph : networkx.DiGraph
        From :func:`build_graph` (or reloaded with :func:`read_graph`).
    codebook : Codebook
    min_sources, min_cases : int
        Thresholds for a strong link.

    Returns
    -------
    list of Assessment
        In codebook order, with per-link counts, the number of sources with evidence, the supporting and
        contesting sources, the contradicting codes considered, ``chain_from`` and the evidence references.

    Examples
    --------
    A configuration ctx → mech → out, both of whose links have evidence in two sources of two cases:

    >>> from ipe.records import Code, Codebook, Configuration
    >>> book = Codebook("tiny", (Code("ctx", "C", "context"), Code("mech", "M", "mechanism"), Code("out", "O", "outcome")),
    ...                 theory=(Configuration("CMO-01", "ctx", "out", "...", mechanism="mech"),))
    >>> graph = nx.DiGraph()
    >>> graph.add_nodes_from(["ctx", "mech", "out"], windows=[])
    >>> graph.add_edge("ctx", "mech", segments=2, sources=2, cases=2, windows=["s1#1", "s2#4"])
    >>> graph.add_edge("mech", "out", segments=2, sources=2, cases=2, windows=["s1#1", "s2#5"])
    >>> [(a.id, a.status, a.sources) for a in assess(graph, book)]
    [('CMO-01', 'supported', 2)]

    The same outcome spoken of as not happening in both sources' evidence windows contests it:

    >>> graph.nodes["out"]["negated_windows"] = ["s1#1", "s2#5"]
    >>> [(a.id, a.status, a.contesting_sources, a.supporting_sources) for a in assess(graph, book)]
    [('CMO-01', 'contested', 2, 1)]
    """
    codes = codebook.by_id
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
        if t.outcome in graph:
            against |= set(as_list(graph.nodes[t.outcome].get("negated_windows"))) & windows
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
        results.append(Assessment(
            id=t.id, status=status, statement=t.statement, links=tuple(links),
            sources=len({_source_of_key(k) for k in windows}), supporting_sources=len(supporting),
            contesting_sources=len(contesting), contradicting_codes=tuple(contradicting), chain_from=t.chain_from or "",
            evidence=tuple(sorted(refs, key=ref_order)),
        ))
    return results


ASSESSMENT_COLUMNS = ["id", "status", "links", "sources", "supporting_sources", "contesting_sources",
                      "contradicting_codes", "chain_from", "segments", "statement", "evidence"]


def assessment_table(assessments: Iterable[Assessment]) -> pd.DataFrame:
    """Assessments as a table: one row per configuration, links as ``SRC->DST (sources/cases)``."""
    rows = [{
        "id": a.id, "status": a.status,
        "links": "; ".join(f"{link.label} ({link.sources} src/{link.cases} cases)" for link in a.links),
        "sources": a.sources, "supporting_sources": a.supporting_sources, "contesting_sources": a.contesting_sources,
        "contradicting_codes": "; ".join(a.contradicting_codes), "chain_from": a.chain_from,
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
                  if (u, v) not in named and d.get("sources", 0) >= min_sources and d.get("cases", 0) >= min_cases)


LINK_COLUMNS = ["from", "to", "segments", "sources", "cases", "participants", "agencies", "coders", "hypothesised",
                "configurations"]


def links_table(graph: nx.DiGraph) -> pd.DataFrame:
    """Every edge of the graph as a row, sorted by its two codes."""
    rows = [{
        "from": u, "to": v, **{k: d.get(k, 0) for k in ("segments", "sources", "cases", "participants")},
        **{k: LIST_SEPARATOR.join(as_list(d.get(k))) for k in ("agencies", "coders", "configurations")},
        "hypothesised": bool(d.get("hypothesised")),
    } for u, v, d in sorted(graph.edges(data=True))]
    return pd.DataFrame(rows, columns=LINK_COLUMNS)
