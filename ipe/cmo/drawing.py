"""The CMO graph as a picture: contexts, mechanisms and outcomes in three columns, byte-identical for one graph.

Only links with evidence in at least ``min_sources`` sources are drawn (the graph files keep every link); a node
shows its name; context→outcome links go round the mechanism column, above or below it, so that they cannot be
read as passing through a mechanism; chains (the outcome of one configuration becoming the context of another)
are drawn whatever their evidence, dotted and in their own colour, round the outside of the picture from the
outcome back to the context; the picture is cropped to what is drawn. In SVG each link carries its evidence counts
as a tooltip, and each chain the configurations it joins.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Iterable, Optional

import networkx as nx

from ipe.cmo.graph import TYPE_ORDER, as_list, is_link
from ipe.errors import IpeError

__all__ = ["layout", "drawn", "draw", "draw_configuration"]

_COLOURS = {"context": "#c6dbef", "mechanism": "#fdd0a2", "outcome": "#c7e9c0"}
_HEADINGS = {"context": "Contexts", "mechanism": "Mechanisms", "outcome": "Outcomes"}
COLUMN_GAP = 4.0  # inches between column centres
BOX_WIDTH = 2.3  # inches
ROW = 0.56  # inches between node centres
LABEL_CHARS = 28
FONT_PT = 9
DEFAULT_MIN_SOURCES = 2
LANE = 0.12  # inches between the context→outcome links that go round the mechanisms
BYPASS = "#7b3294"  # context→outcome links, round the mechanisms
CHAIN_COLOUR = "#1b7f79"  # chains: an outcome that becomes another configuration's context
CHAIN_STYLE = (0, (1.2, 1.6))
CHAIN_LANE = 0.24  # inches between chains round the outside


def drawn(graph: nx.DiGraph, min_sources: int = DEFAULT_MIN_SOURCES) -> nx.DiGraph:
    """The part of the graph a picture shows: links with evidence in ``min_sources`` sources or more, every chain,
    and their nodes.

    Examples
    --------
    >>> g = nx.DiGraph()
    >>> g.add_edge("c", "m", sources=3); g.add_edge("m", "o", sources=1); g.add_edge("o", "c2", kind="chain")
    >>> sorted(drawn(g, 2).edges)
    [('c', 'm'), ('o', 'c2')]
    """
    keep = nx.DiGraph(**graph.graph)
    for u, v, d in graph.edges(data=True):
        if d.get("sources", 0) >= min_sources or not is_link(d):
            keep.add_node(u, **graph.nodes[u])
            keep.add_node(v, **graph.nodes[v])
            keep.add_edge(u, v, **d)
    return keep


def layout(graph: nx.DiGraph) -> dict[str, tuple[float, float]]:
    """Fixed positions: contexts left, mechanisms in the middle, outcomes right. Contexts are in id order; a
    mechanism sits near the contexts that lead to it and an outcome near what leads to it, so lines cross less.

    Examples
    --------
    >>> g = nx.DiGraph()
    >>> g.add_node("c", type="context"); g.add_node("o", type="outcome")
    >>> layout(g)
    {'c': (0.0, 0.0), 'o': (8.0, 0.0)}
    """
    columns: dict[int, list] = {0: [], 1: [], 2: []}
    for n in sorted(graph):
        columns[TYPE_ORDER.get(graph.nodes[n].get("type"), 1)].append(n)
    rank: dict[str, float] = {n: i for i, n in enumerate(columns[0])}
    for x in (1, 2):
        def centre(n):
            before = [rank[p] for p in graph.predecessors(n) if p in rank] + \
                     [rank[s] for s in graph.successors(n) if s in rank]
            return (sum(before) / len(before) if before else float("inf"), n)
        columns[x].sort(key=centre)
        rank.update({n: i * max(1, len(columns[0])) / max(1, len(columns[x])) for i, n in enumerate(columns[x])})
    pos = {}
    for x, members in columns.items():
        for i, n in enumerate(members):
            pos[n] = (x * COLUMN_GAP, ((len(members) - 1) / 2 - i) * ROW)
    return dict(sorted(pos.items()))


def _tooltip(graph, u, v, d) -> str:
    name = lambda n: graph.nodes[n].get("name") or n  # noqa: E731
    if not is_link(d):
        return (f"chain {', '.join(as_list(d.get('chains')))}: {name(u)} becomes the context "
                f"{name(v)} of the next configuration")
    text = (f"{name(u)} \u2192 {name(v)}: {d.get('segments', 0)} segments in {d.get('sources', 0)} sources, "
            f"{d.get('cases', 0)} areas")
    configs = d.get("configurations") or []
    if isinstance(configs, str):
        configs = [c for c in configs.split(";") if c]
    return text + (f" (in the theory: {', '.join(configs)})" if configs else " (not in the theory)")


def _add_tooltips(path: Path, tips: dict) -> None:
    """Put each link's ``<title>`` (a tooltip) inside the SVG group matplotlib wrote for it."""
    from xml.sax.saxutils import escape

    svg = path.read_text(encoding="utf-8")
    for gid, tip in tips.items():
        svg = re.sub(f'(<g id="{re.escape(gid)}"[^>]*>)', lambda m: f"{m.group(1)}<title>{escape(tip)}</title>", svg,
                     count=1)
    path.write_text(svg, encoding="utf-8")


