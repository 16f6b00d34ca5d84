"""Team mode's sign-in: the session gate in front of every view, the login and logout views, the session cookie.

The cookie holds a random token issued by :func:`ipe.accounts.new_session` at each successful sign-in; the store
keeps only its hash, so a copy of the database signs nobody in. A token the browser held before signing in is never
promoted (a fixed session is refused): signing in always issues a new one and ends the old. The cookie is HttpOnly
(no script reads it), ``SameSite=Strict`` (no other site's page or link carries it, so a cross-site request
arrives signed out even before the Origin and CSRF checks), ``Path=/``, and ``Secure`` whenever people reach the
server over https (its own TLS or the proxy's). Strict rather than Lax: a link to the workbench followed from an
e-mail shows the sign-in page once instead of the page, a fair price for a server of safeguarding transcripts.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from ipe import accounts
from ipe.web import auth
from ipe.web.ratelimit import FailureLimit
from ipe.web.security import SAFE_METHODS, SESSION_COOKIE, cookie_value
from ipe.web.views import common

OPEN_PATHS = ("/login",)
OPEN_PREFIXES = ("/static/",)
VIEWER_POSTS = ("/login", "/logout")
WRONG = "Wrong user name or password."


def is_open(path: str) -> bool:
    """Whether a path is served without a session: the sign-in page and the static assets."""
    return path in OPEN_PATHS or path.startswith(OPEN_PREFIXES)


def _user_of(project, token: str):
    with common.project_store(project) as store:
        return accounts.session_user(store, token)


class SessionGate:
    """ASGI middleware of team mode: every request but the open paths needs a live session.

    A page asked for without one is redirected to the sign-in page; an API call or a write gets 401.
    """

    def __init__(self, app, project):
        self.app = app
        self.project = project

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        token = cookie_value(headers)
        user = await run_in_threadpool(_user_of, self.project, token) if token else None
        scope.setdefault("state", {})["identity"] = auth.of_user(user) if user is not None else None
        path = scope["path"]
        if user is None and not is_open(path):
            if scope["method"] in SAFE_METHODS and not path.startswith("/api/"):
                target = path + (f"?{scope['query_string'].decode('latin-1')}" if scope.get("query_string") else "")
                response = RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
            else:
                response = JSONResponse({"error": "Sign in first: this workbench is in team mode."},
                                        status_code=401)
            await response(scope, receive, send)
            return
        if user is not None and user.role == "viewer" and scope["method"] not in SAFE_METHODS \
                and path not in VIEWER_POSTS:
            # Viewers read: every write is refused here, whatever the endpoint, before any view runs.
            await JSONResponse({"error": f"{user.name} is a viewer: a viewer reads only"},
                               status_code=403)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _next(value: str) -> str:
    """Where to go after signing in: a path on this server only (never another site)."""
    return value if value.startswith("/") and not value.startswith(("//", "/\\")) else "/"


def page(request: Request) -> Response:
    """The sign-in form (a signed-in user goes straight on)."""
    target = _next(request.query_params.get("next", "/"))
    if common.identity(request).user is not None:
        return RedirectResponse(target, status_code=303)
    return common.render(request, "login.html", next=target, message="", name="")


def _sign_in(project, name: str, password: str, old: str):
    with common.project_store(project) as store:
        user = accounts.verify_password(store, name, password)
        if user is None:
            return None
        if old:
            accounts.end_session(store, old)
        return accounts.new_session(store, user.name)


async def login(request: Request) -> Response:
    """Check a name and password: a new session cookie on success; the same message whether the name exists or not."""
    settings = common.settings(request)
    limits: FailureLimit = request.app.state.sign_in_limits
    form = await common.form_body(request)
    name = (form.get("name") or [""])[0].strip()
    password = (form.get("password") or [""])[0]
    target = _next((form.get("next") or ["/"])[0])
    keys = (("name", name.casefold()), ("address", request.client.host if request.client else ""))
    wait = max(limits.retry_after(key) for key in keys)
    if wait:
        minutes = max(1, round(wait / 60))
        response = common.render(request, "login.html", status_code=429, next=target, name=name,
                                 message=f"Too many failed sign-ins: try again in {minutes} minute"
                                         f"{'s' if minutes > 1 else ''}.")
        response.headers["retry-after"] = str(wait)
        return response
    token = await run_in_threadpool(_sign_in, settings.project, name, password, cookie_value(request.headers))
    if token is None:
        for key in keys:
            limits.fail(key)
        return common.render(request, "login.html", status_code=401, next=target, name=name, message=WRONG)
    limits.clear(keys[0])
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict", secure=settings.tls, path="/")
    return response


def _sign_out(project, token: str) -> None:
    with common.project_store(project) as store:
        accounts.end_session(store, token)


async def logout(request: Request) -> Response:
    """End the session on the server (the token is dead even if a copy of the cookie survives) and drop the cookie."""
    token = cookie_value(request.headers)
    if token:
        await run_in_threadpool(_sign_out, common.settings(request).project, token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict",
                           secure=common.settings(request).tls)
    return response
