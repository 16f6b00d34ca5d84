"""Context–mechanism–outcome configurations as an evidence-linked graph, tested against the programme theory.

The nodes are the codebook's context, mechanism and outcome codes. A *link* joins two codes of different realist
types whose codings co-occur inside a linking window (a speaker turn, a sentence, or a run of N consecutive
sentences), in the direction the programme theory reads: context → mechanism, mechanism → outcome,
context → outcome, and resource → response between the two halves of a mechanism. Every link keeps its evidence:
the segments (pairs of codings) behind it, with their ``source:start-end`` references, so each count in an
assessment can be traced back to quotes.

The graph is a plain :class:`networkx.DiGraph`; everything here is a function that builds, reads, tests or writes
one.
"""

from __future__ import annotations

import bisect
import itertools
import json
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

import networkx as nx
import pandas as pd

from ipe import tables
from ipe.errors import IpeError, NotFound
from ipe.records import Codebook, Code, Configuration

__all__ = [
    "REALIST_TYPES",
    "STATUSES",
    "LIST_ATTRIBUTES",
    "Segment",
    "LinkAssessment",
    "Assessment",
    "window_label",
    "configuration_links",
    "named_links",
    "link_evidence",
    "build_graph",
    "assess",
    "assessment_table",
    "emergent_links",
    "links_table",
    "attribute_values",
    "subgraph_by",
    "compare",
    "compare_by",
    "evidence_table",
    "read_graph",
    "layout",
    "draw",
    "flat_copy",
    "export",
    "write_outputs",
]

REALIST_TYPES = ("context", "mechanism", "outcome")
STATUSES = ("supported", "partial", "contested", "no evidence")
LIST_ATTRIBUTES = ("agencies", "coders", "evidence", "windows", "negated_windows", "configurations", "chains")
# A coded quote holding one of these negates what it says ("information was not shared", "nobody asked me").
NEGATION = re.compile(r"\b(?:not|never|no|nobody|nothing|none|neither|nor|cannot|without)\b|n't\b", re.I)
LIST_SEPARATOR = "; "
_ORDER = {t: i for i, t in enumerate(REALIST_TYPES)}


# -- records ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """One piece of evidence for a link: a ``src`` coding and a ``dst`` coding sharing a window of a source.

    ``window`` is the first window they share (a turn number, or the number of the first sentence of a sentence
    window); ``windows`` lists every window they share; ``coders`` who made the two codings.
    """

    source_id: str
    window: int
    src: str
    dst: str
    src_start: int
    src_end: int
    dst_start: int
    dst_end: int
    windows: tuple = ()
    coders: tuple = ()

    @property
    def src_ref(self) -> str:
        return tables.reference(self.source_id, self.src_start, self.src_end)

    @property
    def dst_ref(self) -> str:
        return tables.reference(self.source_id, self.dst_start, self.dst_end)


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


# -- windows ---------------------------------------------------------------------------------------------------------


def _window_size(window) -> Optional[int]:
    """``None`` for turn windows, else the number of consecutive sentences a window spans."""
    if window == "turn":
        return None
    if window == "sentence":
        return 1
    if isinstance(window, bool):
        raise IpeError(f"unknown linking window '{window}' (use turn, sentence or a number of sentences)")
    try:
        size = int(window)
    except (TypeError, ValueError):
        raise IpeError(f"unknown linking window '{window}' (use turn, sentence or a number of sentences)") from None
    if size < 1:
        raise IpeError(f"a linking window needs at least 1 sentence, not {size}")
    return size


def window_label(window) -> str:
    """The canonical name of a linking window: ``turn``, ``sentence`` or a number of sentences.

    Examples
    --------
    >>> window_label("turn"), window_label(1), window_label("3")
    ('turn', 'sentence', '3')
    """
    size = _window_size(window)
    return "turn" if size is None else "sentence" if size == 1 else str(size)


def _overlapping(spans: list, starts: list, start: int, end: int) -> list[int]:
    """Positions of the sorted, disjoint ``spans`` that overlap ``[start, end)``."""
    i = max(0, bisect.bisect_right(starts, start) - 1)
    found = []
    while i < len(spans) and spans[i].start < end:
        if spans[i].end > start:
            found.append(i)
        i += 1
    return found


def _node_codes(codebook: Codebook) -> dict[str, Code]:
    return {c.id: c for c in codebook.codes if c.type in REALIST_TYPES}


def _windowed(store, codebook: Codebook, window, coders, sources) -> dict[str, list]:
    """Per source, ``(coding, window ids)`` for every coding of a node code, in the store's coding order."""
    size = _window_size(window)
    nodes = _node_codes(codebook)
    coders = list(coders) if coders is not None else None
    sources = list(sources) if sources is not None else None
    if coders == [] or sources == [] or not nodes:
        return {}
    codings = tables.current_codings(store, coders, codes=sorted(nodes), sources=sources)
    placed: dict[str, list] = {}
    for sid, group in itertools.groupby(codings, key=lambda c: c.source_id):
        spans = sorted(store.turns(sid) if size is None else store.sentences(sid), key=lambda s: (s.start, s.end))
        starts = [s.start for s in spans]
        rows = []
        for c in group:
            hit = _overlapping(spans, starts, c.start, c.end)
            if not hit:
                ids = []
            elif size is None:
                ids = [spans[p].n for p in hit]
            else:  # every window of `size` sentences that starts at or before the coding's last sentence and reaches it
                ids = [spans[p].n for p in range(max(0, hit[0] - size + 1), hit[-1] + 1)]
            rows.append((c, ids))
        placed[sid] = rows
    return placed