def draw(graph: nx.DiGraph, path, fmt: str = "png", min_sources: Optional[int] = None) -> Path:
    """Draw the graph with matplotlib (Agg): three columns of named boxes, links wider with more sources, links in
    the theory solid and others dashed, context→outcome links round the mechanisms. The same graph gives the same
    PNG or SVG bytes.

    ``min_sources`` (default: the graph attribute ``min_sources``, else 2) is the evidence a link needs to be drawn.

    Examples
    --------
    >>> import tempfile
    >>> graph = nx.DiGraph()
    >>> graph.add_node("ctx", type="context", name="Co-location"); graph.add_node("out", type="outcome", name="Timely")
    >>> graph.add_edge("ctx", "out", segments=2, sources=2, hypothesised=True)
    >>> folder = Path(tempfile.mkdtemp())
    >>> draw(graph, folder / "a.svg", fmt="svg").read_bytes() == draw(graph, folder / "b.svg", fmt="svg").read_bytes()
    True
    """
    if fmt not in ("png", "svg"):
        raise IpeError(f"cannot draw to '{fmt}' (use png or svg)")
    try:
        import matplotlib
        from matplotlib.figure import Figure
        from matplotlib.lines import Line2D
        from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
        from matplotlib.path import Path as MPath
    except ImportError:
        raise IpeError("drawing the graph needs matplotlib (pip install matplotlib)") from None
    path = Path(path)
    if min_sources is None:
        min_sources = int(graph.graph.get("min_sources") or DEFAULT_MIN_SOURCES)
    shown = drawn(graph, min_sources)
    pos = layout(shown)
    columns = [[n for n in shown if TYPE_ORDER.get(shown.nodes[n].get("type"), 1) == x] for x in range(3)]
    tallest = max([len(c) for c in columns] + [1])
    top, bottom = (tallest - 1) / 2 * ROW, -(tallest - 1) / 2 * ROW
    mech_top = max([pos[n][1] for n in columns[1]] + [0.0]) + ROW * 0.6
    mech_bottom = min([pos[n][1] for n in columns[1]] + [0.0]) - ROW * 0.6
    tips = {}
    with matplotlib.rc_context({"svg.hashsalt": "ipe-cmo", "svg.fonttype": "path", "font.family": "DejaVu Sans"}):
        fig = Figure(figsize=(3 * COLUMN_GAP, max(2.5, ROW * tallest + 2.0)), dpi=150)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_axis_off()
        most = max([d.get("sources", 0) for _, _, d in shown.edges(data=True)] + [1])
        lanes = {"above": 0, "below": 0}
        half = BOX_WIDTH / 2
        links = sorted(((u, v, d) for u, v, d in shown.edges(data=True) if is_link(d)), key=lambda e: (e[0], e[1]))
        # Chains whose ends sit higher go inside, so their lines nest rather than cross.
        chains = sorted(((u, v, d) for u, v, d in shown.edges(data=True) if not is_link(d)),
                        key=lambda e: (-(pos[e[0]][1] + pos[e[1]][1]), e[0], e[1]))
        for i, (u, v, d) in enumerate(links):
            (x1, y1), (x2, y2) = pos[u], pos[v]
            width = 0.6 + 3.4 * d.get("sources", 0) / most
            style = "-" if d.get("hypothesised") else (0, (4, 2))
            kind_u, kind_v = (shown.nodes[n].get("type") for n in (u, v))
            colour = "#4d4d4d"
            if x1 == x2:
                patch = FancyArrowPatch((x1 + half, y1), (x2 + half, y2), connectionstyle=f"arc3,rad={-0.6 if y2 < y1 else 0.6}")
            elif kind_u == "context" and kind_v == "outcome":
                side = "above" if (y1 + y2) / 2 >= 0 else "below"
                lanes[side] += 1
                lane = (mech_top + LANE * lanes[side]) if side == "above" else (mech_bottom - LANE * lanes[side])
                a, b = x1 + half, x2 - half
                left, right = COLUMN_GAP - half - 0.15, COLUMN_GAP + half + 0.15  # the mechanism column's sides
                verts = [(a, y1), (a + 0.7, y1), (left - 0.5, lane), (left, lane), (right, lane), (right + 0.5, lane),
                         (b - 0.7, y2), (b, y2)]
                codes = [MPath.MOVETO, MPath.CURVE4, MPath.CURVE4, MPath.CURVE4, MPath.LINETO, MPath.CURVE4,
                         MPath.CURVE4, MPath.CURVE4]
                patch = FancyArrowPatch(path=MPath(verts, codes))
                colour = BYPASS
            else:
                start = (x1 + half, y1) if x2 > x1 else (x1 - half, y1)
                end = (x2 - half, y2) if x2 > x1 else (x2 + half, y2)
                patch = FancyArrowPatch(start, end, connectionstyle="arc3,rad=0.0")
            patch.set_arrowstyle("-|>", head_length=4 + width, head_width=2.5 + width)
            patch.set(linewidth=width, linestyle=style, color=colour, alpha=0.75, zorder=1)
            patch.set_gid(f"link-{i}")
            tips[f"link-{i}"] = _tooltip(shown, u, v, d)
            ax.add_patch(patch)
        for n in sorted(shown):
            x, y = pos[n]
            kind = shown.nodes[n].get("type", "")
            box = FancyBboxPatch((x - half, y - ROW * 0.38), BOX_WIDTH, ROW * 0.76,
                                 boxstyle="round,pad=0.02,rounding_size=0.08", facecolor=_COLOURS.get(kind, "#eeeeee"),
                                 edgecolor="#333333", linewidth=0.8, zorder=2)
            ax.add_patch(box)
            label = textwrap.fill(str(shown.nodes[n].get("name") or n), LABEL_CHARS, max_lines=2, placeholder="…")
            ax.text(x, y, label, ha="center", va="center", fontsize=FONT_PT, zorder=3)
        lowest = min([mech_bottom - LANE * (lanes["below"] + 1), bottom - ROW])
        heading = max(top + ROW * 0.7, mech_top + LANE * lanes["above"] + 0.25)
        for kind, x in TYPE_ORDER.items():
            ax.text(x * COLUMN_GAP, heading, _HEADINGS[kind], ha="center", va="bottom", fontsize=FONT_PT + 3,
                    fontweight="bold")
        highest = heading + 0.5
        # A chain leaves its outcome to the right, rises above the headings and comes down the left into its
        # context: round the outside, so it crosses no box and cannot be mistaken for a link.
        margin = 0.25
        for k, (u, v, d) in enumerate(chains):
            (x1, y1), (x2, y2) = pos[u], pos[v]
            out = margin + CHAIN_LANE * k
            lane = heading + 0.55 + CHAIN_LANE * k
            verts = [(x1 + half, y1), (x1 + half + out, y1), (x1 + half + out, lane), (x2 - half - out, lane),
                     (x2 - half - out, y2), (x2 - half, y2)]
            patch = FancyArrowPatch(path=MPath(verts, [MPath.MOVETO] + [MPath.LINETO] * 5))
            patch.set_arrowstyle("-|>", head_length=5, head_width=3.5)
            patch.set(linewidth=1.6, linestyle=CHAIN_STYLE, color=CHAIN_COLOUR, alpha=0.9, zorder=1)
            patch.set_gid(f"chain-{k}")
            tips[f"chain-{k}"] = _tooltip(shown, u, v, d)
            ax.add_patch(patch)
            ax.text(COLUMN_GAP + (k % 2 - 0.5) * COLUMN_GAP * 0.5, lane,
                    ", ".join(c.replace("->", " \u2192 ") for c in as_list(d.get("chains"))), ha="center",
                    va="center", fontsize=FONT_PT - 1, color=CHAIN_COLOUR, zorder=3,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0})
            highest = max(highest, lane + 0.35)
        spread = margin + CHAIN_LANE * max(len(chains) - 1, 0) + 0.1 if chains else 0.0
        handles = [Line2D([], [], color="#4d4d4d", linestyle="-", lw=2, label="link in the programme theory"),
                   Line2D([], [], color="#4d4d4d", linestyle=(0, (4, 2)), lw=2, label="link not in the theory"),
                   Line2D([], [], color=BYPASS, lw=2, label="context straight to outcome (no mechanism)")]
        if chains:
            handles.append(Line2D([], [], color=CHAIN_COLOUR, linestyle=CHAIN_STYLE, lw=2,
                                  label="chain: an outcome becomes the next configuration's context"))
        ax.legend(handles=handles,
                  title=f"Links with evidence in {min_sources} or more sources; wider = more sources",
                  loc="upper center", bbox_to_anchor=(COLUMN_GAP, lowest - 0.1), bbox_transform=ax.transData,
                  ncol=2 if chains else 3, frameon=False, fontsize=FONT_PT, title_fontsize=FONT_PT)
        ax.set_xlim(-half - 0.3 - spread, 2 * COLUMN_GAP + half + 0.3 + spread)
        ax.set_ylim(lowest - 0.9, highest)
        ax.set_aspect("equal")
        metadata = {"Date": None} if fmt == "svg" else {"Software": None}
        fig.savefig(path, format=fmt, metadata=metadata, bbox_inches="tight", pad_inches=0.15)
    if fmt == "svg":
        _add_tooltips(path, tips)
    return path


