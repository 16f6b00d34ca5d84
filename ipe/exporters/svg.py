"""SVG picture of the CMO graph (contexts, mechanisms, outcomes in columns), byte-identical for the same graph."""

from pathlib import Path

FORMAT = "svg"
SUFFIX = ".svg"
KIND = "graph"


def write(graph, path: Path) -> Path:
    from ipe.cmo import draw

    return draw(graph, path, fmt=FORMAT)
