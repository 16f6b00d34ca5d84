"""The source page: the transcript turn by turn with codings drawn by layer; and the coding edits behind it."""

from __future__ import annotations

from markupsafe import Markup, escape
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from ipe import annotate, team, theory
from ipe import project as lib
from ipe import in_force
from ipe.errors import IpeError, NotFound
from ipe.records import ELEMENTS, RELATIONS, reference
from ipe.web.views import common

KEYS = common.LAYER_KEYS


def blocks(text: str, turns: list) -> list[tuple]:
    """``(kind, start, end, turn)`` covering the whole text in order.

    ``turn`` blocks hold a turn's speech; ``note`` blocks the text between turns (headings, stage directions);
    ``hidden`` blocks what is drawn elsewhere or is only white space (a turn's label, shown as its header), kept
    in the page so every character offset of the text is in it exactly once.
    """
    out, pos = [], 0
    for t in sorted(turns, key=lambda t: t.start):
        if t.start < pos:
            continue
        if t.start > pos:
            gap = text[pos:t.start]
            cut = pos + (gap.rfind("\n") + 1 if t.speaker else len(gap))
            if cut > pos:
                out.append(("note" if text[pos:cut].strip() else "hidden", pos, cut, None))
            if t.start > cut:
                out.append(("hidden", cut, t.start, None))
        out.append(("turn", t.start, t.end, t))
        pos = t.end
    if pos < len(text):
        out.append(("note" if text[pos:].strip() else "hidden", pos, len(text), None))
    return out


def _segment_html(text: str, start: int, end: int, active: list, index: dict) -> str:
    piece = escape(text[start:end])
    if not active:
        return f'<span data-s="{start}">{piece}</span>'
    classes, ids = [], []
    best: dict = {}
    for layer, c in active:
        ids.append(str(c.id))
        if layer not in best or c.end - c.start < best[layer].end - best[layer].start:
            best[layer] = c
    for layer, c in best.items():
        key = KEYS[layer]
        classes.append(f"L{key} {key}{index.get(c.code_id, 0)}")
    return f'<span data-s="{start}" class="h {" ".join(classes)}" data-c="{" ".join(ids)}">{piece}</span>'


def transcript(text: str, turns: list, placed: list, index: dict, memos_by_turn: dict) -> Markup:
    """The transcript as HTML: one sweep over the text, cutting it wherever a coding or a block starts or ends.

    ``placed`` is ``[(layer, coding)]``. Every piece of text is escaped; attributes hold only numbers and the
    fixed class names built here.
    """
    parts = blocks(text, turns)
    cuts = {0, len(text)}
    for _, s, e, _ in parts:
        cuts.update((s, e))
    for _, c in placed:
        cuts.update((max(0, c.start), min(len(text), c.end)))
    cuts = sorted(x for x in cuts if 0 <= x <= len(text))
    starts = sorted(placed, key=lambda p: p[1].start)
    chips: dict[int, list] = {}
    html: list[str] = []
    active: list = []
    k = 0
    cut_i = 0
    for kind, b_start, b_end, turn in parts:
        body: list[str] = []
        while cut_i < len(cuts) - 1 and cuts[cut_i] < b_end:
            x, y = cuts[cut_i], cuts[cut_i + 1]
            while k < len(starts) and starts[k][1].start <= x:
                active.append(starts[k])
                if kind == "turn":
                    chips.setdefault(turn.n, []).append(starts[k])
                k += 1
            active = [p for p in active if p[1].end > x]
            body.append(_segment_html(text, x, y, [p for p in active if p[1].start < y], index))
            cut_i += 1
        inner = "".join(body)
        if kind == "hidden":
            html.append(f'<span class="hid">{inner}</span>')
        elif kind == "note":
            html.append(f'<div class="note"><div class="speech">{inner}</div></div>')
        else:
            html.append(_turn_html(turn, inner, chips.get(turn.n, []), index, memos_by_turn.get(turn.n, [])))
    return Markup("".join(html))