def _direction(a: Code, b: Code) -> Optional[bool]:
    """``True`` for a link a → b, ``False`` for b → a, ``None`` when the two codes are not linked."""
    if a.type != b.type:
        return _ORDER[a.type] < _ORDER[b.type]
    if a.type == "mechanism" and {a.mechanism, b.mechanism} == {"resource", "response"}:
        return a.mechanism == "resource"
    return None


def _segments(placed: dict[str, list], nodes: dict[str, Code]) -> list[Segment]:
    """Co-occurring pairs: per source, a sweep over codings sorted by window id, pairs only within one window."""
    found: dict[tuple, tuple[set, set]] = {}
    for sid, rows in placed.items():
        entries = sorted((w, i) for i, (_, ids) in enumerate(rows) for w in ids)
        for w, group in itertools.groupby(entries, key=lambda e: e[0]):
            for x, y in itertools.combinations([i for _, i in group], 2):
                a, b = rows[x][0], rows[y][0]
                forward = _direction(nodes[a.code_id], nodes[b.code_id])
                if forward is None:
                    continue
                src, dst = (a, b) if forward else (b, a)
                key = (src.code_id, dst.code_id, sid, src.start, src.end, dst.start, dst.end)
                windows, coders = found.setdefault(key, (set(), set()))
                windows.add(w)
                coders.update((src.coder, dst.coder))
    segments = [
        Segment(source_id=sid, window=min(windows), src=s, dst=d, src_start=ss, src_end=se, dst_start=ds,
                dst_end=de, windows=tuple(sorted(windows)), coders=tuple(sorted(coders)))
        for (s, d, sid, ss, se, ds, de), (windows, coders) in found.items()
    ]
    return sorted(segments, key=lambda g: (g.src, g.dst, g.source_id, g.window, g.src_start, g.src_end,
                                           g.dst_start, g.dst_end))


