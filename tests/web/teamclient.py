"""Helpers of the team-mode tests: a project with accounts on either backend, and clients that sign in."""

from __future__ import annotations

import contextlib
import re
import shutil
from pathlib import Path

from starlette.routing import Route
from starlette.testclient import TestClient

from ipe import accounts, project
from ipe.web import Settings, create_app

FIXTURES = Path(__file__).parent.parent / "fixtures"
BASE = "http://127.0.0.1:8765"
PASSWORD = "correct horse battery"
USERS = {"lena": "lead", "ana": "coder", "ben": "coder", "vic": "viewer"}
_TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')


def team_project(folder: Path, database=None, users=USERS) -> Path:
    """The tiny transcripts imported and auto-coded, with the accounts ``users`` (all with :data:`PASSWORD`)."""
    transcripts = folder.parent / "transcripts"
    shutil.copytree(FIXTURES / "transcripts", transcripts, dirs_exist_ok=True)
    folder = project.init(folder, database)
    with project.open_store(folder) as store:
        project.import_sources(store, [transcripts])
        project.auto_code(store, FIXTURES / "mini-codebook.yaml")
        for name, role in users.items():
            accounts.add_user(store, name, role, PASSWORD, actor="operator")
    return folder


class TeamClient:
    """One browser's worth of state: a cookie jar on the team workbench, signed in or not."""

    def __init__(self, app, settings, client=("127.0.0.1", 50000)):
        self.app = app
        self.settings = settings
        self.client = TestClient(app, base_url=BASE, raise_server_exceptions=False, follow_redirects=False,
                                 client=client)
        self.name = ""

    @classmethod
    def for_project(cls, folder, **options):
        settings = Settings(project=folder, port=8765, identifiable=True, **options)
        return cls(create_app(settings), settings)

    def other(self, client=("127.0.0.1", 50001)) -> "TeamClient":
        """A second browser on the same server (its own cookies)."""
        return TeamClient(self.app, self.settings, client)

    def login_token(self) -> str:
        page = self.client.get("/login")
        return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)

    def login(self, name: str, password: str = PASSWORD, token: str | None = None):
        """Post the sign-in form as a browser would; returns the response (303 on success)."""
        response = self.client.post("/login", data={"name": name, "password": password, "next": "/",
                                                    "csrf": token if token is not None else self.login_token()},
                                    headers={"Origin": BASE})
        self._token = None
        if response.status_code == 303:
            self.name = name
        return response

    def token(self) -> str:
        """The CSRF token the pages give this session (read once from a page, as a page's script would)."""
        if getattr(self, "_token", None) is None:
            self._token = _TOKEN.search(self.client.get("/login" if not self.name else "/").text).group(1)
        return self._token

    def get(self, url, **kw):
        return self.client.get(url, **kw)

    def post(self, url, body=None, token=True):
        headers = {"Origin": BASE, "Content-Type": "application/json"}
        if token:
            headers["X-CSRF-Token"] = self.token() if token is True else token
        return self.client.post(url, json=body if body is not None else {}, headers=headers)

    def form(self, url, data: dict, token=True):
        fields = dict(data, csrf=self.token() if token is True else (token or ""))
        return self.client.post(url, data=fields, headers={"Origin": BASE})

    def store(self):
        return project.open_store(self.settings.project)


def routes(app, methods: set[str]) -> list[Route]:
    """Every route of the app answering one of ``methods`` (enumerated, so a new endpoint is tested too)."""
    return [r for r in app.routes if isinstance(r, Route) and r.methods and r.methods & methods]


def fill(route: Route, values: dict) -> list[str]:
    """The route's path with each of its parameters given every value in ``values[name]``."""
    paths = [route.path]
    for name in route.param_convertors:
        paths = [p.replace("{" + name + "}", str(v)).replace("{" + name + ":int}", str(v))
                 .replace("{" + name + ":str}", str(v)) for p in paths for v in values[name]]
    return paths


@contextlib.contextmanager
def serving_team(folder, max_requests: int = 20000, **options):
    """Serve a team project on an ephemeral loopback port with uvicorn in a thread (a bounded number of requests,
    a bounded shutdown); yields ``(base URL, settings)``."""
    import socket
    import threading
    import time

    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = Settings(project=folder, port=port, identifiable=True, **options)
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning",
                            limit_max_requests=max_requests, timeout_graceful_shutdown=2, backlog=64)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            raise RuntimeError("the team workbench did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}", settings
    finally:
        server.should_exit = True
        thread.join(10)


class HttpCoder:
    """One coder's browser over real HTTP (httpx, keep-alive): signs in, then sends the page's writes."""

    def __init__(self, base: str, name: str, password: str = PASSWORD, timeout: float = 30):
        import httpx

        self.base = base
        self.name = name
        self.http = httpx.Client(base_url=base, timeout=timeout, follow_redirects=False)
        page = self.http.get("/login")
        token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        signed = self.http.post("/login", data={"name": name, "password": password, "csrf": token},
                                headers={"Origin": base})
        if signed.status_code != 303:
            raise RuntimeError(f"{name} could not sign in: {signed.status_code}")
        self.token = _TOKEN.search(self.http.get("/team").text).group(1)  # a light page: the token only

    def post(self, url: str, body: dict):
        return self.http.post(url, json=body, headers={"Origin": self.base, "X-CSRF-Token": self.token,
                                                       "Accept": "application/json"})

    def get(self, url: str):
        return self.http.get(url, headers={"Accept": "application/json"})

    def close(self):
        self.http.close()
