"""Graphviz DOT, written through pydot; list attributes joined as strings."""

from pathlib import Path

from ipe.exporters.graphs import flat_copy

FORMAT = "dot"
SUFFIX = ".dot"
KIND = "graph"


def write(graph, path: Path, title: str = "") -> list[Path]:
    from networkx.drawing import nx_pydot

    flat = flat_copy(graph)
    for _, data in flat.nodes(data=True):
        # "name" is pydot's own argument; in DOT a node's display name is its label anyway.
        data["label"] = data.pop("name", "")
        data.update({k: str(v) for k, v in data.items()})
    for _, _, data in flat.edges(data=True):
        data.update({k: str(v) for k, v in data.items()})
    flat.graph = {k: str(v) for k, v in flat.graph.items()}
    Path(path).write_text(nx_pydot.to_pydot(flat).to_string(), encoding="utf-8")
    return [Path(path)]
