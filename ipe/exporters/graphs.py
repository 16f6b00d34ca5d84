"""Graph files: a CMO graph flattened for GraphML and GEXF, and read back from GraphML, GEXF or JSON.

GraphML and GEXF hold no lists, so list attributes are joined by ``"; "`` on the way out (:func:`flat_copy`) and
split again on the way in (:func:`read_graph`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import networkx as nx

from ipe.cmo.graph import LIST_ATTRIBUTES, LIST_SEPARATOR, as_list
from ipe.errors import IpeError

__all__ = ["flat_copy", "read_graph"]


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
    """Read a graph written by :func:`ipe.exporters.write_graph` as GraphML, GEXF or JSON, list attributes restored.

    Examples
    --------
    >>> import tempfile
    >>> from ipe import exporters
    >>> graph = nx.DiGraph()
    >>> graph.add_edge("ctx", "mech", evidence=["s1:0-9", "s1:10-20"], sources=1)
    >>> path = exporters.write_graph(graph, Path(tempfile.mkdtemp()) / "cmo.graphml")
    >>> read_graph(path).edges["ctx", "mech"]["evidence"]
    ['s1:0-9', 's1:10-20']
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
    graph.graph.update({k: as_list(v) if k in LIST_ATTRIBUTES else v for k, v in loaded.graph.items()
                        if k not in ("node_default", "edge_default", "mode")})
    for n, d in loaded.nodes(data=True):
        graph.add_node(n, **{k: as_list(v) if k in LIST_ATTRIBUTES else v for k, v in d.items() if k != "label"})
    for u, v, d in loaded.edges(data=True):
        graph.add_edge(u, v, **{k: as_list(val) if k in LIST_ATTRIBUTES else val for k, val in d.items() if k != "id"})
    return graph
