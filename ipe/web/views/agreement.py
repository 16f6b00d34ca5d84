"""The agreement page: per-code agreement between chosen coders, as ``ipe agree`` gives it, and each disagreement."""

from __future__ import annotations

import math

from starlette.requests import Request

from ipe import agreement as lib_agreement
from ipe import team
from ipe.errors import IpeError
from ipe.units import UNIT_KINDS
from ipe.web.views import common

SHOWN_DISAGREEMENTS = 400


def _number(value):
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def options(store, chosen: list, diffs: list) -> None:
    """Give each disagreement the codings a lead may keep: per coder who coded the unit, their coding of that code
    overlapping it (``d["options"]``, a list of ``(coder, coding id)``)."""
    wanted = {(d["source"], d["code"]) for d in diffs}
    if not wanted:
        return
    found: dict = {}
    for c in store.codings(coders=chosen, codes=sorted({code for _, code in wanted}),
                           sources=sorted({sid for sid, _ in wanted})):
        found.setdefault((c.source_id, c.code_id), []).append(c)
    for d in diffs:
        ids = team.overlapping(found.get((d["source"], d["code"]), []), chosen, d["code"], d["start"], d["end"])
        d["options"] = [(coder, kept[0]) for coder, kept in ids.items() if kept]


def page(request: Request):
    with common.open_store(request) as store:
        state = common.require_text(store, request)
        human = sorted(n for n, k in store.coders().items() if k == "human")
        chosen = request.query_params.getlist("coders") or human[:2]
        unit = request.query_params.get("unit", "sentence")
        rows, diffs, total = [], [], 0
        # In blind mode a coder sees no figure of a source still blind to them: agreement is over the rest.
        blind = common.blind_sources(store, request)
        sources = [sid for sid in store.source_ids() if sid not in blind] if blind else None
        if len(chosen) >= 2 and sources != []:
            try:
                table, disagreements = lib_agreement.coder_agreement(store, chosen, unit, sources=sources)
            except ValueError as exc:
                raise IpeError(str(exc)) from None
            rows = [{k: _number(v) for k, v in r.items()} for r in table.to_dict("records")]
            total = len(disagreements)
            diffs = disagreements.head(SHOWN_DISAGREEMENTS).to_dict("records")
            if common.identity(request).lead and common.identity(request).user is not None:
                options(store, chosen, diffs)
                settled = {(r.source_id, r.code_id, r.start, r.end) for r in team.resolutions(store)}
                for d in diffs:
                    d["resolved"] = any(sid == d["source"] and code == d["code"] and s < d["end"] and d["start"] < e
                                        for sid, code, s, e in settled)
    return common.render(request, "agreement.html", text_state=state, coders=human, chosen=chosen, unit=unit,
                         units=UNIT_KINDS, rows=rows, diffs=diffs, total=total, blind=sorted(blind),
                         shown=SHOWN_DISAGREEMENTS)