def link_evidence(store, codebook: Codebook, window="turn", coders: Optional[Iterable[str]] = None,
                  sources: Optional[Iterable[str]] = None) -> list[Segment]:
    """Candidate links: codings of differently typed realist codes that co-occur inside a linking window.

    Parameters
    ----------
    store : ipe.store.Store
        The project store; codings in force are taken with :func:`ipe.tables.current_codings`.
    codebook : Codebook
        Gives each code's realist type and mechanism kind.
    window : {"turn", "sentence"} or int
        ``"turn"``: codings overlapping the same speaker turn. ``"sentence"``: codings overlapping the same
        sentence. ``N``: codings within N consecutive sentences of the source (sentences are numbered across
        turns, interviewer turns included), so ``1`` is the same as ``"sentence"``.
    coders : iterable of str, optional
        Only these coders' codings (default: every coder).
    sources : iterable of str, optional
        Only these sources (default: every source).

    Returns
    -------
    list of Segment
        One segment per pair of coded spans (same spans coded by several coders count once), directed
        context → mechanism, mechanism → outcome, context → outcome or resource → response, sorted by link,
        source and window. A pair sharing several windows is one segment whose ``window`` is the first.

    Raises
    ------
    ipe.errors.IpeError
        If ``window`` is not ``"turn"``, ``"sentence"`` or a positive number.

    Examples
    --------
    >>> segments = link_evidence(store, codebook, window="sentence")  # doctest: +SKIP
    >>> [(s.src, s.dst, s.src_ref, s.dst_ref) for s in segments][:1]  # doctest: +SKIP
    [('ctx-relationships', 'mech-trust', 'colon:50-92', 'colon:93-122')]
    """
    return _segments(_windowed(store, codebook, window, coders, sources), _node_codes(codebook))


# -- the graph -------------------------------------------------------------------------------------------------------


def configuration_links(configuration: Configuration) -> list[tuple[str, str]]:
    """The links a configuration needs: context → mechanism(s) → outcome, resource before response.

    Examples
    --------
    >>> from ipe.records import Configuration
    >>> configuration_links(Configuration("CMO-01", "ctx", "out", "...", mechanism="mech"))
    [('ctx', 'mech'), ('mech', 'out')]
    >>> configuration_links(Configuration("CMO-02", "ctx", "out", "...", resource="res", response="resp"))
    [('ctx', 'res'), ('res', 'resp'), ('resp', 'out')]
    """
    chain = [configuration.context, *configuration.mechanisms, configuration.outcome]
    return list(zip(chain, chain[1:]))


def named_links(codebook: Codebook) -> dict[tuple[str, str], list[str]]:
    """Every link a configuration names, with the ids of those configurations.

    A configuration names the links of :func:`configuration_links` and also its direct context → outcome link.

    Examples
    --------
    >>> named_links(codebook)  # doctest: +SKIP
    {('ctx-relationships', 'mech-trust'): ['CMO-01'], ('mech-trust', 'out-timely-sharing'): ['CMO-01'], ...}
    """
    named: dict[tuple[str, str], list[str]] = {}
    for t in codebook.theory:
        for link in [*configuration_links(t), (t.context, t.outcome)]:
            if t.id not in named.setdefault(link, []):
                named[link].append(t.id)
    return {link: sorted(ids) for link, ids in sorted(named.items())}


def _window_key(sid: str, window: int) -> str:
    return f"{sid}#{window}"


def _key_order(key: str) -> tuple:
    sid, _, n = key.rpartition("#")
    return (sid, int(n)) if n.lstrip("-").isdigit() else (sid, 0)


def _ref_order(ref: str) -> tuple:
    sid, _, span = ref.rpartition(":")
    start, _, end = span.partition("-")
    return (sid, int(start), int(end)) if start.isdigit() and end.isdigit() else (sid, 0, 0)


