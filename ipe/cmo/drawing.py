"""The CMO graph as a picture: contexts, mechanisms and outcomes in fixed columns, byte-identical for one graph."""

from __future__ import annotations

import textwrap
from pathlib import Path

import networkx as nx

from ipe.cmo.graph import TYPE_ORDER
from ipe.errors import IpeError

__all__ = ["layout", "draw"]

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
        columns[TYPE_ORDER.get(graph.nodes[n].get("type"), 1)].append(n)
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
    tallest = max([sum(1 for n in graph if TYPE_ORDER.get(graph.nodes[n].get("type"), 1) == x) for x in range(3)] + [1])
    height = max(3.0, 1.2 * tallest + 1.6)
    with matplotlib.rc_context({"svg.hashsalt": "ipe-cmo", "svg.fonttype": "path", "font.family": "DejaVu Sans"}):
        fig = Figure(figsize=(11, height), dpi=100)
        ax = fig.add_subplot()
        ax.set_axis_off()
        top = (tallest - 1) / 2 * 1.2
        for kind, x in TYPE_ORDER.items():
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
