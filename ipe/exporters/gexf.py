"""GEXF: the CMO graph for Gephi; node labels are code names, the file's date is fixed so bytes are reproducible.

GEXF keeps no graph attributes, so the graph's ``window`` and ``chains`` are not written.
"""

import re
from pathlib import Path

from ipe.exporters.graphs import flat_copy

FORMAT = "gexf"
SUFFIX = ".gexf"
KIND = "graph"


def write(graph, path: Path, title: str = "") -> list[Path]:
    import networkx as nx

    text = "\n".join(nx.generate_gexf(flat_copy(graph, gexf=True)))
    text = re.sub(r'lastmodifieddate="[^"]*"', 'lastmodifieddate="2000-01-01"', text, count=1)
    Path(path).write_text(text + "\n", encoding="utf-8")
    return [Path(path)]
