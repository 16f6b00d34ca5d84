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
from ipe.web import auth
from ipe.web.security import LOOPBACK, SecurityMiddleware, allowed_hosts
from ipe.web.views import agreement, common, configurations, project, quotes, review, source

HERE = Path(__file__).parent
log = logging.getLogger("ipe.web")


@dataclass
class Settings:
    """How one workbench is served.

    ``identifiable``: show the text of a project that is not pseudonymised (marked on every page). ``token`` is
    the CSRF token of this server run; pages carry it and every write must send it back.
    """

    project: Path
    coder: str = ""
    host: str = "127.0.0.1"
    port: int = 8765
    identifiable: bool = False
    token: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    @property
    def origin(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"


def check_host(settings: Settings) -> None:
    """Refuse a non-loopback address unless the project is set up for team mode."""
    if settings.host not in LOOPBACK and not auth.team_mode(settings):
        raise IpeError(f"--host {settings.host}: local mode serves only loopback (127.0.0.1 or ::1); "
                       "team mode must be configured to serve other addresses")
    if not 0 < settings.port < 65536:
        raise IpeError(f"--port {settings.port}: give a port between 1 and 65535")


def create_app(settings: Settings) -> Starlette:
    """The Starlette application for ``settings``; the project's store must exist."""
    settings.project = resolve_project(settings.project)
    check_host(settings)
    with Store.open(settings.project):
        pass  # fail now, with the CLI's one-line error, rather than on the first page
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
        Mount("/static", StaticFiles(directory=HERE / "static", html=False), name="static"),
    ]
    app = Starlette(routes=routes, debug=False,
                    exception_handlers={IpeError: common.ipe_error, HTTPException: common.http_error,
                                        Exception: common.server_error})
    app.state.settings = settings
    app.state.templates = env
    app.state.identify = auth.local_identity(settings)
    app.add_middleware(SecurityMiddleware, hosts=allowed_hosts(settings.host, settings.port), token=settings.token)
    return app


def serve(settings: Settings, open_browser: bool = False) -> None:
    """Run the workbench with uvicorn until interrupted."""
    import threading
    import webbrowser

    import uvicorn

    app = create_app(settings)
    if open_browser:
        threading.Timer(1.0, webbrowser.open, args=(settings.origin + "/",)).start()
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning", server_header=False,
                date_header=False, proxy_headers=False)


__all__ = ["Settings", "create_app", "serve", "check_host", "ProjectError"]
