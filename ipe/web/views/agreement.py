"""The agreement page: per-code agreement between chosen coders, as ``ipe agree`` gives it, and each disagreement."""

from __future__ import annotations

import math

from starlette.requests import Request

from ipe import agreement as lib_agreement
from ipe.errors import IpeError
from ipe.units import UNIT_KINDS
from ipe.web.views import common

SHOWN_DISAGREEMENTS = 400


def _number(value):
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def page(request: Request):
    with common.open_store(request) as store:
        state = common.require_text(store, request)
        human = sorted(n for n, k in store.coders().items() if k == "human")
        chosen = request.query_params.getlist("coders") or human[:2]
        unit = request.query_params.get("unit", "sentence")
        rows, diffs, total = [], [], 0
        if len(chosen) >= 2:
            try:
                table, disagreements = lib_agreement.coder_agreement(store, chosen, unit)
            except ValueError as exc:
                raise IpeError(str(exc)) from None
            rows = [{k: _number(v) for k, v in r.items()} for r in table.to_dict("records")]
            total = len(disagreements)
            diffs = disagreements.head(SHOWN_DISAGREEMENTS).to_dict("records")
    return common.render(request, "agreement.html", text_state=state, coders=human, chosen=chosen, unit=unit,
                         units=UNIT_KINDS, rows=rows, diffs=diffs, total=total,
                         shown=SHOWN_DISAGREEMENTS)
