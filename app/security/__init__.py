"""Request-level protections: CSRF and origin checks, security headers, body size, rate limits.

Each module is one ASGI middleware (or, for rate limits, one limiter) wired once in
`app.main.create_app`; routes never repeat these checks.
"""

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.requests import Request

from app.templating import is_htmx, render

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def is_api(scope: Scope) -> bool:
    return str(scope.get("path", "")).startswith("/api/")


async def refuse(
    scope: Scope,
    receive: Receive,
    send: Send,
    status: int,
    message: str,
    headers: dict[str, str] | None = None,
) -> None:
    """A plain refusal: JSON `{"detail": ...}` for the API, the error page (or its fragment) otherwise."""
    if is_api(scope):
        body = json.dumps({"detail": message}).encode()
        raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": body})
        return
    request = Request(scope, receive)
    if is_htmx(request):
        response = render(request, "error.html", {"message": message}, block="message", status_code=status)
    else:
        response = render(
            request, "error.html", {"message": message, "status_code": status}, status_code=status
        )
    response.headers.update(headers or {})
    await response(scope, receive, send)
