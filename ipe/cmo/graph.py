"""The CMO graph: codings placed in linking windows become a :class:`networkx.DiGraph` of linked codes.

The nodes are the codebook's context, mechanism and outcome codes. An edge is of one of two kinds (its ``kind``
attribute). A *link* (``co-occurrence``) joins two codes of different realist
types whose codings co-occur inside a linking window (a speaker turn, a sentence, or a run of N consecutive
sentences), in the direction the programme theory reads: context → mechanism, mechanism → outcome,
context → outcome, and resource → response between the two halves of a mechanism. Every link keeps its evidence:
the segments (pairs of codings) behind it, with their ``source:start-end`` references, so each count in an
assessment can be traced back to quotes. A *chain* (``chain``) is the theory's own claim that the outcome of one
configuration is the context of another (the second's ``chain_from``): an edge from the first's outcome code to the
second's context code, drawn whatever the co-occurrence, since no window of text makes or unmakes it.

The configurations' chains must not loop (:func:`check_chains`, which codebook validation and theory revisions
apply); a chain that leads back into the context it started from is a feedback loop the team should know about,
not an error (:func:`theory_loops`).

Nothing here reads the store: :mod:`ipe.cmo.evidence` places a project's codings in their windows and hands them
to :func:`build`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Optional

import networkx as nx
import pandas as pd

from ipe.errors import IpeError
from ipe.records import Code, Codebook, Configuration, reference

__all__ = [
    "REALIST_TYPES",
    "LIST_ATTRIBUTES",
    "LIST_SEPARATOR",
    "Segment",
    "as_list",
    "window_size",
    "window_label",
    "node_codes",
    "pair_segments",
    "configuration_links",
    "named_links",
    "chain_links",
    "chain_graph",
    "chain_cycles",
    "check_chains",
    "theory_loops",
    "is_link",
    "build",
    "compare",
]

REALIST_TYPES = ("context", "mechanism", "outcome")
LIST_ATTRIBUTES = ("agencies", "coders", "evidence", "windows", "configurations", "chains")
LIST_SEPARATOR = "; "
TYPE_ORDER = {t: i for i, t in enumerate(REALIST_TYPES)}
LINK = "co-occurrence"
CHAIN = "chain"
EDGE_KINDS = (LINK, CHAIN)


def as_list(value) -> list:
    """A list attribute, whether kept as a list or joined into a string by an export.

    Examples
    --------
    >>> as_list("a; b"), as_list(["a"]), as_list(""), as_list(None)
    (['a', 'b'], ['a'], [], [])
    """
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return value.split(LIST_SEPARATOR)
    return list(value)


@dataclass(frozen=True, slots=True)  # slots: a large project has hundreds of thousands
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
        return reference(self.source_id, self.src_start, self.src_end)

    @property
    def dst_ref(self) -> str:
        return reference(self.source_id, self.dst_start, self.dst_end)


# -- windows ---------------------------------------------------------------------------------------------------------


def window_size(window) -> Optional[int]:
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
    size = window_size(window)
    return "turn" if size is None else "sentence" if size == 1 else str(size)


def node_codes(codebook: Codebook) -> dict[str, Code]:
    """The codebook's context, mechanism and outcome codes by id: the graph's nodes."""
    return {c.id: c for c in codebook.codes if c.type in REALIST_TYPES}


def _direction(a: Code, b: Code) -> Optional[bool]:
    """``True`` for a link a → b, ``False`` for b → a, ``None`` when the two codes are not linked."""
    if a.type != b.type:
        return TYPE_ORDER[a.type] < TYPE_ORDER[b.type]
    if a.type == "mechanism" and {a.mechanism, b.mechanism} == {"resource", "response"}:
        return a.mechanism == "resource"
    return None


def pair_segments(placed: dict[str, list], nodes: dict[str, Code]) -> list[Segment]:
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
    >>> from ipe.records import Code, Codebook, Configuration
    >>> book = Codebook("tiny", (Code("ctx", "C", "context"), Code("mech", "M", "mechanism"), Code("out", "O", "outcome")),
    ...                 theory=(Configuration("CMO-01", "ctx", "out", "...", mechanism="mech"),))
    >>> named_links(book)
    {('ctx', 'mech'): ['CMO-01'], ('ctx', 'out'): ['CMO-01'], ('mech', 'out'): ['CMO-01']}
    """
    named: dict[tuple[str, str], list[str]] = {}
    for t in codebook.theory:
        for link in [*configuration_links(t), (t.context, t.outcome)]:
            if t.id not in named.setdefault(link, []):
                named[link].append(t.id)
    return {link: sorted(ids) for link, ids in sorted(named.items())}


