"""The workbench's own defences: Host and Origin checks, a CSRF token on writes, strict response headers.

Local mode serves one person on loopback, but a page on any other site open in the same browser can still send
requests to it. So: the Host header must be the address served (a rebound DNS name is refused; in team mode the
public host name too), a write must come from the workbench's own origin and carry the token only its pages know,
and every response forbids framing, sniffing and any script, style or connection not served by the workbench itself.

The token is an HMAC of the request's session cookie under a secret of this server run: in local mode (no cookie)
one token per run; in team mode one per session, so a token seen by one user is worthless in another's session.
A plain HTML form (the login and consensus forms) sends it as its ``csrf`` field instead of the header.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import parse_qs, urlsplit

from starlette.responses import JSONResponse, PlainTextResponse

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf"
FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FORM_BYTES = 64 * 1024
SESSION_COOKIE = "ipe_session"
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


def allowed_hosts(host: str, port: int, public: str = "", tls: bool = False) -> set[str]:
    """Host header values the server answers to: the address it serves (and ``localhost`` beside 127.0.0.1).

    ``public``: the name people reach a team server by (``--public-host``), with or without a port; ``tls``: the
    default port is 443, not 80, so the bare name is allowed when serving 443.
    """
    names = {host}
    if host in ("127.0.0.1", "localhost"):
        names |= {"127.0.0.1", "localhost"}
    out = set()
    for name in names:
        shown = f"[{name}]" if ":" in name else name
        out |= {f"{shown}:{port}"} | ({shown} if port == (443 if tls else 80) else set())
    if public:
        # Browsers send the bare name for https on 443, and name:port for the port served with its own TLS.
        out.add(public)
        if ":" not in public.rsplit("]", 1)[-1]:
            out |= {f"{public}:443", f"{public}:{port}"}
    return out


def csrf_token(secret: bytes, session: str) -> str:
    """The CSRF token of a session cookie value ('' when there is none) under this server run's secret."""
    return hmac.new(secret, b"csrf:" + session.encode("utf-8", "replace"), hashlib.sha256).hexdigest()


def cookie_value(headers: dict, name: str = SESSION_COOKIE) -> str:
    """One cookie's value from a ``cookie`` header ('' when absent)."""
    for part in headers.get("cookie", "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value.strip()
    return ""


def _origin_of(value: str) -> str:
    parts = urlsplit(value)
    return parts.netloc if parts.scheme in ("http", "https") else ""


class SecurityMiddleware:
    """ASGI middleware enforcing the checks above before any view runs."""

    def __init__(self, app, hosts: set[str], secret: bytes):
        self.app = app
        self.hosts = hosts
        self.secret = secret

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        sent = headers.get(CSRF_HEADER, "")
        if scope["method"] not in SAFE_METHODS and not sent and headers.get("content-type", "").startswith(FORM_TYPE):
            body = await _read_body(receive, MAX_FORM_BYTES)
            if body is None:
                await self._send_with_headers(PlainTextResponse("The form is too large.", status_code=413), scope,
                                              receive, send)
                return
            fields = parse_qs(body.decode("utf-8", "replace"))
            sent = (fields.get(CSRF_FIELD) or [""])[0]
            receive = _replay(body, receive)
        problem = self.problem(scope["method"], headers, sent)
        if problem is not None:
            status, message = problem
            wants_json = "application/json" in headers.get("accept", "") or scope["method"] not in SAFE_METHODS
            response = (JSONResponse({"error": message}, status_code=status) if wants_json
                        else PlainTextResponse(message, status_code=status))
            await self._send_with_headers(response, scope, receive, send)
            return
        await self._send_with_headers(self.app, scope, receive, send)

    def problem(self, method: str, headers: dict, sent: str = ""):
        """``(status, message)`` if the request must be refused, else None; ``sent`` is the token the request gave."""
        if headers.get("host", "") not in self.hosts:
            return 421, "This workbench answers only to the address it was started on."
        if method in SAFE_METHODS:
            return None
        origin = headers.get("origin") or _origin_of(headers.get("referer", ""))
        if origin.startswith(("http://", "https://")):
            origin = _origin_of(origin)
        if origin not in self.hosts:
            return 403, "Refused: the request did not come from this workbench's own pages."
        expected = csrf_token(self.secret, cookie_value(headers))
        if not hmac.compare_digest(sent.encode("utf-8", "replace"), expected.encode()):
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


async def _read_body(receive, limit: int):
    """The whole request body, or None when it is larger than ``limit`` bytes."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive):
    """A ``receive`` that hands the view the body already read, then passes on the server's own messages."""
    sent = False

    async def replayed():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed
