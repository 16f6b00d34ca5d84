"""Team mode's own pages: who is assigned to which source (and blind), managed by leads; consensus decisions.

Every write here is a lead's, made through :mod:`ipe.team` (which checks the role again and writes the audit log);
these views parse the form, call it, and go back to the page they came from.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse

from ipe import accounts, team
from ipe.errors import IpeError
from ipe.web.views import common


def page(request: Request):
    """The assignments: all of them for a lead (with the forms to change them), one's own for anyone else."""
    who = common.identity(request)
    with common.open_store(request) as store:
        if who.user is not None and who.role != "lead":
            rows = team.assignments(store, coder=who.coder) if who.role == "coder" else []
            users, sources = [], []
        else:
            rows = team.assignments(store)
            users = accounts.users(store)
            sources = store.source_ids()
    return common.render(request, "team.html", rows=rows, users=users, sources=sources)


def _one(form: dict, name: str) -> str:
    value = (form.get(name) or [""])[0].strip()
    if not value:
        raise IpeError(f"give a {name}")
    return value


def _many(form: dict, name: str) -> list[str]:
    values = [v.strip() for v in form.get(name, []) if v.strip()]
    if not values:
        raise IpeError(f"choose at least one {name.rstrip('s')}")
    return values


async def _lead_write(request: Request, write) -> RedirectResponse:
    """Parse the form, check the signed-in user is a lead, run ``write(store, form, lead)``; back to the team page."""
    form = await common.form_body(request)
    common.require_lead(request)
    lead = common.identity(request).user  # ipe.team checks again that this user is a lead now

    def run():
        with common.open_store(request) as store:
            write(store, form, lead)

    await run_in_threadpool(run)
    return RedirectResponse("/team", status_code=303)


async def assign(request: Request):
    """Assign sources to coders: ``sources``, ``coders`` (each repeated), ``blind`` (a checkbox)."""
    return await _lead_write(request, lambda store, form, lead: team.assign(
        store, _many(form, "sources"), _many(form, "coders"), blind=bool(form.get("blind")), actor=lead))


async def unassign(request: Request):
    """Take sources back from coders (their codings stay): ``sources``, ``coders``."""
    return await _lead_write(request, lambda store, form, lead: team.unassign(
        store, _many(form, "sources"), _many(form, "coders"), actor=lead))


async def unblind(request: Request):
    """End blind coding of sources: every coder on them sees the others' codings from now on."""
    return await _lead_write(request, lambda store, form, lead: team.unblind(store, _many(form, "sources"),
                                                                             actor=lead))


async def resolve(request: Request):
    """Settle one disagreement: ``source``, ``code``, ``kept`` (a coding id, or ``none``), ``reason``; back to the
    agreement page with the same coders and unit."""
    form = await common.form_body(request)
    common.require_lead(request)
    lead = common.identity(request).user  # ipe.team checks again that this user is a lead now
    kept = _one(form, "kept")
    if kept != "none" and not kept.isdigit():
        raise IpeError("keep one coder's coding, or none")
    reason = _one(form, "reason")
    start, end = (form.get("start") or [""])[0], (form.get("end") or [""])[0]
    span = (int(start), int(end)) if kept == "none" and start.isdigit() and end.isdigit() else None

    def run():
        with common.open_store(request) as store:
            team.resolve(store, _one(form, "source"), _one(form, "code"),
                         kept_coding_id=None if kept == "none" else int(kept), reason=reason, actor=lead,
                         span=span)

    await run_in_threadpool(run)
    back = [("coders", c) for c in form.get("coders", [])] + [("unit", u) for u in form.get("unit", [])[:1]]
    return RedirectResponse("/agreement" + (f"?{urlencode(back)}" if back else ""), status_code=303)
