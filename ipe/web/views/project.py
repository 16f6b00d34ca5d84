"""The project page: sources and how much each coder has coded, what waits for review, the codebook tree."""

from __future__ import annotations

from starlette.requests import Request

from ipe import project as lib
from ipe import in_force
from ipe.web.views import common


def _covered(spans: list[tuple[int, int]]) -> int:
    """Characters covered by a set of spans, overlaps counted once."""
    total, reach = 0, -1
    for start, end in sorted(spans):
        if end > reach:
            total += end - max(start, reach)
            reach = end
    return total


def pending_reviews(store, reviewer: str, request=None) -> dict[str, int]:
    """Auto coder → how many of its codings in force ``reviewer`` has not decided yet (of those they may see)."""
    kinds = store.coders()
    decided = {(r[1], r[2], r[3], r[4], r[5]) for r in store.reviews() if r[0] == reviewer}
    out: dict[str, int] = {}
    auto = in_force.current_codings(store, coders=[n for n, k in kinds.items() if k == "auto"])
    for c in (common.visible(store, request, auto) if request is not None else auto):
        if (c.coder, c.source_id, c.start, c.end, c.code_id) not in decided:
            out[c.coder] = out.get(c.coder, 0) + 1
    return out


def code_tree(codebook, counts: dict[str, dict[str, int]]) -> list[dict]:
    """The codebook in tree order: each code with its depth and its counts per layer."""
    children: dict = {}
    for c in codebook.codes:
        children.setdefault(c.parent if c.parent in codebook.by_id else None, []).append(c)
    rows: list[dict] = []

    def walk(parent, depth):
        for c in children.get(parent, []):
            rows.append({"code": c, "depth": depth, "counts": counts.get(c.id, {})})
            walk(c.id, depth + 1)

    walk(None, 0)
    return rows


def page(request: Request):
    me = common.identity(request).coder
    with common.open_store(request) as store:
        _, cb = lib.current_codebook(store)
        kinds = store.coders()
        codings = common.visible(store, request, in_force.current_codings(store))
        spans: dict = {}
        counts: dict = {}
        for c in codings:
            spans.setdefault((c.source_id, c.coder), []).append((c.start, c.end))
            layer = common.layer_of(c, me, kinds)
            per = counts.setdefault(c.code_id, {})
            per[layer] = per.get(layer, 0) + 1
        human = sorted(n for n, k in kinds.items() if k == "human")
        if me and me not in human:
            human.append(me)
        lengths = {s.id: len(s.text) for s in store.iter_sources(structure=False)}
        sources = []
        for row in store.source_summaries():
            a = row["attributes"]
            coded = {}
            for coder in human:
                mine = spans.get((row["id"], coder), [])
                share = _covered(mine) / lengths[row["id"]] if lengths.get(row["id"]) else 0
                coded[coder] = {"codings": len(mine), "share": share}
            sources.append({**row, "case": a.get("case", ""), "role": a.get("role", ""),
                            "agency": a.get("agency", ""), "data_type": a.get("data_type", ""), "coded": coded})
        waiting = pending_reviews(store, me, request) if me else {}
        state = common.text_state(store, request)
    return common.render(request, "project.html", sources=sources, coders=human, kinds=kinds, waiting=waiting,
                         tree=code_tree(cb, counts), index=common.code_index(cb), codebook=cb, text_state=state,
                         layer_labels=common.LAYER_LABELS)
