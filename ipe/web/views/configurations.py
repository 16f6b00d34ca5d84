"""The configurations page: each CMO configuration with its status and evidence, and the graph drawn as SVG."""

from __future__ import annotations

from starlette.requests import Request

from ipe import appraisal, cmo
from ipe import project as lib
from ipe.web.views import common

COLUMN_X = {"context": 130, "mechanism": 480, "outcome": 830}
NODE_W, NODE_H, ROW_H, TOP = 220, 26, 36, 30
SHOWN_EVIDENCE = 200


def graph_picture(graph, codebook, min_sources: int = 2, min_cases: int = 2) -> dict:
    """Nodes and edges placed for an SVG: the configurations' links and the emergent ones, with their nodes.

    Contexts left, mechanisms in the middle, outcomes right (the columns of :func:`ipe.cmo.layout`).
    """
    named = cmo.named_links(codebook)
    keep = set(named) | set(cmo.emergent_links(graph, codebook, min_sources, min_cases))
    edges = [(s, d) for s, d in graph.edges if (s, d) in keep]
    used = {n for e in edges for n in e} | {n for link in named for n in link if n in graph}
    index = common.code_index(codebook)
    rows: dict[str, list] = {t: [] for t in COLUMN_X}
    for n in sorted(used):
        rows.setdefault(graph.nodes[n].get("type", "mechanism"), []).append(n)
    pos, nodes = {}, []
    for kind, members in rows.items():
        x = COLUMN_X.get(kind, COLUMN_X["mechanism"])
        for i, n in enumerate(members):
            y = TOP + i * ROW_H
            pos[n] = (x, y)
            name = graph.nodes[n].get("name", n)
            nodes.append({"id": n, "x": x - NODE_W / 2, "y": y, "w": NODE_W, "h": NODE_H, "tx": x, "ty": y + 17,
                          "label": name if len(name) <= 30 else name[:29] + "…", "name": name,
                          "k": index.get(n, 0), "type": kind})
    placed = []
    for s, d in edges:
        (x1, y1), (x2, y2) = pos[s], pos[d]
        data = graph.edges[s, d]
        sx, sy, ex, ey = x1 + NODE_W / 2, y1 + NODE_H / 2, x2 - NODE_W / 2, y2 + NODE_H / 2
        mid = (sx + ex) / 2
        placed.append({"src": s, "dst": d, "path": f"M{sx:.0f},{sy:.0f} C{mid:.0f},{sy:.0f} {mid:.0f},{ey:.0f} {ex:.0f},{ey:.0f}",
                       "width": min(6.0, 1.0 + data.get("segments", 0) / 10), "hypothesised": (s, d) in named,
                       "segments": data.get("segments", 0), "sources": data.get("sources", 0),
                       "cases": data.get("cases", 0)})
    height = TOP + max((len(m) for m in rows.values()), default=1) * ROW_H + 10
    return {"nodes": nodes, "edges": placed, "width": 960, "height": height}


def page(request: Request):
    target = request.query_params.get("evidence", "")
    with common.open_store(request) as store:
        state = common.require_text(store, request)
        _, cb = lib.current_codebook(store)
        graph = cmo.build_graph(store, cb)
        # Researcher evidence first, then human co-occurrence; unreviewed auto co-occurrence never sets a status.
        assessments = appraisal.assess_project(store, cb)
        current = appraisal.current_codebook(store, cb)
        evidence, total = [], 0
        if target:
            table = cmo.evidence_table(store, cb, target)
            total = len(table)
            evidence = table.head(SHOWN_EVIDENCE).to_dict("records")
    configs = {t.id: t for t in current.theory}
    return common.render(request, "configurations.html", text_state=state, assessments=assessments,
                         configs=configs, picture=graph_picture(graph, cb), target=target, evidence=evidence,
                         total=total, shown=SHOWN_EVIDENCE, codes=cb.by_id)
