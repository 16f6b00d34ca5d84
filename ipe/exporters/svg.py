"""SVG picture of the CMO graph (contexts, mechanisms, outcomes in columns), byte-identical for the same graph."""

from pathlib import Path

from ipe.cmo.drawing import draw

FORMAT = "svg"
SUFFIX = ".svg"
KIND = "graph"


def write(graph, path: Path, title: str = "") -> list[Path]:
    return [draw(graph, path, fmt=FORMAT)]
