"""The configurations page: each configuration with its status, researcher evidence and co-occurrence candidates;
the CMO graph as SVG; and the evidence edits (link a passage, promote or dismiss a candidate, unlink).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from ipe import annotate, appraisal, cmo
from ipe import evidence as lib_evidence
from ipe import project as lib
from ipe.errors import Forbidden, IpeError, NotFound
from ipe.records import ELEMENTS, RELATIONS
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
                       "width": min(4.0, 0.8 + data.get("segments", 0) / 25), "hypothesised": (s, d) in named,
                       "segments": data.get("segments", 0), "sources": data.get("sources", 0),
                       "cases": data.get("cases", 0)})
    height = TOP + max((len(m) for m in rows.values()), default=1) * ROW_H + 10
    return {"nodes": nodes, "edges": placed, "width": 960, "height": height}


def page(request: Request):
    target = request.query_params.get("evidence", "")
    chosen = request.query_params.get("config", "")
    with common.open_store(request) as store:
        state = common.require_text(store, request)
        if common.blind_sources(store, request):
            # Its graph, statuses and candidates pool every coder's codings: nothing here can be cut per coder.
            raise Forbidden("the configurations page pools every coder's codings, so it opens once a lead has "
                            "unblinded the sources you code blind")
        _, cb = lib.current_codebook(store)
        configs = {t.id: t for t in appraisal.current_codebook(store, cb).theory}
        if chosen and chosen not in configs:
            raise NotFound(f"no configuration '{chosen}' in the theory")
        graph = cmo.build_graph(store, cb)
        # Researcher evidence first, then human co-occurrence; unreviewed auto co-occurrence never sets a status.
        assessments = appraisal.assess_project(store, cb)
        held: dict = {}
        for item in store.evidence():
            held.setdefault(item.config_id, []).append(item)
        found = lib_evidence.candidates(store, cb, chosen or None)
        pointers: dict = {}
        for c in found:
            pointers.setdefault(c.config_id, []).append(c)
        evidence, total = [], 0
        if target:
            table = cmo.evidence_table(store, cb, target)
            total = len(table)
            evidence = table.head(SHOWN_EVIDENCE).to_dict("records")
    return common.render(request, "configurations.html", text_state=state, assessments=assessments,
                         configs=configs, picture=graph_picture(graph, cb), target=target, evidence=evidence,
                         total=total, shown=SHOWN_EVIDENCE, codes=cb.by_id, held=held, pointers=pointers,
                         chosen=chosen, relations=RELATIONS, elements=ELEMENTS)


def _text(body: dict, name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise IpeError(f"give a {name}")
    return value


async def link(request: Request):
    """Link the selected passage to a configuration: ``{config, relation, elements, rationale, source, start, end,
    quote}``; the offsets are checked against the quote and snapped to words as a coding's are."""
    common.require_writer(request)
    body = await common.json_body(request)
    with common.open_store(request) as store:
        _, cb = lib.current_codebook(store)
        source_id = _text(body, "source")
        coder = common.require_writer(request, store, source_id)
        text = store.source(source_id, structure=False).text
        start, end = annotate.check_span(text, body.get("start"), body.get("end"), body.get("quote"))
        item = lib_evidence.link(store, cb, _text(body, "config"), _text(body, "relation"), body.get("elements") or "",
                                 _text(body, "rationale"), source=source_id, start=start, end=end, actor=coder)
    return JSONResponse({"evidence": item.id, "ref": item.ref}, status_code=201)


async def promote(request: Request):
    """Promote a co-occurrence candidate to evidence: ``{key, relation, rationale}`` (a lead's work in team mode)."""
    coder = common.require_lead(request)
    body = await common.json_body(request)
    with common.open_store(request) as store:
        _, cb = lib.current_codebook(store)
        item = lib_evidence.promote(store, cb, _text(body, "key"), _text(body, "relation"), _text(body, "rationale"),
                                    actor=coder)
    return JSONResponse({"evidence": item.id}, status_code=201)


async def dismiss(request: Request):
    """Dismiss a candidate: ``{key, note}`` (a lead's work in team mode)."""
    coder = common.require_lead(request)
    body = await common.json_body(request)
    with common.open_store(request) as store:
        _, cb = lib.current_codebook(store)
        c = lib_evidence.dismiss(store, cb, _text(body, "key"), _text(body, "note"), actor=coder)
    return JSONResponse({"dismissed": c.key})


async def unlink(request: Request):
    """Unlink an evidence item (a lead's work in team mode)."""
    coder = common.require_lead(request)
    with common.open_store(request) as store:
        item = lib_evidence.unlink(store, request.path_params["evidence_id"], actor=coder)
    return JSONResponse({"unlinked": item.id})