def _turn_html(turn, inner: str, chips: list, index: dict, memos: list) -> str:
    role = turn.role or ""
    who = escape(turn.speaker or "")
    head = ""
    if turn.speaker:
        role_html = f' <span class="role">{escape(role)}</span>' if role else ""
        time_html = f' <span class="time">{escape(turn.time)}</span>' if turn.time else ""
        head = f'<div class="who">{who}{role_html}{time_html}</div>'
    groups: dict = {}
    for layer, c in chips:
        groups.setdefault((layer, c.code_id), []).append(c)
    chip_html = "".join(
        f'<button type="button" class="chip L{KEYS[layer]} k{index.get(code_id, 0)}" '
        f'data-ids="{" ".join(str(c.id) for c in group)}" '
        f'title="{escape(code_id)} · {escape(", ".join(sorted({c.coder for c in group})))}">{escape(code_id)}'
        f'{f" <span>×{len(group)}</span>" if len(group) > 1 else ""}</button>'
        for (layer, code_id), group in groups.items()
    )
    memo_html = "".join(f'<p class="memo"><b>{escape(m.author)}</b> {escape(m.text)}</p>' for m in memos)
    interviewer = " interviewer" if role == "interviewer" else ""
    return (f'<section class="turn{interviewer}" id="t{turn.n}" data-turn="{turn.n}">'
            f'<div class="tn"><button type="button" class="tmemo" data-turn="{turn.n}" '
            f'title="Memo on this turn">{turn.n}</button></div>'
            f'<div class="tbody">{head}<div class="speech">{inner}</div>{memo_html}</div>'
            f'<div class="margin">{chip_html}</div></section>')


def visible_layers(request: Request) -> list[str]:
    asked = request.query_params.getlist("layer")
    return [layer for layer in common.LAYERS if layer in asked] if asked else list(common.LAYERS)


def layers(store, request: Request, source_id: str) -> dict:
    """What the page draws of a source's codings, as this request may see them: the transcript's HTML, the
    codings by id, the counts per layer, and the change-feed position they reflect (for live updates)."""
    me = common.identity(request).coder
    since = store.last_audit_id()  # the change feed's position this drawing reflects
    src = store.source(source_id)
    _, cb = lib.current_codebook(store)
    kinds = store.coders()
    index = common.code_index(cb)
    shown = common.visible(store, request, in_force.current_codings(store, sources=[source_id]))
    placed = [(common.layer_of(c, me, kinds), c) for c in shown]
    turn_memos: dict = {}
    for m in store.memos("turn"):
        sid, _, n = m.target.rpartition("#")
        if sid == source_id and n.isdigit():
            turn_memos.setdefault(int(n), []).append(m)
    return {"src": src, "codebook": cb, "index": index, "since": since,
            "transcript": transcript(src.text, src.turns, placed, index, turn_memos),
            "counts": {layer: sum(1 for p in placed if p[0] == layer) for layer in common.LAYERS},
            "codings": {c.id: [c.code_id, c.coder, layer, c.start, c.end, c.version] for layer, c in placed}}


def page(request: Request):
    source_id = request.path_params["source_id"]
    with common.open_store(request) as store:
        store.source(source_id, structure=False)
        state = common.require_text(store, request)
        drawn = layers(store, request, source_id)
        source_memos = store.memos("source", source_id)
        ids = store.source_ids()
        configs = theory.current(store, drawn["codebook"])
        who = common.identity(request)
        may_write = who.can_write and (who.user is None or team.may_write(who.user, store, source_id))
        blind = source_id in common.blind_sources(store, request)
    index, cb = drawn["index"], drawn["codebook"]
    codes = [{"id": c.id, "name": c.name, "type": c.type, "description": c.description, "include": c.include,
              "exclude": c.exclude, "k": index[c.id]} for c in cb.codes if c.type != "theme"]
    focus = request.query_params.get("focus", "")
    pos = ids.index(source_id)
    return common.render(
        request, "source.html", src=drawn["src"], text_state=state, transcript=drawn["transcript"],
        counts=drawn["counts"], layers=common.LAYERS, layer_labels=common.LAYER_LABELS,
        shown=visible_layers(request), codes=codes, codings=drawn["codings"], since=drawn["since"], blind=blind,
        may_write=may_write, source_memos=source_memos, focus=focus,
        focus_code=request.query_params.get("code", ""), configs=configs, relations=RELATIONS, elements=ELEMENTS,
        previous=ids[pos - 1] if pos > 0 else None, following=ids[pos + 1] if pos + 1 < len(ids) else None,
    )


def changes(request: Request):
    """The live feed of one source: ``?since=N`` → what changed since, as this request may see it, and, when
    anything did, the layers redrawn (the page swaps them in without a reload)."""
    source_id = request.path_params["source_id"]
    since = request.query_params.get("since", "0")
    if not since.isdigit():
        raise IpeError("since must be a whole number")
    with common.open_store(request) as store:
        store.source(source_id, structure=False)
        common.require_text(store, request)
        newest, entries = team.changes(store, source_id, int(since), user=common.identity(request).user)
        if not entries:
            return JSONResponse({"since": newest, "changes": []})
        drawn = layers(store, request, source_id)
    return JSONResponse({"since": drawn["since"], "changes": entries, "transcript": str(drawn["transcript"]),
                         "codings": drawn["codings"], "counts": drawn["counts"]})


