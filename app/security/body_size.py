"""Refuse request bodies larger than we ever need, before the app reads them.

Every form and JSON write fits in a few KiB; the JSON event import is the one large body.
A declared Content-Length over the limit is refused at once; otherwise the body is read here
(never more than the limit plus one chunk) and handed on, so a chunked upload cannot slip past.
"""

from app.security import ASGIApp, Message, Receive, Scope, Send, refuse

DEFAULT_LIMIT = 64 * 1024
# An event archive (app/exports/archive/schema.py MAX_BYTES), sent as JSON or uploaded from the report page.
LIMITS = {"/api/v1/events/import": 8 * 1024 * 1024, "/events/import": 8 * 1024 * 1024}
# A journey-map spreadsheet (app/journeys/files.py MAX_BYTES) and the form around it.
LIMITS.update(
    {"/api/v1/journey-maps/import": 1024 * 1024 + 16 * 1024, "/journey-maps/import": 1024 * 1024 + 16 * 1024}
)


def limit_for(path: str) -> int:
    return LIMITS.get(path.rstrip("/"), DEFAULT_LIMIT)


class BodySizeLimit:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope["path"])
        too_large = f"That is more than can be sent at once (at most {limit // 1024} KiB)."
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            status = 413 if declared.isdigit() else 400
            await refuse(scope, receive, send, status, too_large if status == 413 else "Bad Content-Length.")
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before sending its body
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await refuse(scope, receive, send, 413, too_large)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        scope.setdefault("state", {})["body"] = body
        await self.app(scope, replay, send)
