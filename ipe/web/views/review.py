"""The review queue: auto codings and suggestions one at a time, in context, decided with the keyboard."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from ipe import annotate
from ipe import project as lib
from ipe import in_force
from ipe.errors import IpeError, NotFound
from ipe.web.views import common


def queue(store, request: Request, auto_coder: str = "") -> list:
    """The codings to review, in reading order: every auto coder's codings in force and suggestions, or one auto
    coder's (as far as this request may see them)."""
    kinds = store.coders()
    auto = [n for n, k in kinds.items() if k == "auto"]
    if auto_coder:
        if auto_coder not in auto:
            raise NotFound(f"no auto coder '{auto_coder}' in the project")
        auto = [auto_coder]
    if not auto:
        return []
    # Suggestions (status 'suggested') are never codings in force, but they are what a reviewer is asked to judge.
    items = in_force.current_codings(store, coders=auto) + in_force.current_codings(store, coders=auto,
                                                                                   status="suggested")
    items.sort(key=lambda c: (c.source_id, c.start, c.end, c.code_id, c.coder))
    return common.visible(store, request, items)


def decisions(store, reviewer: str) -> dict:
    """``(auto coder, source, start, end, code)`` → the reviewer's decision."""
    return {tuple(r[1:6]): r[6] for r in store.reviews() if r[0] == reviewer}


def _key(c) -> tuple:
    return (c.coder, c.source_id, c.start, c.end, c.code_id)


def next_pending(items: list, decided: dict, after: int) -> int | None:
    """The id of the first undecided item after position ``after`` (wrapping round), or None when all are decided."""
    n = len(items)
    for step in range(1, n + 1):
        c = items[(after + step) % n]
        if _key(c) not in decided:
            return c.id
    return None


def page(request: Request):
    me = common.identity(request).coder
    auto_coder = request.query_params.get("coder", "")
    with common.open_store(request) as store:
        state = common.require_text(store, request)
        _, cb = lib.current_codebook(store)
        items = queue(store, request, auto_coder)
        decided = decisions(store, me) if me else {}
        position = {c.id: i for i, c in enumerate(items)}
        at = request.query_params.get("at", "")
        if at:
            if not at.isdigit() or int(at) not in position:
                raise NotFound(f"coding {at} is not in this review queue")
            index = position[int(at)]
        else:
            first = next_pending(items, decided, -1) if items else None
            index = position[first] if first is not None else (0 if items else None)
        context = None
        if index is not None:
            item = items[index]
            src = store.source(item.source_id)
            turn = next((t for t in src.turns if t.start <= item.start < max(t.end, t.start + 1)), None)
            a, b = (turn.start, turn.end) if turn else (max(0, item.start - 300), min(len(src.text), item.end + 300))
            a, b = min(a, item.start), max(b, item.end)
            code = cb.by_id.get(item.code_id)
            context = {
                "item": item, "src": src, "turn": turn, "code": code, "before": src.text[a:item.start],
                "quote": src.text[item.start:item.end], "after": src.text[item.end:b],
                "decision": decided.get(_key(item)), "layer": common.layer_of(item, me, store.coders()),
                "next": next_pending(items, decided, index), "k": common.code_index(cb).get(item.code_id, 0),
            }
    done = sum(1 for c in items if _key(c) in decided)
    auto_coders = sorted({c.coder for c in items})
    return common.render(request, "review.html", text_state=state, ctx=context, total=len(items), done=done,
                         auto_coder=auto_coder, auto_coders=auto_coders, position=(index or 0) + 1)


async def decide(request: Request):
    """Record a decision: ``{coding, decision: accept|reject, version}``; answers with the next coding waiting."""
    body = await common.json_body(request)
    return await run_in_threadpool(_decide, request, body)


def _decide(request: Request, body: dict):
    if "coding" not in body or "decision" not in body:
        common.require_writer(request)
        raise IpeError("give 'coding' and 'decision'")
    auto_coder = str(body.get("queue") or "")
    version = body.get("version")
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
        raise IpeError("version must be a whole number")
    with common.open_store(request) as store:
        target = common.visible_coding(store, request, body["coding"])
        reviewer = common.require_writer(request, store, target.source_id)
        result = annotate.decide(store, target.id, str(body["decision"]), reviewer, expected_version=version)
        items = queue(store, request, auto_coder)
        position = {c.id: i for i, c in enumerate(items)}
        following = (next_pending(items, decisions(store, reviewer), position[result["coding"]])
                     if result["coding"] in position else None)
    return JSONResponse({**result, "next": following})
