"""Cross-site request forgery and cross-origin checks, in one middleware for every route.

- Every write (POST, PUT, PATCH, DELETE) whose `Origin` names another site, or whose
  `Sec-Fetch-Site` is `cross-site` (or `same-site`: a sibling subdomain is another site to us),
  is refused: pages, API and websockets alike.
- Pages (forms and HTMX): the write must carry this session's token, in the `csrf_token` form
  field or the `X-CSRF-Token` header (lenswalk.js sets it on every HTMX request from
  `<meta name="csrf-token">`). The token is the session's random secret signed with the app key.
- JSON API: a body must be `application/json`, which a cross-site page cannot send without a
  CORS preflight that we never grant; so the API needs no token.
- Websockets (`/events/{id}/live`, `/api/v1/events/{id}/stream`): a foreign `Origin` is closed
  before the handshake completes.
"""

import hmac
import secrets
from contextvars import ContextVar
from urllib.parse import urlsplit

from itsdangerous import BadSignature, URLSafeTimedSerializer
from markupsafe import Markup
from starlette.datastructures import Headers
from starlette.requests import Request

from app.security import ASGIApp, Message, Receive, Scope, Send, is_api, refuse

FIELD = "csrf_token"
HEADER = "x-csrf-token"
SESSION_KEY = "csrf"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}
EXPIRED = "This page has expired or came from somewhere else. Reload the page and try again."
FOREIGN = "Requests from other sites are not accepted."

_scope: ContextVar[Scope | None] = ContextVar("lenswalk_csrf_scope", default=None)


class CSRFProtect:
    """Must sit inside SessionMiddleware (it keeps its secret in the session) and inside the
    body-size limit (it reads form bodies the limit has already bounded)."""

    def __init__(self, app: ASGIApp, *, secret_key: str, max_age: int, base_url: str | None = None) -> None:
        self.app = app
        self.serializer = URLSafeTimedSerializer(secret_key, salt="lenswalk-csrf")
        self.max_age = max_age
        self.base_netloc = urlsplit(base_url).netloc.lower() if base_url else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if scope["type"] == "websocket":
            if not self.same_origin(headers):
                await receive()  # websocket.connect
                await send({"type": "websocket.close", "code": 1008})
                return
            await self.app(scope, receive, send)
            return
        scope["lenswalk.csrf"] = self
        token = _scope.set(scope)
        try:
            problem = None if scope["method"] in SAFE_METHODS else await self.check_write(scope, headers)
            if problem:
                status, message = problem
                await refuse(scope, receive, send, status, message)
                return
            await self.app(scope, receive, send)
        finally:
            _scope.reset(token)

    def same_origin(self, headers: Headers) -> bool:
        # Fetch metadata, when the browser sends it, is the clearest answer.
        site = headers.get("sec-fetch-site")
        if site is not None:
            return site in ("same-origin", "none")
        origin = headers.get("origin")
        # No Origin: not a browser, or a same-origin GET. "null": our own pages send that for their
        # form posts, because of `Referrer-Policy: no-referrer`; there the CSRF token decides.
        if origin is None or origin == "null":
            return True
        netloc = urlsplit(origin).netloc.lower()
        return bool(netloc) and netloc in {headers.get("host", "").lower(), self.base_netloc}

    async def check_write(self, scope: Scope, headers: Headers) -> tuple[int, str] | None:
        if not self.same_origin(headers):
            return 403, FOREIGN
        body: bytes = scope.get("state", {}).get("body", b"")
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if is_api(scope):
            if (body or content_type) and content_type != "application/json":
                return 415, "Send JSON, with Content-Type: application/json."
            return None
        sent = headers.get(HEADER)
        if sent is None and content_type in FORM_TYPES:
            sent = await _form_field(scope, body, FIELD)
        if not sent or not self.valid(scope, sent):
            return 403, EXPIRED
        return None

    def valid(self, scope: Scope, token: str) -> bool:
        secret = scope.get("session", {}).get(SESSION_KEY)
        if not secret:
            return False
        try:
            value = self.serializer.loads(token, max_age=self.max_age)
        except BadSignature:
            return False
        return isinstance(value, str) and hmac.compare_digest(value, secret)

    def token(self, scope: Scope) -> str:
        session = scope["session"]
        if not isinstance(session.get(SESSION_KEY), str):
            session[SESSION_KEY] = secrets.token_urlsafe(24)
        return self.serializer.dumps(session[SESSION_KEY])


async def _form_field(scope: Scope, body: bytes, name: str) -> str | None:
    """Parse the (already size-limited) body as the route will, without consuming it."""

    async def replay() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        async with Request(scope, replay).form(max_files=20, max_fields=200) as form:
            value = form.get(name)
    except Exception:  # a malformed body: the route reports it; here it just has no token
        return None
    return value if isinstance(value, str) else None


def csrf_token() -> str:
    """This session's token for the page being rendered; empty outside a page request (for
    example a fragment pushed over a websocket, whose forms post through HTMX and its header)."""
    scope = _scope.get()
    if scope is None or "session" not in scope:
        return ""
    if "lenswalk.csrf_token" not in scope:  # one token per page, however many forms it has
        scope["lenswalk.csrf_token"] = scope["lenswalk.csrf"].token(scope)
    token: str = scope["lenswalk.csrf_token"]
    return token


def csrf_field() -> Markup:
    token = csrf_token()
    return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, token) if token else Markup("")