def build_graph(store, codebook: Codebook, window="turn", coders: Optional[Iterable[str]] = None,
                sources: Optional[Iterable[str]] = None) -> nx.DiGraph:
    """The evidence-linked CMO graph of a project.

    Parameters
    ----------
    store : ipe.store.Store
    codebook : Codebook
    window : {"turn", "sentence"} or int
        The linking window (see :func:`link_evidence`).
    coders : iterable of str, optional
        Only these coders' codings.
    sources : iterable of str, optional
        Only these sources (see :func:`subgraph_by`).

    Returns
    -------
    networkx.DiGraph
        Nodes: every context, mechanism and outcome code, with ``type``, ``name``, ``mechanism`` (``resource``,
        ``response`` or ``""``), ``segments`` (its codings), ``windows`` (``source#window`` keys where it is
        coded) and ``negated_windows`` (those where a coding of it is a negated quote). Edges: every link with
        evidence, with ``segments``, ``sources``, ``cases`` (distinct ``case``
        attributes), ``participants`` (distinct ``participant`` attributes, or sources without one),
        ``agencies``, ``coders``, ``evidence`` (the coding references, sorted), ``windows``, ``configurations``
        (ids naming the link, see :func:`named_links`) and ``hypothesised`` (named by a configuration). The graph
        attribute ``window`` names the linking window; ``chains`` lists ``FROM->TO`` for each configuration whose
        ``chain_from`` makes another's outcome its context (a chain is not co-occurrence, so it is no edge).

    Examples
    --------
    >>> graph = build_graph(store, codebook, window="turn")  # doctest: +SKIP
    >>> graph.edges["ctx-relationships", "mech-trust"]["sources"]  # doctest: +SKIP
    2
    """
    nodes = _node_codes(codebook)
    placed = _windowed(store, codebook, window, coders, sources)
    attrs = store.source_attributes()
    named = named_links(codebook)
    graph = nx.DiGraph(window=window_label(window),
                       chains=sorted(f"{t.chain_from}->{t.id}" for t in codebook.theory if t.chain_from))
    counts: dict[str, int] = {}
    present: dict[str, set] = {}
    negated: dict[str, set] = {}
    for sid, rows in placed.items():
        for c, ids in rows:
            counts[c.code_id] = counts.get(c.code_id, 0) + 1
            present.setdefault(c.code_id, set()).update(_window_key(sid, w) for w in ids)
            if NEGATION.search(c.quote or ""):
                negated.setdefault(c.code_id, set()).update(_window_key(sid, w) for w in ids)
    for cid in sorted(nodes):
        code = nodes[cid]
        graph.add_node(cid, type=code.type, name=code.name, mechanism=code.mechanism or "",
                       segments=counts.get(cid, 0), windows=sorted(present.get(cid, ()), key=_key_order),
                       negated_windows=sorted(negated.get(cid, ()), key=_key_order))
    for (src, dst), group in itertools.groupby(_segments(placed, nodes), key=lambda g: (g.src, g.dst)):
        group = list(group)
        sids = {g.source_id for g in group}
        a = {sid: attrs.get(sid, {}) for sid in sids}
        graph.add_edge(
            src, dst,
            segments=len(group),
            sources=len(sids),
            cases=len({a[s]["case"] for s in sids if a[s].get("case")}),
            participants=len({a[s].get("participant") or s for s in sids}),
            agencies=sorted({a[s]["agency"] for s in sids if a[s].get("agency")}),
            coders=sorted({c for g in group for c in g.coders}),
            evidence=sorted({r for g in group for r in (g.src_ref, g.dst_ref)}, key=_ref_order),
            windows=sorted({_window_key(g.source_id, w) for g in group for w in g.windows}, key=_key_order),
            configurations=named.get((src, dst), []),
            hypothesised=(src, dst) in named,
        )
    return graph


# -- testing the theory ----------------------------------------------------------------------------------------------


