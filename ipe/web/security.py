"""The workbench's own defences: Host and Origin checks, a CSRF token on writes, strict response headers.

Local mode serves one person on loopback, but a page on any other site open in the same browser can still send
requests to it. So: the Host header must be the loopback address served (a rebound DNS name is refused), a write
must come from the workbench's own origin and carry the token only its pages know, and every response forbids
framing, sniffing and any script, style or connection not served by the workbench itself.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from starlette.responses import JSONResponse, PlainTextResponse

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
CSRF_HEADER = "x-csrf-token"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "cache-control": "no-store",
}
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def allowed_hosts(host: str, port: int) -> set[str]:
    """Host header values the server answers to: the address it serves (and ``localhost`` beside 127.0.0.1)."""
    names = {host}
    if host in ("127.0.0.1", "localhost"):
        names |= {"127.0.0.1", "localhost"}
    out = set()
    for name in names:
        shown = f"[{name}]" if ":" in name else name
        out |= {f"{shown}:{port}"} | ({shown} if port == 80 else set())
    return out


def _origin_of(value: str) -> str:
    parts = urlsplit(value)
    return parts.netloc if parts.scheme in ("http", "https") else ""


class SecurityMiddleware:
    """ASGI middleware enforcing the checks above before any view runs."""

    def __init__(self, app, hosts: set[str], token: str):
        self.app = app
        self.hosts = hosts
        self.token = token

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        problem = self.problem(scope["method"], headers)
        if problem is not None:
            status, message = problem
            wants_json = "application/json" in headers.get("accept", "") or scope["method"] not in SAFE_METHODS
            response = (JSONResponse({"error": message}, status_code=status) if wants_json
                        else PlainTextResponse(message, status_code=status))
            await self._send_with_headers(response, scope, receive, send)
            return
        await self._send_with_headers(self.app, scope, receive, send)

    def problem(self, method: str, headers: dict):
        """``(status, message)`` if the request must be refused, else None."""
        if headers.get("host", "") not in self.hosts:
            return 421, "This workbench answers only to the address it was started on."
        if method in SAFE_METHODS:
            return None
        origin = headers.get("origin") or _origin_of(headers.get("referer", ""))
        if origin.startswith(("http://", "https://")):
            origin = _origin_of(origin)
        if origin not in self.hosts:
            return 403, "Refused: the request did not come from this workbench's own pages."
        if not hmac.compare_digest(headers.get(CSRF_HEADER, ""), self.token):
            return 403, "Refused: the page's security token is missing or stale; reload the page."
        return None

    @staticmethod
    async def _send_with_headers(app, scope, receive, send):
        async def send_wrapper(message):
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k.encode(), v.encode()) for k, v in HEADERS.items() if k.encode() not in present]
                message = {**message, "headers": list(message.get("headers", [])) + extra}
            await send(message)

        await app(scope, receive, send_wrapper)
