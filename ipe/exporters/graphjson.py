"""JSON for graphs: networkx's node-link form (``nodes`` and ``links``), sorted, keys sorted."""

import json
from pathlib import Path

FORMAT = "json"
SUFFIX = ".json"
KIND = "graph"


def write(graph, path: Path, title: str = "") -> list[Path]:
    import networkx as nx

    try:
        data = nx.node_link_data(graph, edges="links")
    except TypeError:  # networkx < 3.4 names the keyword "link"
        data = nx.node_link_data(graph, link="links")
    data["nodes"] = sorted(data["nodes"], key=lambda n: str(n["id"]))
    data["links"] = sorted(data["links"], key=lambda e: (str(e["source"]), str(e["target"])))
    Path(path).write_text(json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return [Path(path)]