def _as_list(value) -> list:
    """A list attribute, whether kept as a list or joined into a string by an export."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return value.split(LIST_SEPARATOR)
    return list(value)


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
    >>> [(a.id, a.status) for a in assess(graph, codebook, min_sources=1, min_cases=0)]  # doctest: +SKIP
    [('CMO-01', 'supported')]
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
            windows.update(_as_list(data.get("windows")))
            refs.update(_as_list(data.get("evidence")))
        members = {t.context, t.outcome, *t.mechanisms}
        contradicting = [x for x in dict.fromkeys(
            [*getattr(codes.get(t.context), "contradicts", ()), *getattr(codes.get(t.outcome), "contradicts", ())]
        ) if x not in members and x in graph]
        against = set().union(*(_as_list(graph.nodes[x].get("windows")) for x in contradicting)) & windows
        if t.outcome in graph:
            against |= set(_as_list(graph.nodes[t.outcome].get("negated_windows"))) & windows
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
            evidence=tuple(sorted(refs, key=_ref_order)),
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
    >>> emergent_links(graph, codebook, min_sources=2, min_cases=1)  # doctest: +SKIP
    [('ctx-co-location', 'out-timely-sharing')]
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
        **{k: LIST_SEPARATOR.join(_as_list(d.get(k))) for k in ("agencies", "coders", "configurations")},
        "hypothesised": bool(d.get("hypothesised")),
    } for u, v, d in sorted(graph.edges(data=True))]
    return pd.DataFrame(rows, columns=LINK_COLUMNS)


# -- subsets and comparison ------------------------------------------------------------------------------------------


def attribute_values(store, attribute: str) -> list[str]:
    """The distinct non-empty values of a source attribute, sorted.

    Examples
    --------
    >>> attribute_values(store, "mash_model")  # doctest: +SKIP
    ['needs-focused', 'risk-focused']
    """
    return sorted({a[attribute] for a in store.source_attributes().values() if a.get(attribute)})


def subgraph_by(store, codebook: Codebook, attribute: str, value: str, window="turn",
                coders: Optional[Iterable[str]] = None) -> nx.DiGraph:
    """The graph built only from sources whose attribute (``case``, ``mash_model``, ``role``, ``agency``,
    ``group``, ...) equals ``value`` (ignoring case).

    Raises
    ------
    ipe.errors.NotFound
        If no source has that value.

    Examples
    --------
    >>> risk = subgraph_by(store, codebook, "mash_model", "risk-focused")  # doctest: +SKIP
    >>> risk.graph["subset"]  # doctest: +SKIP
    'mash_model=risk-focused'
    """
    wanted = str(value).lower()
    ids = sorted(sid for sid, a in store.source_attributes().items() if str(a.get(attribute, "")).lower() == wanted)
    if not ids:
        raise NotFound(f"no source has {attribute} '{value}'")
    graph = build_graph(store, codebook, window, coders, sources=ids)
    graph.graph["subset"] = f"{attribute}={value}"
    return graph


def compare(graph_a: nx.DiGraph, graph_b: nx.DiGraph, labels: tuple[str, str] = ("a", "b")) -> pd.DataFrame:
    """Links present in one graph and absent, or evidenced in fewer sources, in the other.

    Returns
    -------
    pandas.DataFrame
        Columns ``from``, ``to``, ``sources_<a>``, ``sources_<b>``, ``cases_<a>``, ``cases_<b>``,
        ``segments_<a>``, ``segments_<b>``, ``hypothesised`` and ``stronger_in`` (the label of the graph with more
        sources), sorted by link. Links with as many sources in both graphs are left out.

    Examples
    --------
    >>> compare(risk, needs, labels=("risk", "needs"))  # doctest: +SKIP
                    from                  to  sources_risk  sources_needs ... stronger_in
    0  ctx-relationships          mech-trust             2              0 ...        risk
    """
    la, lb = labels
    columns = ["from", "to", f"sources_{la}", f"sources_{lb}", f"cases_{la}", f"cases_{lb}", f"segments_{la}",
               f"segments_{lb}", "hypothesised", "stronger_in"]
    rows = []
    for u, v in sorted(set(graph_a.edges) | set(graph_b.edges)):
        da = graph_a.edges[u, v] if graph_a.has_edge(u, v) else {}
        db = graph_b.edges[u, v] if graph_b.has_edge(u, v) else {}
        sa, sb = da.get("sources", 0), db.get("sources", 0)
        if sa == sb:
            continue
        rows.append({"from": u, "to": v, f"sources_{la}": sa, f"sources_{lb}": sb, f"cases_{la}": da.get("cases", 0),
                     f"cases_{lb}": db.get("cases", 0), f"segments_{la}": da.get("segments", 0),
                     f"segments_{lb}": db.get("segments", 0),
                     "hypothesised": bool(da.get("hypothesised") or db.get("hypothesised")),
                     "stronger_in": la if sa > sb else lb})
    return pd.DataFrame(rows, columns=columns)


# -- evidence behind a configuration or link -------------------------------------------------------------------------

EVIDENCE_COLUMNS = ["link", "source", "case", "window", "from_ref", "from_quote", "to_ref", "to_quote"]


def compare_by(store, codebook: Codebook, attribute: str, values: Iterable[str] = (), window="turn",
               coders: Optional[Iterable[str]] = None) -> list[tuple[str, str, pd.DataFrame]]:
    """Compare the subgraphs of every pair of values of a source attribute (see :func:`compare`).

    Parameters
    ----------
    attribute : str
        A source attribute such as ``mash_model``, ``case``, ``agency`` or ``group``.
    values : iterable of str, optional
        The values to compare pairwise (default: every value the project has).

    Returns
    -------
    list of (str, str, pandas.DataFrame)
        For each pair ``(a, b)``, :func:`compare`'s table with its columns labelled by the two values.

    Raises
    ------
    IpeError
        Fewer than two values to compare.

    Examples
    --------
    >>> [(a, b) for a, b, _ in compare_by(store, codebook, "mash_model")]  # doctest: +SKIP
    [('hybrid', 'needs-and-planning'), ('hybrid', 'risk-focused'), ('needs-and-planning', 'risk-focused')]
    """
    values = list(dict.fromkeys(values)) or attribute_values(store, attribute)
    if len(values) < 2:
        raise IpeError(f"comparing by {attribute} needs at least two values (found {len(values)})")
    subsets = {v: subgraph_by(store, codebook, attribute, v, window, coders) for v in values}
    return [(a, b, compare(subsets[a], subsets[b], labels=(a, b))) for a, b in itertools.combinations(values, 2)]


def evidence_table(store, codebook: Codebook, target: str, window="turn",
                   coders: Optional[Iterable[str]] = None) -> pd.DataFrame:
    """The quotes behind a configuration (``CMO-01``) or a link (``SRC->DST``), one row per segment.

    Raises
    ------
    ipe.errors.NotFound
        If ``target`` is neither a configuration id nor a link between two codes of the codebook.

    Examples
    --------
    >>> evidence_table(store, codebook, "ctx-relationships->mech-trust", window="sentence")  # doctest: +SKIP
    """
    configs = {t.id: t for t in codebook.theory}
    if target in configs:
        links = configuration_links(configs[target])
    elif "->" in target:
        src, _, dst = (part.strip() for part in target.partition("->"))
        unknown = [c for c in (src, dst) if c not in codebook.by_id]
        if unknown:
            raise NotFound(f"no code '{unknown[0]}' in the codebook")
        links = [(src, dst)]
    else:
        raise NotFound(f"no configuration '{target}' in the codebook (give a configuration id or a link SRC->DST)")
    wanted = set(links)
    segments = [g for g in link_evidence(store, codebook, window, coders) if (g.src, g.dst) in wanted]
    attrs = store.source_attributes()
    texts: dict[str, str] = {}
    rows = []
    for g in sorted(segments, key=lambda g: (links.index((g.src, g.dst)), g.source_id, g.window, g.src_start)):
        if g.source_id not in texts:
            texts[g.source_id] = store.source(g.source_id, structure=False).text
        text = texts[g.source_id]
        rows.append({"link": f"{g.src}->{g.dst}", "source": g.source_id,
                     "case": attrs.get(g.source_id, {}).get("case", ""), "window": g.window,
                     "from_ref": g.src_ref, "from_quote": text[g.src_start:g.src_end],
                     "to_ref": g.dst_ref, "to_quote": text[g.dst_start:g.dst_end]})
    return pd.DataFrame(rows, columns=EVIDENCE_COLUMNS)


# -- exports ---------------------------------------------------------------------------------------------------------


def _flatten(value):
    if isinstance(value, (list, tuple, set)):
        return LIST_SEPARATOR.join(str(v) for v in value)
    return "" if value is None else value


def flat_copy(graph: nx.DiGraph, gexf: bool = False) -> nx.DiGraph:
    """A copy with list attributes joined by ``"; "``, nodes and edges in sorted order (GraphML and GEXF)."""
    flat = nx.DiGraph()
    flat.graph.update({k: _flatten(v) for k, v in sorted(graph.graph.items())})
    for n, d in sorted(graph.nodes(data=True)):
        attrs = {k: _flatten(v) for k, v in sorted(d.items())}
        if gexf:
            attrs["label"] = d.get("name") or n
        flat.add_node(n, **attrs)
    for u, v, d in sorted(graph.edges(data=True)):
        flat.add_edge(u, v, **{k: _flatten(val) for k, val in sorted(d.items())})
    return flat


def read_graph(path, fmt: Optional[str] = None) -> nx.DiGraph:
    """Read a graph written by :func:`export` as GraphML, GEXF or JSON, list attributes restored.

    Examples
    --------
    >>> read_graph("cmo.graphml").edges["ctx-relationships", "mech-trust"]["evidence"]  # doctest: +SKIP
    ['colon:50-92', 'colon:93-122']
    """
    path = Path(path)
    fmt = fmt or path.suffix.lstrip(".").lower()
    if fmt == "json":
        data = json.loads(path.read_text(encoding="utf-8"))
        try:
            return nx.node_link_graph(data, directed=True, edges="links")
        except TypeError:  # networkx < 3.4
            return nx.node_link_graph(data, directed=True, link="links")
    if fmt == "graphml":
        loaded = nx.read_graphml(path)
    elif fmt == "gexf":
        loaded = nx.read_gexf(path)
    else:
        raise IpeError(f"cannot read a graph from '{path}' (use .graphml, .gexf or .json)")
    graph = nx.DiGraph()
    graph.graph.update({k: _as_list(v) if k in LIST_ATTRIBUTES else v for k, v in loaded.graph.items()
                        if k not in ("node_default", "edge_default", "mode")})
    for n, d in loaded.nodes(data=True):
        graph.add_node(n, **{k: _as_list(v) if k in LIST_ATTRIBUTES else v for k, v in d.items() if k != "label"})
    for u, v, d in loaded.edges(data=True):
        graph.add_edge(u, v, **{k: _as_list(val) if k in LIST_ATTRIBUTES else val for k, val in d.items() if k != "id"})
    return graph


_COLOURS = {"context": "#9ecae1", "mechanism": "#fdd0a2", "outcome": "#a1d99b"}
_HEADINGS = {"context": "Contexts", "mechanism": "Mechanisms", "outcome": "Outcomes"}


def layout(graph: nx.DiGraph) -> dict[str, tuple[float, float]]:
    """Fixed positions: contexts in the left column, mechanisms in the middle, outcomes right, each sorted by id.

    Examples
    --------
    >>> g = nx.DiGraph()
    >>> g.add_node("c", type="context"); g.add_node("o", type="outcome")
    >>> layout(g)
    {'c': (0.0, 0.0), 'o': (6.0, 0.0)}
    """
    columns: dict[int, list] = {0: [], 1: [], 2: []}
    for n in sorted(graph):
        columns[_ORDER.get(graph.nodes[n].get("type"), 1)].append(n)
    pos = {}
    for x, members in columns.items():
        for i, n in enumerate(members):
            pos[n] = (x * 3.0, ((len(members) - 1) / 2 - i) * 1.2)
    return pos


def draw(graph: nx.DiGraph, path, fmt: str = "png", min_sources: int = 3) -> Path:
    """Draw the graph with matplotlib (Agg): fixed columns, edge width by segments, hypothesised edges solid and
    the others dashed. The same graph gives the same PNG or SVG bytes.

    Links named by the theory are always drawn; other links only with evidence in at least ``min_sources`` sources,
    so that a large corpus gives a picture rather than a hairball (the exported graph files keep every link).

    Examples
    --------
    >>> draw(graph, "cmo.svg", fmt="svg")  # doctest: +SKIP
    PosixPath('cmo.svg')
    """
    if fmt not in ("png", "svg"):
        raise IpeError(f"cannot draw to '{fmt}' (use png or svg)")
    try:
        import matplotlib
        from matplotlib.figure import Figure
        from matplotlib.lines import Line2D
    except ImportError:
        raise IpeError("drawing the graph needs matplotlib (pip install matplotlib)") from None
    path = Path(path)
    pos = layout(graph)
    tallest = max([sum(1 for n in graph if _ORDER.get(graph.nodes[n].get("type"), 1) == x) for x in range(3)] + [1])
    height = max(3.0, 1.2 * tallest + 1.6)
    with matplotlib.rc_context({"svg.hashsalt": "ipe-cmo", "svg.fonttype": "path", "font.family": "DejaVu Sans"}):
        fig = Figure(figsize=(11, height), dpi=100)
        ax = fig.add_subplot()
        ax.set_axis_off()
        top = (tallest - 1) / 2 * 1.2
        for kind, x in _ORDER.items():
            ax.text(x * 3.0, top + 0.9, _HEADINGS[kind], ha="center", va="bottom", fontsize=11, fontweight="bold")
        most = max([d.get("segments", 0) for _, _, d in graph.edges(data=True)] + [1])
        for u, v, d in sorted(graph.edges(data=True)):
            if not d.get("hypothesised") and d.get("sources", 0) < min_sources:
                continue
            same_column = pos[u][0] == pos[v][0]
            ax.annotate("", xy=pos[v], xytext=pos[u], zorder=1, arrowprops=dict(
                arrowstyle="-|>", color="#555555", lw=0.8 + 4.0 * d.get("segments", 0) / most,
                linestyle="-" if d.get("hypothesised") else "--", shrinkA=16, shrinkB=16, mutation_scale=14,
                connectionstyle=f"arc3,rad={0.5 if same_column else 0.05}"))
        for n in sorted(graph):
            x, y = pos[n]
            kind = graph.nodes[n].get("type", "")
            ax.plot([x], [y], marker="o", markersize=22, color=_COLOURS.get(kind, "#dddddd"),
                    markeredgecolor="#333333", zorder=2)
            label = textwrap.fill(str(graph.nodes[n].get("name") or n), 24)
            ax.text(x, y - 0.25, f"{label}\n({n})", ha="center", va="top", fontsize=7.5, zorder=3,
                    bbox=dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor="none", alpha=0.85))
        ax.legend(handles=[Line2D([], [], color="#555555", linestyle="-", label="in the programme theory"),
                           Line2D([], [], color="#555555", linestyle="--",
                                  label=f"not in the theory (evidence in {min_sources}+ sources)")],
                  loc="lower center", bbox_to_anchor=(0.5, -0.02), ncol=2, frameon=False, fontsize=8)
        ax.set_xlim(-1.3, 7.3)
        ax.set_ylim(-top - 1.2, top + 1.4)
        metadata = {"Date": None} if fmt == "svg" else {"Software": None}
        fig.savefig(path, format=fmt, metadata=metadata)
    return path


def export(graph: nx.DiGraph, path, fmt: Optional[str] = None) -> Path:
    """Write the graph in ``fmt`` (a graph format of :mod:`ipe.exporters`; default: the file's suffix).

    Examples
    --------
    >>> export(graph, "cmo.gexf")  # doctest: +SKIP
    PosixPath('cmo.gexf')
    """
    from ipe import exporters

    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in exporters.formats("graph"):
        raise IpeError(f"unknown graph format '{fmt}' (choose from {', '.join(exporters.formats('graph'))})")
    from ipe import outputs

    return outputs.produce(lambda staged: exporters.get(fmt, "graph").write(graph, staged), path)


def write_outputs(store, codebook: Codebook, out, window="turn", min_sources: int = 2,
                  min_cases: int = 2) -> list[Path]:
    """Write the CMO reports into folder ``out``: ``cmo-assessment.csv``, ``cmo-links.csv``, ``cmo-graph.graphml``,
    ``cmo-graph.json``, ``cmo-graph.png`` and ``cmo-graph.svg``. The same project gives byte-identical files.

    Examples
    --------
    >>> write_outputs(store, codebook, "reports")  # doctest: +SKIP
    [PosixPath('reports/cmo-assessment.csv'), ...]
    """
    from ipe import exporters

    from ipe import outputs

    out = outputs.make_folder(out)
    graph = build_graph(store, codebook, window)
    files = exporters.write("csv", {"cmo-assessment": assessment_table(assess(graph, codebook, min_sources,
                                                                                 min_cases))}, out / "cmo-assessment")
    files += exporters.write("csv", {"cmo-links": links_table(graph)}, out / "cmo-links")
    for suffix in ("graphml", "json", "png", "svg"):
        files.append(export(graph, out / f"cmo-graph.{suffix}", suffix))
    return files
