"""The quote bank: coded segments filtered by code, type, case, role and coder; downloadable as CSV or Excel."""

from __future__ import annotations

import tempfile
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

from ipe import exporters
from ipe import project as lib
from ipe import tables
from ipe.errors import IpeError
from ipe.records import CODE_TYPES
from ipe.web.views import common

FILTERS = ("code", "type", "case", "role", "coder")
SHOWN = 500
DOWNLOADS = {"csv": "text/csv; charset=utf-8",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _filters(request: Request) -> dict:
    return {key: request.query_params.get(key, "").strip() for key in FILTERS}


def filtered_bank(store, codebook, chosen: dict, request: Request):
    """The quote bank with the page's filters applied (through the library's own filters), as this request may
    see it: in team mode no row of another coder's on a source still blind to the user."""
    if chosen["type"] and chosen["type"] not in CODE_TYPES:
        raise IpeError(f"unknown code type '{chosen['type']}'")
    if chosen["code"] and chosen["code"] not in codebook.by_id:
        raise IpeError(f"no code '{chosen['code']}' in the codebook")
    bank = tables.quote_bank(store, codebook, coders=[chosen["coder"]] if chosen["coder"] else None,
                             codes=[chosen["code"]] if chosen["code"] else None,
                             types=[chosen["type"]] if chosen["type"] else None,
                             attributes={"case": chosen["case"], "role": chosen["role"]})
    return common.visible_rows(store, request, bank)


def page(request: Request):
    chosen = _filters(request)
    with common.open_store(request) as store:
        state = common.require_text(store, request)
        _, cb = lib.current_codebook(store)
        bank = filtered_bank(store, cb, chosen, request)
        attrs = store.source_attributes()
        cases = sorted({a["case"] for a in attrs.values() if a.get("case")})
        roles = sorted({a["role"] for a in attrs.values() if a.get("role")})
        coders = sorted(store.coders())
    rows = bank.head(SHOWN).to_dict("records")
    query = request.url.query
    return common.render(request, "quotes.html", text_state=state, rows=rows, total=len(bank), shown=SHOWN,
                         chosen=chosen, codes=cb.codes, types=CODE_TYPES, cases=cases, roles=roles, coders=coders,
                         index=common.code_index(cb), query=query)


def download(request: Request):
    fmt = request.path_params["fmt"]
    if fmt not in DOWNLOADS:
        raise IpeError(f"download as csv or xlsx, not '{fmt}'")
    chosen = _filters(request)
    with common.open_store(request) as store:
        common.require_text(store, request)
        _, cb = lib.current_codebook(store)
        bank = filtered_bank(store, cb, chosen, request)
    with tempfile.TemporaryDirectory() as tmp:
        paths = exporters.write(fmt, {"quote-bank": bank}, Path(tmp) / "quote-bank", title="Quote bank")
        data = paths[0].read_bytes()
    return Response(data, media_type=DOWNLOADS[fmt],
                    headers={"content-disposition": f'attachment; filename="quote-bank.{fmt}"'})