def chain_links(codebook: Codebook) -> dict[tuple[str, str], list[str]]:
    """The code pairs the theory's chains join, each with its chains (``FROM->TO``): for every configuration with a
    ``chain_from``, the outcome of the configuration it chains from → its own context.

    Examples
    --------
    >>> from ipe.records import Code, Codebook, Configuration
    >>> book = Codebook("tiny", (Code("ctx", "C", "context"), Code("mech", "M", "mechanism"),
    ...                          Code("out", "O", "outcome"), Code("ctx2", "C2", "context")),
    ...                 theory=(Configuration("CMO-01", "ctx", "out", "...", mechanism="mech"),
    ...                         Configuration("CMO-02", "ctx2", "out", "...", mechanism="mech", chain_from="CMO-01")))
    >>> chain_links(book)
    {('out', 'ctx2'): ['CMO-01->CMO-02']}
    """
    by_id = {t.id: t for t in codebook.theory}
    found: dict[tuple[str, str], list[str]] = {}
    for t in codebook.theory:
        if t.chain_from and t.chain_from in by_id:
            found.setdefault((by_id[t.chain_from].outcome, t.context), []).append(f"{t.chain_from}->{t.id}")
    return {pair: sorted(ids) for pair, ids in sorted(found.items())}


def chain_graph(configurations) -> nx.DiGraph:
    """The configurations as nodes and their chains as edges: ``FROM`` → ``TO`` for each ``TO.chain_from``.

    Each edge keeps the code it passes through: ``outcome`` (``FROM``'s outcome) and ``context`` (``TO``'s
    context). A ``chain_from`` naming no configuration given is left out (codebook validation reports it).

    Parameters
    ----------
    configurations : iterable of Configuration
        A theory: the codebook's, or the current one (:func:`ipe.theory.current`).

    Returns
    -------
    networkx.DiGraph

    Examples
    --------
    >>> from ipe.records import Configuration
    >>> theory = [Configuration("CMO-01", "ctx", "out", "..."), Configuration("CMO-02", "out", "o2", "...",
    ...                                                                       chain_from="CMO-01")]
    >>> graph = chain_graph(theory)
    >>> list(graph.edges(data=True))
    [('CMO-01', 'CMO-02', {'kind': 'chain', 'outcome': 'out', 'context': 'out'})]
    >>> nx.is_directed_acyclic_graph(graph)
    True
    """
    configurations = list(configurations)
    by_id = {t.id: t for t in configurations}
    graph = nx.DiGraph()
    graph.add_nodes_from(t.id for t in configurations)
    for t in configurations:
        if t.chain_from in by_id:
            graph.add_edge(t.chain_from, t.id, kind=CHAIN, outcome=by_id[t.chain_from].outcome, context=t.context)
    return graph


def _rotated(cycle: list) -> list:
    """A cycle written from its smallest member, so the same loop always reads the same way."""
    i = cycle.index(min(cycle))
    return cycle[i:] + cycle[:i]


def chain_cycles(configurations) -> list[list[str]]:
    """Every loop of chains, each as the configuration ids in order from the smallest; empty when the chains form a
    directed acyclic graph.

    Examples
    --------
    >>> from ipe.records import Configuration
    >>> loop = [Configuration("CMO-02", "c", "o", "...", chain_from="CMO-01"),
    ...         Configuration("CMO-01", "c", "o", "...", chain_from="CMO-02")]
    >>> chain_cycles(loop)
    [['CMO-01', 'CMO-02']]
    >>> chain_cycles(loop[:1])
    []
    """
    graph = chain_graph(configurations)
    if nx.is_directed_acyclic_graph(graph):
        return []
    return sorted(_rotated(c) for c in nx.simple_cycles(graph))


def check_chains(configurations) -> None:
    """Refuse chains that loop: a configuration cannot come, through its chains, before itself.

    Raises
    ------
    ipe.errors.IpeError
        Naming every loop, as ``CMO-01 -> CMO-02 -> CMO-01``.

    Examples
    --------
    >>> from ipe.records import Configuration
    >>> check_chains([Configuration("CMO-01", "c", "o", "...", chain_from="CMO-01")])
    Traceback (most recent call last):
    ...
    ipe.errors.IpeError: chains loop: CMO-01 -> CMO-01
    """
    loops = chain_cycles(configurations)
    if loops:
        raise IpeError("chains loop: " + "; ".join(" -> ".join([*c, c[0]]) for c in loops))