def _coding_json(store, coding, me: str, kinds: dict, codebook, show_text: bool) -> dict:
    code = codebook.by_id.get(coding.code_id)
    memos = store.memos("coding", str(coding.id))
    return {
        "id": coding.id, "source": coding.source_id, "start": coding.start, "end": coding.end,
        "code": coding.code_id, "code_name": code.name if code else "", "coder": coding.coder,
        "layer": common.layer_of(coding, me, kinds), "provenance": coding.provenance,
        "codebook_version": coding.codebook_version, "status": coding.status, "mine": coding.coder == me,
        "version": coding.version,
        "quote": coding.quote if show_text else "", "ref": reference(coding.source_id, coding.start, coding.end),
        "memos": [{"author": m.author, "text": m.text, "at": m.created_at} for m in memos],
    }


def coding_detail(request: Request):
    me = common.identity(request).coder
    with common.open_store(request) as store:
        coding = common.visible_coding(store, request, request.path_params["coding_id"])
        common.require_text(store, request)
        _, cb = lib.current_codebook(store)
        return JSONResponse({"coding": _coding_json(store, coding, me, store.coders(), cb, True)})


def _field(body: dict, name: str):
    if name not in body or body[name] in (None, ""):
        raise IpeError(f"missing '{name}'")
    return body[name]


def _version(body: dict):
    """The version of the coding the page showed (None: the client did not say, so nothing to compare)."""
    value = body.get("version")
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise IpeError("version must be a whole number")
    return value


def _source_of_coding(store, coding_id) -> str:
    try:
        return store.coding(int(coding_id)).source_id
    except (TypeError, ValueError):
        raise NotFound(f"no coding {coding_id!r} in the project") from None


async def add(request: Request):
    """Store a coding from a selection: ``{source, start, end, code, quote}``."""
    body = await common.json_body(request)
    return await run_in_threadpool(_add, request, body)


def _add(request: Request, body: dict):
    with common.open_store(request) as store:
        source_id = str(_field(body, "source"))
        coder = common.require_writer(request, store, source_id)
        coding = annotate.add_coding(store, source_id, _field(body, "start"), _field(body, "end"),
                                     str(_field(body, "code")), coder, quote=body.get("quote"))
        return JSONResponse({"coding": {"id": coding.id, "start": coding.start, "end": coding.end,
                                        "code": coding.code_id, "version": coding.version}}, status_code=201)


async def remove(request: Request):
    """Remove one of your codings: ``{version}`` (the version you saw; a newer one is refused with 409)."""
    body = await common.json_body(request)
    return await run_in_threadpool(_remove, request, body)


def _remove(request: Request, body: dict):
    coding_id = request.path_params["coding_id"]
    with common.open_store(request) as store:
        coder = common.require_writer(request, store, _source_of_coding(store, coding_id))
        coding = annotate.remove_coding(store, coding_id, coder, expected_version=_version(body))
    return JSONResponse({"removed": coding.id})


async def move(request: Request):
    """Move a coding's ends: ``{start, end, quote, version}``."""
    body = await common.json_body(request)
    return await run_in_threadpool(_move, request, body)


def _move(request: Request, body: dict):
    coding_id = request.path_params["coding_id"]
    with common.open_store(request) as store:
        coder = common.require_writer(request, store, _source_of_coding(store, coding_id))
        coding = annotate.move_coding(store, coding_id, _field(body, "start"), _field(body, "end"), coder,
                                      quote=body.get("quote"), expected_version=_version(body))
    return JSONResponse({"coding": {"id": coding.id, "start": coding.start, "end": coding.end,
                                    "version": coding.version}})


MEMO_TARGETS = ("source", "turn", "coding", "configuration")


def _memo_source(store, request: Request, kind: str, target: str):
    """The source a memo is written on (None for a configuration), checked to be one this request may see."""
    if kind == "source":
        return target
    if kind == "turn":
        return target.rpartition("#")[0]
    if kind == "coding":
        return common.visible_coding(store, request, target).source_id
    return None


async def memo(request: Request):
    """Add a memo: ``{kind: source|turn|coding|configuration, target, text}``."""
    body = await common.json_body(request)
    return await run_in_threadpool(_memo, request, body)


def _memo(request: Request, body: dict):
    kind = str(_field(body, "kind"))
    if kind not in MEMO_TARGETS:
        raise IpeError(f"a memo goes on a {', '.join(MEMO_TARGETS)}")
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise IpeError("the memo is empty")
    target = str(_field(body, "target"))
    with common.open_store(request) as store:
        coder = common.require_writer(request, store, _memo_source(store, request, kind, target))
        memo_id = lib.add_memo(store, kind, target, text, coder)
    return JSONResponse({"memo": memo_id}, status_code=201)
