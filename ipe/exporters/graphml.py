"""GraphML: the CMO graph for Gephi or networkx; list attributes joined by ``"; "`` (``exporters.graphs.read_graph`` restores them)."""

from pathlib import Path

from ipe.exporters.graphs import flat_copy

FORMAT = "graphml"
SUFFIX = ".graphml"
KIND = "graph"


def write(graph, path: Path, title: str = "") -> list[Path]:
    import networkx as nx

    nx.write_graphml(flat_copy(graph), path)
    return [Path(path)]