def theory_loops(configurations) -> list[list[str]]:
    """Feedback loops of the theory: chains of configurations that come back to a context they started from (the
    context a chain leads into is the context of a configuration before it in the chain), each as the
    configuration ids along the chain, sorted.

    Not an error, unlike a loop of chains (:func:`check_chains`): an outcome that feeds back into the circumstances
    it came from is a claim realist theories make (a virtuous or vicious circle), but one the team should mean.

    Examples
    --------
    >>> from ipe.records import Configuration
    >>> theory = [Configuration("CMO-01", "trust", "sharing", "..."),
    ...           Configuration("CMO-02", "skills", "decisions", "...", chain_from="CMO-01"),
    ...           Configuration("CMO-03", "trust", "safety", "...", chain_from="CMO-02")]
    >>> theory_loops(theory)
    [['CMO-01', 'CMO-02', 'CMO-03']]
    >>> theory_loops(theory[:2])
    []
    """
    configurations = list(configurations)
    graph = chain_graph(configurations)
    if not nx.is_directed_acyclic_graph(graph):
        return []  # check_chains reports it
    context = {t.id: t.context for t in configurations}
    loops = []
    for t in configurations:
        for before in sorted(nx.ancestors(graph, t.id)):
            if context[before] == t.context:
                loops.append(nx.shortest_path(graph, before, t.id))
    return sorted(loops)


def is_link(data: dict) -> bool:
    """Whether an edge's attributes are a co-occurrence link (not a chain): edges read from older files have no
    ``kind`` and are links.

    >>> is_link({"kind": "chain"}), is_link({"sources": 2})
    (False, True)
    """
    return data.get("kind", LINK) == LINK


def _window_key(sid: str, window: int) -> str:
    return f"{sid}#{window}"


def key_order(key: str) -> tuple:
    sid, _, n = key.rpartition("#")
    return (sid, int(n)) if n.lstrip("-").isdigit() else (sid, 0)


def ref_order(ref: str) -> tuple:
    sid, _, span = ref.rpartition(":")
    start, _, end = span.partition("-")
    return (sid, int(start), int(end)) if start.isdigit() and end.isdigit() else (sid, 0, 0)


