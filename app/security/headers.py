"""Security headers on every HTTP response (scripts and stylesheets get the two that matter for
them), and Secure cookies whenever the request is HTTPS.

The pages load scripts, styles and images only from this server (htmx is vendored), never run
inline script (htmx's eval is off and its inline indicator styles are disabled in base.html), and
may not be framed: a participant's phone can never be made to post into someone else's page.
"""

from app.security import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
)
# What a page could ask a phone for; none of it is ever needed.
PERMISSIONS = (
    "camera=(), microphone=(), geolocation=(), display-capture=(), payment=(), usb=(), browsing-topics=()"
)
HEADERS = {
    "content-security-policy": CSP,
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "permissions-policy": PERMISSIONS,
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
}
# A script or stylesheet is never a document: the page's own policy governs it, so it needs only
# what protects a subresource. Half a kilobyte less on each, which a phone on poor signal notices.
SUBRESOURCE_HEADERS = ("x-content-type-options", "cross-origin-resource-policy")
SUBRESOURCE_TYPES = (b"text/css", b"text/javascript", b"application/javascript")


def is_https(scope: Scope) -> bool:
    return scope.get("scheme") in ("https", "wss")


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, cookie_secure: bool = False) -> None:
        self.app = app
        self.cookie_secure = cookie_secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        secure = self.cookie_secure or is_https(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw = [
                    (k, _secure_cookie(v) if secure and k.lower() == b"set-cookie" else v)
                    for k, v in message.get("headers", [])
                ]
                present = {k.lower(): v for k, v in raw}
                # A redirect is never shown either: the page it leads to brings its own policy.
                subresource = present.get(b"content-type", b"").startswith(SUBRESOURCE_TYPES) or (
                    300 <= message["status"] < 400
                )
                raw += [
                    (k.encode(), v.encode())
                    for k, v in HEADERS.items()
                    if k.encode() not in present and (not subresource or k in SUBRESOURCE_HEADERS)
                ]
                if is_https(scope):
                    raw.append((b"strict-transport-security", b"max-age=31536000"))
                message["headers"] = raw
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _secure_cookie(value: bytes) -> bytes:
    return value if b"; secure" in value.lower() else value + b"; Secure"
