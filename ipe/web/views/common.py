"""What every view shares: the store per request, the codebook, rendering, layers, colours and error responses."""

from __future__ import annotations

import contextlib
import json
import logging
import re
import threading
from typing import Iterator
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from ipe import project as lib
from ipe import team
from ipe.errors import CodingError, Conflict, Forbidden, IpeError, NotFound, ProjectBusy
from ipe.store import Store
from ipe.web.security import cookie_value, csrf_token

log = logging.getLogger("ipe.web")

LAYERS = ("mine", "other", "auto", "suggestion")
LAYER_LABELS = {"mine": "Mine", "other": "Other coders", "auto": "Auto", "suggestion": "Suggestions"}
# One letter per layer names its CSS colour variable and class prefix (see codes_css).
LAYER_KEYS = {"mine": "m", "other": "o", "auto": "a", "suggestion": "g"}
TYPE_COLOURS = {"context": "#2b6cb0", "mechanism": "#b7791f", "outcome": "#2f855a", "group": "#9b2c7a",
                "component": "#4a5568", "function": "#6b46c1", "theme": "#718096"}
_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


class TextHidden(IpeError):
    """The project is not pseudonymised and the workbench was not started to show identifiable text."""


def settings(request: Request):
    return request.app.state.settings


def identity(request: Request):
    return request.app.state.identify(request)


_held = threading.local()


@contextlib.contextmanager
def project_store(project) -> Iterator[Store]:
    """The project's store for one piece of a request, kept open in this server thread between requests.

    Opening a store (a connection, the schema version check) costs more than most requests, and a PostgreSQL
    connection most of all; SQLite connections must stay in the thread that opened them, so each thread keeps its
    own. The store holds no data between requests (every read goes to the database). Anything raised while it is in
    use closes it, so the next request starts from a fresh connection.
    """
    stores = _held.__dict__.setdefault("stores", {})
    key = str(project)
    store = stores.pop(key, None) or lib.open_store(project)
    try:
        yield store
    except BaseException:
        store.close()
        raise
    stores[key] = store


def open_store(request: Request):
    """The project's store for one request (see :func:`project_store`)."""
    return project_store(settings(request).project)


def text_state(store: Store, request: Request) -> str:
    """``pseudonymised``, ``identifiable`` (shown by explicit choice) or ``hidden``."""
    if store.get_meta("pseudonymised") == "yes":
        return "pseudonymised"
    return "identifiable" if settings(request).identifiable else "hidden"


def require_text(store: Store, request: Request) -> str:
    state = text_state(store, request)
    if state == "hidden":
        raise TextHidden("this project is not pseudonymised, so its text is identifiable: run 'ipe anonymise' "
                         "first, or start 'ipe serve --identifiable' to show it (marked on every page)")
    return state


def layer_of(coding, me: str, kinds: dict) -> str:
    """Which layer a coding is drawn in: the viewer's own, another human's, the rule coder's, or a suggestion."""
    if coding.coder == me:
        return "mine"
    if kinds.get(coding.coder) != "auto":
        return "other"
    return "auto" if coding.provenance.startswith("rule") else "suggestion"


def colour(code) -> str:
    if code.colour and _HEX.match(code.colour):
        return code.colour
    return TYPE_COLOURS.get(code.type, "#4a5568")


def code_index(codebook) -> dict[str, int]:
    """Code id → its position, which names its colour classes (ids themselves never reach the CSS)."""
    return {c.id: i for i, c in enumerate(codebook.codes)}


def codes_css(request: Request) -> Response:
    """Colour classes per code and layer, as a stylesheet (the CSP allows no inline styles)."""
    with open_store(request) as store:
        _, cb = lib.current_codebook(store)
    lines = []
    for i, code in enumerate(cb.codes):
        hexa = colour(code)
        lines.append(f".k{i}{{--k:{hexa}}}" + "".join(f".{key}{i}{{--{key}:{hexa}}}" for key in LAYER_KEYS.values()))
    return Response("\n".join(lines) + "\n", media_type="text/css")


def render(request: Request, template: str, status_code: int = 200, **context) -> HTMLResponse:
    s = settings(request)
    env = request.app.state.templates
    base = {"request": request, "token": csrf_token(s.secret, cookie_value(request.headers)),
            "me": identity(request), "team": request.app.state.team, "project_name": s.project.name,
            "path": request.url.path, "text_state": context.pop("text_state", None)}
    html = env.get_template(template).render(**base, **context)
    return HTMLResponse(html, status_code=status_code)