def build(placed: dict, codebook: Codebook, attributes: Optional[dict] = None, window="turn",
          segments: Optional[list[Segment]] = None) -> nx.DiGraph:
    """The evidence-linked CMO graph of codings placed in their linking windows.

    Parameters
    ----------
    placed : dict
        Per source id, ``(coding, window ids)`` for every coding of a context, mechanism or outcome code, in
        coding order (:func:`ipe.cmo.evidence.placements` gives a project's).
    codebook : Codebook
        Gives each code's realist type and mechanism kind, and the configurations.
    attributes : dict, optional
        Per source id, its attributes (``case``, ``participant``, ``agency``, ...).
    window : {"turn", "sentence"} or int
        The linking window the placements used (see :func:`ipe.cmo.evidence.link_evidence`).
    segments : list of Segment, optional
        ``pair_segments(placed, node_codes(codebook))``, when the caller has it already (default: worked out).

    Returns
    -------
    networkx.DiGraph
        Nodes: every context, mechanism and outcome code, with ``type``, ``name``, ``mechanism`` (``resource``,
        ``response`` or ``""``), ``segments`` (its codings), ``windows`` (``source#window`` keys where it is
        coded). Edges: every link with
        evidence, with ``segments``, ``sources``, ``cases`` (distinct ``case``
        attributes), ``participants`` (distinct ``participant`` attributes, or sources without one),
        ``agencies``, ``coders``, ``evidence`` (the coding references, sorted), ``windows``, ``configurations``
        (ids naming the link, see :func:`named_links`), ``hypothesised`` (named by a configuration), ``kind``
        (``co-occurrence``) and ``chains`` (empty). Chain edges (:func:`chain_links`): ``kind`` ``chain``,
        ``chains`` the ``FROM->TO`` chains they stand for, ``configurations`` those ids, ``hypothesised`` true
        and no evidence (zero counts, empty lists). The graph attribute ``window`` names the linking window;
        ``chains`` lists every ``FROM->TO`` chain.

    Examples
    --------
    >>> from ipe.records import Code, Codebook, Coding, Configuration
    >>> book = Codebook("tiny", (Code("ctx", "Co-location", "context"), Code("mech", "Trust", "mechanism"),
    ...                          Code("out", "Timely sharing", "outcome")),
    ...                 theory=(Configuration("CMO-01", "ctx", "out", "...", mechanism="mech"),))
    >>> placed = {"s1": [(Coding("s1", 0, 9, "ctx", "ann"), [1]), (Coding("s1", 10, 20, "mech", "ann"), [1])]}
    >>> graph = build(placed, book, {"s1": {"case": "A"}})
    >>> sorted(graph.edges), graph.edges["ctx", "mech"]["evidence"], graph.edges["ctx", "mech"]["hypothesised"]
    ([('ctx', 'mech')], ['s1:0-9', 's1:10-20'], True)
    >>> graph.edges["ctx", "mech"]["kind"]
    'co-occurrence'
    """
    nodes = node_codes(codebook)
    attrs = attributes or {}
    named = named_links(codebook)
    graph = nx.DiGraph(window=window_label(window),
                       chains=sorted(f"{t.chain_from}->{t.id}" for t in codebook.theory if t.chain_from))
    counts: dict[str, int] = {}
    present: dict[str, set] = {}
    for sid, rows in placed.items():
        for c, ids in rows:
            counts[c.code_id] = counts.get(c.code_id, 0) + 1
            present.setdefault(c.code_id, set()).update(_window_key(sid, w) for w in ids)
    for cid in sorted(nodes):
        code = nodes[cid]
        graph.add_node(cid, type=code.type, name=code.name, mechanism=code.mechanism or "",
                       segments=counts.get(cid, 0), windows=sorted(present.get(cid, ()), key=key_order))
    if segments is None:
        segments = pair_segments(placed, nodes)
    for (src, dst), group in itertools.groupby(segments, key=lambda g: (g.src, g.dst)):
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
            evidence=sorted({r for g in group for r in (g.src_ref, g.dst_ref)}, key=ref_order),
            windows=sorted({_window_key(g.source_id, w) for g in group for w in g.windows}, key=key_order),
            configurations=named.get((src, dst), []),
            hypothesised=(src, dst) in named,
            kind=LINK,
            chains=[],
        )
    for (src, dst), chains in chain_links(codebook).items():
        if src in nodes and dst in nodes:
            graph.add_edge(src, dst, segments=0, sources=0, cases=0, participants=0, agencies=[], coders=[],
                           evidence=[], windows=[], configurations=sorted({c.split("->")[1] for c in chains}),
                           hypothesised=True, kind=CHAIN, chains=chains)
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
    >>> risk, needs = nx.DiGraph(), nx.DiGraph()
    >>> risk.add_edge("ctx", "mech", sources=2, cases=1, segments=3, hypothesised=True)
    >>> needs.add_edge("ctx", "mech", sources=1, cases=1, segments=1, hypothesised=True)
    >>> table = compare(risk, needs, labels=("risk", "needs"))
    >>> table[["from", "to", "sources_risk", "sources_needs", "stronger_in"]].to_dict("records")
    [{'from': 'ctx', 'to': 'mech', 'sources_risk': 2, 'sources_needs': 1, 'stronger_in': 'risk'}]
    """
    la, lb = labels
    columns = ["from", "to", f"sources_{la}", f"sources_{lb}", f"cases_{la}", f"cases_{lb}", f"segments_{la}",
               f"segments_{lb}", "hypothesised", "stronger_in"]
    rows = []
    for u, v in sorted(set(graph_a.edges) | set(graph_b.edges)):
        da = graph_a.edges[u, v] if graph_a.has_edge(u, v) else {}
        db = graph_b.edges[u, v] if graph_b.has_edge(u, v) else {}
        if not (is_link(da) and is_link(db)):
            continue
        sa, sb = da.get("sources", 0), db.get("sources", 0)
        if sa == sb:
            continue
        rows.append({"from": u, "to": v, f"sources_{la}": sa, f"sources_{lb}": sb, f"cases_{la}": da.get("cases", 0),
                     f"cases_{lb}": db.get("cases", 0), f"segments_{la}": da.get("segments", 0),
                     f"segments_{lb}": db.get("segments", 0),
                     "hypothesised": bool(da.get("hypothesised") or db.get("hypothesised")),
                     "stronger_in": la if sa > sb else lb})
    return pd.DataFrame(rows, columns=columns)
