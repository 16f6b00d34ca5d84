"""Evidence from a project: its codings in force placed in linking windows, the segments behind each link, and the
graph of a project or of a subset of its sources.

These are the CMO functions that read the store; everything they compute is done by :mod:`ipe.cmo.graph`.
"""

from __future__ import annotations

import bisect
import itertools
from typing import Iterable, Optional

import networkx as nx
import pandas as pd

from ipe.cmo.graph import (Segment, build, compare, configuration_links, node_codes, pair_segments, window_label,
                           window_size)
from ipe.errors import IpeError, NotFound
from ipe.in_force import current_codings, read_key, shared, shared_reads
from ipe.records import Codebook
from ipe.selection import Selection

__all__ = [
    "EVIDENCE_COLUMNS",
    "placements",
    "link_evidence",
    "build_graph",
    "attribute_values",
    "subgraph_by",
    "compare_by",
    "evidence_table",
]


def _overlapping(spans: list, starts: list, start: int, end: int) -> list[int]:
    """Positions of the sorted, disjoint ``spans`` that overlap ``[start, end)``."""
    i = max(0, bisect.bisect_right(starts, start) - 1)
    found = []
    while i < len(spans) and spans[i].start < end:
        if spans[i].end > start:
            found.append(i)
        i += 1
    return found


def _nodes_key(codebook: Codebook) -> tuple:
    """What placements and pairs depend on in a codebook: its node codes' ids, types and mechanism kinds.

    Not the codebook's identity: the tables, the assessment and the quote ranking each load the current codebook
    anew, and would otherwise each place and pair the same codings again.
    """
    return tuple((cid, code.type, code.mechanism or "") for cid, code in sorted(node_codes(codebook).items()))


def placements(store, codebook: Codebook, window="turn", coders: Optional[Iterable[str]] = None,
               sources: Optional[Iterable[str]] = None) -> dict[str, list]:
    """Per source, ``(coding, window ids)`` for every coding of a node code, in the store's coding order.

    ``coders`` is coder names or a :class:`~ipe.selection.Selection` (see :func:`ipe.in_force.current_codings`).
    """
    coders = list(coders) if coders is not None and not isinstance(coders, Selection) else coders
    sources = list(sources) if sources is not None else None
    key = ("placements", id(store), _nodes_key(codebook), window_label(window), read_key(coders), read_key(sources))
    return shared(key, lambda: _placements(store, codebook, window, coders, sources))


def _placements(store, codebook: Codebook, window, coders, sources) -> dict[str, list]:
    size = window_size(window)
    nodes = node_codes(codebook)
    if coders == [] or sources == [] or not nodes:
        return {}
    codings = current_codings(store, coders, codes=sorted(nodes), sources=sources)
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


def link_evidence(store, codebook: Codebook, window="turn", coders: Optional[Iterable[str]] = None,
                  sources: Optional[Iterable[str]] = None) -> list[Segment]:
    """Candidate links: codings of differently typed realist codes that co-occur inside a linking window.

    Parameters
    ----------
    store : ipe.store.Store
        The project store; codings in force are taken with :func:`ipe.in_force.current_codings`.
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
    >>> segments = link_evidence(store, codebook)
    >>> [(s.src, s.dst, s.src_ref, s.dst_ref) for s in segments][:1]
    [('ctx-relationships', 'mech-trust', 'ash-1:51-90', 'ash-1:91-118')]
    """
    coders = list(coders) if coders is not None and not isinstance(coders, Selection) else coders
    sources = list(sources) if sources is not None else None
    key = ("segments", id(store), _nodes_key(codebook), window_label(window), read_key(coders), read_key(sources))
    return list(shared(key, lambda: pair_segments(placements(store, codebook, window, coders, sources),
                                                   node_codes(codebook))))


def build_graph(store, codebook: Codebook, window="turn", coders: Optional[Iterable[str]] = None,
                sources: Optional[Iterable[str]] = None) -> nx.DiGraph:
    """The evidence-linked CMO graph of a project (see :func:`ipe.cmo.graph.build` for its nodes and edges).

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
    """
    with shared_reads():  # the placements are read once for the graph and its pairs
        return build(placements(store, codebook, window, coders, sources), codebook, store.source_attributes(),
                     window, segments=link_evidence(store, codebook, window, coders, sources))


# -- subsets and comparison ------------------------------------------------------------------------------------------


def attribute_values(store, attribute: str) -> list[str]:
    """The distinct non-empty values of a source attribute, sorted.

    Examples
    --------
    >>> attribute_values(store, "mash_model")
    ['needs-and-planning', 'risk-focused']
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
    >>> risk = subgraph_by(store, codebook, "mash_model", "risk-focused")
    >>> risk.graph["subset"], risk.edges["ctx-relationships", "mech-trust"]["agencies"]
    ('mash_model=risk-focused', ['police', 'social care'])
    """
    wanted = str(value).lower()
    ids = sorted(sid for sid, a in store.source_attributes().items() if str(a.get(attribute, "")).lower() == wanted)
    if not ids:
        raise NotFound(f"no source has {attribute} '{value}'")
    graph = build_graph(store, codebook, window, coders, sources=ids)
    graph.graph["subset"] = f"{attribute}={value}"
    return graph


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
    >>> [(a, b) for a, b, _ in compare_by(store, codebook, "mash_model")]
    [('needs-and-planning', 'risk-focused')]
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
    >>> table = evidence_table(store, codebook, "ctx-relationships->mech-trust")
    >>> table[["source", "from_ref", "to_ref"]].values.tolist()
    [['ash-1', 'ash-1:51-90', 'ash-1:91-118'], ['ash-2', 'ash-2:40-64', 'ash-2:65-87'], ['bra-1', 'bra-1:35-55', 'bra-1:56-77']]
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
