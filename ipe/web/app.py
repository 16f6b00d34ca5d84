"""The workbench application: settings, routes, error pages and the security layer around them."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ipe.errors import IpeError, ProjectError
from ipe.store import Store, resolve_project
from ipe.web import auth, sessions
from ipe.web.ratelimit import FailureLimit
from ipe.web.security import LOOPBACK, SecurityMiddleware, allowed_hosts, csrf_token
from ipe.web.views import agreement, common, configurations, project, quotes, review, source
from ipe.web.views import team as team_views

HERE = Path(__file__).parent
log = logging.getLogger("ipe.web")


@dataclass
class Settings:
    """How one workbench is served.

    ``identifiable``: show the text of a project that is not pseudonymised (marked on every page). ``secret``
    keys this server run's CSRF tokens (see :mod:`ipe.web.security`); ``token`` is local mode's one token.
    ``certfile``/``keyfile``: serve TLS; ``behind_proxy``: a TLS-terminating proxy on this machine forwards to
    loopback; ``public_host``: the name people reach a team server by (checked against the Host header).
    """

    project: Path
    coder: str = ""
    host: str = "127.0.0.1"
    port: int = 8765
    identifiable: bool = False
    certfile: str = ""
    keyfile: str = ""
    behind_proxy: bool = False
    public_host: str = ""
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)

    @property
    def token(self) -> str:
        return csrf_token(self.secret, "")

    @property
    def tls(self) -> bool:
        """Whether people reach the server over https (its own TLS, or the proxy's)."""
        return bool(self.certfile) or self.behind_proxy

    @property
    def origin(self) -> str:
        if self.behind_proxy:
            return f"https://{self.public_host}"
        host = self.public_host or (f"[{self.host}]" if ":" in self.host else self.host)
        default = 443 if self.certfile else 80
        return f"{'https' if self.certfile else 'http'}://{host}" + ("" if self.port == default else f":{self.port}")


WILDCARD = {"0.0.0.0", "::", ""}
PROXY_PEERS = {"127.0.0.1", "::1"}


def check_host(settings: Settings, team: bool | None = None) -> None:
    """Refuse what would serve the project unsafely.

    Local mode (no accounts) serves loopback only. Team mode serves another address only over its own TLS;
    ``--behind-proxy`` binds loopback only, since the proxy on the same machine is the one reaching the network,
    and a plain-http port open to the network would carry passwords and cookies in clear.
    """
    team = auth.team_mode(settings) if team is None else team
    if not 0 < settings.port < 65536:
        raise IpeError(f"--port {settings.port}: give a port between 1 and 65535")
    if bool(settings.certfile) != bool(settings.keyfile):
        raise IpeError("--certfile and --keyfile go together: give both to serve TLS")
    for option, path in (("--certfile", settings.certfile), ("--keyfile", settings.keyfile)):
        if path and not Path(path).is_file():
            raise IpeError(f"{option} {path}: no such file")
    if settings.behind_proxy and settings.certfile:
        raise IpeError("--behind-proxy: the proxy terminates TLS, so give no --certfile/--keyfile")
    if settings.host not in LOOPBACK and not team:
        raise IpeError(f"--host {settings.host}: local mode serves only loopback (127.0.0.1 or ::1); "
                       "add users ('ipe users add NAME --role lead') for team mode to serve other addresses")
    if settings.behind_proxy:
        if not team:
            raise IpeError("--behind-proxy is for team mode: add users first ('ipe users add NAME --role lead')")
        if settings.host not in LOOPBACK:
            raise IpeError(f"--host {settings.host}: behind a proxy the workbench listens on loopback only "
                           "(127.0.0.1 or ::1); the proxy on this machine serves the network")
        if not settings.public_host:
            raise IpeError("--behind-proxy needs --public-host NAME: the name people type, which the proxy passes on")
    elif settings.host not in LOOPBACK and not settings.certfile:
        raise IpeError(f"--host {settings.host}: team mode serves another address only over TLS "
                       "(--certfile and --keyfile), or on loopback --behind-proxy a TLS proxy on this machine")
    if settings.host in WILDCARD and not settings.public_host:
        raise IpeError(f"--host {settings.host or repr('')}: give --public-host NAME, the name people reach it by")


def create_app(settings: Settings) -> Starlette:
    """The Starlette application for ``settings``; the project's store must exist."""
    settings.project = resolve_project(settings.project)
    with Store.open(settings.project):
        pass  # fail now, with the CLI's one-line error, rather than on the first page
    team = auth.team_mode(settings)
    check_host(settings, team)
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True)
    routes = [
        Route("/", project.page),
        Route("/codes.css", common.codes_css),
        Route("/source/{source_id}", source.page),
        Route("/api/coding/{coding_id:int}", source.coding_detail),
        Route("/api/codings", source.add, methods=["POST"]),
        Route("/api/codings/{coding_id:int}/remove", source.remove, methods=["POST"]),
        Route("/api/codings/{coding_id:int}/move", source.move, methods=["POST"]),
        Route("/api/memos", source.memo, methods=["POST"]),
        Route("/review", review.page),
        Route("/api/review", review.decide, methods=["POST"]),
        Route("/agreement", agreement.page),
        Route("/configurations", configurations.page),
        Route("/api/evidence/link", configurations.link, methods=["POST"]),
        Route("/api/evidence/promote", configurations.promote, methods=["POST"]),
        Route("/api/evidence/dismiss", configurations.dismiss, methods=["POST"]),
        Route("/api/evidence/{evidence_id:int}/unlink", configurations.unlink, methods=["POST"]),
        Route("/quotes", quotes.page),
        Route("/quotes.{fmt:str}", quotes.download),
        Route("/api/source/{source_id}/changes", source.changes),
        Mount("/static", StaticFiles(directory=HERE / "static", html=False), name="static"),
    ]
    if team:
        routes[-1:-1] = [
            Route("/login", sessions.page),
            Route("/login", sessions.login, methods=["POST"]),
            Route("/logout", sessions.logout, methods=["POST"]),
            Route("/team", team_views.page),
            Route("/team/assign", team_views.assign, methods=["POST"]),
            Route("/team/unassign", team_views.unassign, methods=["POST"]),
            Route("/team/unblind", team_views.unblind, methods=["POST"]),
            Route("/agreement/resolve", team_views.resolve, methods=["POST"]),
        ]
    app = Starlette(routes=routes, debug=False,
                    exception_handlers={IpeError: common.ipe_error, HTTPException: common.http_error,
                                        Exception: common.server_error})
    app.state.settings = settings
    app.state.templates = env
    app.state.team = team
    app.state.identify = auth.team_identity if team else auth.local_identity(settings)
    app.state.sign_in_limits = FailureLimit()
    # The last added runs first: forwarded headers (behind a proxy), then Host/Origin/CSRF, then the session gate.
    if team:
        app.add_middleware(sessions.SessionGate, project=settings.project)
    app.add_middleware(SecurityMiddleware, secret=settings.secret,
                       hosts=allowed_hosts(settings.host, settings.port, settings.public_host, bool(settings.certfile)))
    if settings.behind_proxy:
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        # Only the proxy on this machine may say who the client is and that it came over https.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=sorted(PROXY_PEERS))
    return app


def serve(settings: Settings, open_browser: bool = False) -> None:
    """Run the workbench with uvicorn until interrupted."""
    import threading
    import webbrowser

    import uvicorn

    app = create_app(settings)
    if open_browser:
        threading.Timer(1.0, webbrowser.open, args=(settings.origin + "/",)).start()
    tls = {"ssl_certfile": settings.certfile, "ssl_keyfile": settings.keyfile} if settings.certfile else {}
    # proxy_headers off: the app's own ProxyHeadersMiddleware (with --behind-proxy only) trusts loopback peers.
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning", server_header=False,
                date_header=False, proxy_headers=False, **tls)


__all__ = ["Settings", "create_app", "serve", "check_host", "ProjectError"]