def draw_configuration(graph: nx.DiGraph, context: str, mechanisms: Iterable[str], outcome: str, path) -> Path:
    """One configuration as a small C→M→O diagram (PNG): its context, mechanisms and outcome as named boxes, each
    link labelled with the sources that evidence it in ``graph`` ("no evidence" when none do).

    Examples
    --------
    >>> import tempfile
    >>> graph = nx.DiGraph()
    >>> graph.add_node("ctx", type="context", name="Co-location"); graph.add_node("out", type="outcome", name="Timely")
    >>> graph.add_node("trust", type="mechanism", name="Trust")
    >>> graph.add_edge("ctx", "trust", segments=3, sources=2)
    >>> png = draw_configuration(graph, "ctx", ["trust"], "out", Path(tempfile.mkdtemp()) / "c.png")
    >>> png.read_bytes()[1:4]
    b'PNG'
    """
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    path = Path(path)
    mechanisms = list(mechanisms) or [""]
    name = lambda n: textwrap.fill(str(graph.nodes[n].get("name") or n) if n in graph else n, 24,  # noqa: E731
                                   max_lines=3, placeholder="…")
    width, height, gap = 1.9, 0.62, 0.18
    column_height = len(mechanisms) * height + (len(mechanisms) - 1) * gap
    centre = column_height / 2
    places = {context: (0.0, centre), outcome: (5.2, centre)}
    for i, m in enumerate(mechanisms):
        places[m] = (2.6, column_height - height / 2 - i * (height + gap))

    def evidence(u, v) -> str:
        if not graph.has_edge(u, v):
            return "no evidence"
        n = graph.edges[u, v].get("sources", 0)
        return f"{n} source{'s' if n != 1 else ''}"

    with matplotlib.rc_context({"font.family": "DejaVu Sans"}):
        fig = Figure(figsize=(6.6, max(1.0, column_height + 0.35)), dpi=200)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_axis_off()
        for n, (x, y) in places.items():
            if not n:
                continue
            kind = graph.nodes[n].get("type", "") if n in graph else ""
            ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height,
                                        boxstyle="round,pad=0.02,rounding_size=0.06", linewidth=0.8,
                                        facecolor=_COLOURS.get(kind, "#eeeeee"), edgecolor="#333333"))
            ax.text(x, y, name(n), ha="center", va="center", fontsize=8)
        for m in mechanisms:
            if not m:
                continue
            for u, v in ((context, m), (m, outcome)):
                (x1, y1), (x2, y2) = places[u], places[v]
                ax.add_patch(FancyArrowPatch((x1 + width / 2, y1), (x2 - width / 2, y2), arrowstyle="-|>",
                                             mutation_scale=10, linewidth=1.2, color="#4d4d4d",
                                             linestyle="-" if graph.has_edge(u, v) else (0, (2, 2))))
                ax.text((x1 + x2) / 2, (y1 + y2) / 2 + 0.08, evidence(u, v), ha="center", va="bottom", fontsize=6.5,
                        color="#333333")
        ax.set_xlim(-width / 2 - 0.05, 5.2 + width / 2 + 0.05)
        ax.set_ylim(-0.1, column_height + 0.1)
        fig.savefig(path, format="png", metadata={"Software": None}, bbox_inches="tight", pad_inches=0.04)
    return path