async def json_body(request: Request) -> dict:
    try:
        body = json.loads(await request.body() or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise IpeError("the request is not valid JSON") from None
    if not isinstance(body, dict):
        raise IpeError("the request must be a JSON object")
    return body


async def form_body(request: Request) -> dict[str, list[str]]:
    """A plain HTML form's fields (``application/x-www-form-urlencoded``; each name to its values in order).

    Parsed here with the standard library: the forms ipe serves post no files, so no multipart parser is needed.
    """
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        raise IpeError("the request is not a form")
    return parse_qs((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)


def require_writer(request: Request, store: Store | None = None, source_id: str | None = None) -> str:
    """The coder name a write goes under: the signed-in user in team mode, who must not be a viewer and, for a
    write to a source, must be allowed to write there (:func:`ipe.team.may_write`: leads, and assigned coders)."""
    who = identity(request)
    if who.user is None:
        if not who.can_write:
            raise IpeError("read-only: start the workbench with --coder NAME to code")
        return who.coder
    if not who.can_write:
        raise Forbidden(f"{who.coder} is a {who.role}: a {who.role} reads only")
    if source_id is not None and not team.may_write(who.user, store, source_id):
        raise Forbidden(f"{who.coder} is not assigned to source {source_id}: a lead assigns sources to coders")
    return who.coder


def require_lead(request: Request) -> str:
    """The lead's name, for what only leads do in team mode (assignments, blinding, consensus, theory work)."""
    who = identity(request)
    if who.user is not None and who.role != "lead":
        raise Forbidden(f"{who.coder} is a {who.role}: only a lead does this")
    if not who.can_write:
        raise IpeError("read-only: start the workbench with --coder NAME to code")
    return who.coder


def visible(store: Store, request: Request, codings: list) -> list:
    """The codings this request may see: all in local mode; in team mode none of another coder's in blind mode."""
    user = identity(request).user
    return list(codings) if user is None else team.filter_visible(store, user, codings)


def visible_coding(store: Store, request: Request, coding_id):
    """One coding by id, as :func:`visible` allows it: one hidden in blind mode is answered as not there at all."""
    try:
        coding = store.coding(int(coding_id))
    except (TypeError, ValueError):
        raise NotFound(f"no coding {coding_id!r} in the project") from None
    if not visible(store, request, [coding]):
        raise NotFound(f"no coding {coding.id} in the project")
    return coding


def visible_rows(store: Store, request: Request, table):
    """A table of codings (with ``source`` and ``coder`` columns) cut to the rows :func:`visible` allows."""
    user = identity(request).user
    if user is None or table.empty:
        return table
    allowed = {sid: team.visible_coders(store, user, sid) for sid in set(table["source"])}
    keep = [allowed[sid] is None or coder in allowed[sid] for sid, coder in zip(table["source"], table["coder"])]
    return table[keep].reset_index(drop=True)


def blind_sources(store: Store, request: Request) -> set[str]:
    """Sources where this request sees only some coders (blind double coding, not yet unblinded)."""
    user = identity(request).user
    if user is None:
        return set()
    return {sid for sid in store.source_ids() if team.visible_coders(store, user, sid) is not None}


def _status(exc: IpeError) -> int:
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, Forbidden):
        return 403
    if isinstance(exc, ProjectBusy):
        return 503
    if isinstance(exc, TextHidden):
        return 403
    return 409 if isinstance(exc, (CodingError, Conflict)) else 400


def _wants_json(request: Request) -> bool:
    """API calls and the pages' script writes answer JSON; a page, or a plain HTML form posted, answers a page."""
    if request.url.path.startswith("/api/"):
        return True
    form = request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded")
    return request.method != "GET" and not form


def message_of(exc: IpeError) -> str:
    return " ".join(str(exc).split())


async def ipe_error(request: Request, exc: IpeError) -> Response:
    """A library error a user can cause: a short message, in the page or as JSON; the store is unchanged."""
    status = _status(exc)
    if _wants_json(request):
        body = {"error": message_of(exc)}
        if isinstance(exc, Conflict):
            body["conflict"] = True  # the page keeps this message up until the user reloads
        return JSONResponse(body, status_code=status)
    return render(request, "error.html", status_code=status, message=message_of(exc))


async def http_error(request: Request, exc) -> Response:
    message = "No such page." if exc.status_code == 404 else (exc.detail or "Request refused.")
    if _wants_json(request):
        return JSONResponse({"error": message}, status_code=exc.status_code)
    return render(request, "error.html", status_code=exc.status_code, message=message)


async def server_error(request: Request, exc: Exception) -> Response:
    """Anything unexpected: logged here, never shown (no stack trace leaves the server)."""
    log.exception("error serving %s", request.url.path)
    message = "Something went wrong on the server; nothing was changed. The details are in the server's log."
    if _wants_json(request):
        return JSONResponse({"error": message}, status_code=500)
    try:
        return render(request, "error.html", status_code=500, message=message)
    except Exception:  # the template itself failed: a bare message still tells the user
        return Response(message, status_code=500, media_type="text/plain")
