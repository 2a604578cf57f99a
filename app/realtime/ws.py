"""Websocket endpoints. Writes go over HTTP; these only push.

- `/api/v1/events/{id}/stream`: JSON messages with `seq`; `after_seq` replays what was missed.
- `/events/{id}/live`: HTML fragments (swapped by id by the htmx ws extension) for the pages;
  `view=alerts` is the calls-for-help banner every facilitator page of the event follows.
- `/events/{id}/live/poll`: the same fragments over plain HTTP, for pages whose websocket cannot
  open at all (lenswalk.js falls back to it); 204 when nothing changed since `seq`.
- `/board/{token}/live` and `/board/{token}/live/poll`: the board's fragments for a board opened
  with its secret link (app/phases/board_link), authorised by the link alone.

Cross-site websocket handshakes are refused by app.security.csrf before they reach these.
"""

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request, Response, WebSocket, WebSocketDisconnect
from sqlalchemy.exc import DataError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection

from app.deps import PARTICIPANT_COOKIE
from app.errors import DomainError, NotFound
from app.events import service as events
from app.participants import service as participants
from app.phases import board_link
from app.realtime.hub import Connection, Hub, Room
from app.room.feed import encode
from app.security.limits import Limiter, client_key

router = APIRouter()

CLOSE_POLICY = 1008
CLOSE_UNSUPPORTED = 1003
CLOSE_TOO_BIG = 1009
MAX_INCOMING = 1024


async def _audience(connection: HTTPConnection, event_id: int) -> str | None:
    """'facilitator' or 'participant' for this event, or None if the caller may not listen."""
    facilitator_id = connection.session.get("facilitator_id") if "session" in connection.scope else None
    tokens = participants.parse_tokens(connection.cookies.get(PARTICIPANT_COOKIE))

    def check() -> str | None:
        with Session(connection.app.state.engine) as session:
            try:
                events.get_event(session, event_id)
            except (DomainError, OverflowError, DataError):
                return None
            if events.is_facilitator(session, event_id, facilitator_id):
                return "facilitator"
            if participants.find(session, event_id, tokens) is not None:
                return "participant"
            return None

    return await run_in_threadpool(check)


async def _serve(websocket: WebSocket, hub: Hub, room: Room, connection: Connection) -> None:
    connection.start()
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            # Clients have nothing to say here: binary is refused, and so is anything large.
            if message.get("bytes") is not None:
                await websocket.close(CLOSE_UNSUPPORTED)
                break
            if len(message.get("text") or "") > MAX_INCOMING:
                await websocket.close(CLOSE_TOO_BIG)
                break
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        await hub.leave(room, connection)


# The websocket endpoints are plain Starlette routes: FastAPI's route would keep its dependency
# machinery (two exit stacks, the solved parameters, its frames) alive for as long as a phone stays
# connected, a few KB of every idle connection in a room of thousands (docs/performance.md).


def _int_param(websocket: WebSocket, name: str, default: int) -> int | None:
    """A whole-number query parameter, or None when it is not one (the handshake is refused)."""
    raw = websocket.query_params.get(name)
    if raw is None:
        return default
    try:
        return int(raw) if len(raw) <= 20 else None
    except ValueError:
        return None


async def json_stream(websocket: WebSocket) -> None:
    event_id: int = websocket.path_params["event_id"]
    after_seq = _int_param(websocket, "after_seq", 0)
    audience = await _audience(websocket, event_id) if after_seq is not None else None
    if audience is None:
        await websocket.close(CLOSE_POLICY)
        return
    await websocket.accept()
    hub: Hub = websocket.app.state.hub
    room, connection = await hub.join(event_id, websocket, f"json:{audience}")
    connection.sent_seq = max(after_seq or 0, 0)

    async def catch_up() -> bool:
        for message in await hub.load_history(event_id, connection.sent_seq, None):
            await connection.send_direct(message.seq, encode(message, audience))
        return True

    await _catch_up_then_serve(websocket, hub, room, connection, catch_up)


async def _catch_up_then_serve(
    websocket: WebSocket,
    hub: Hub,
    room: Room,
    connection: Connection,
    catch_up: Callable[[], Awaitable[bool]],
) -> None:
    """Bring a joined connection up to date (`catch_up`: False refuses it), then serve its stream. A
    socket dropped while catching up (flaky wifi) leaves the room; it reconnects from where it got."""
    try:
        if not await catch_up():
            await hub.leave(room, connection)
            await websocket.close(CLOSE_POLICY)
            return
    except WebSocketDisconnect:
        await hub.leave(room, connection)
        return
    except Exception:
        await hub.leave(room, connection)
        raise
    await _serve(websocket, hub, room, connection)


async def _may_view(connection: HTTPConnection, event_id: int, view: str) -> bool:
    audience = await _audience(connection, event_id)
    if audience is None or view not in ("board", "console", "participant", "alerts"):
        return False
    return (view in ("board", "console", "alerts")) == (audience == "facilitator")


async def html_live(websocket: WebSocket) -> None:
    event_id: int = websocket.path_params["event_id"]
    view = websocket.query_params.get("view", "participant")
    seq = _int_param(websocket, "seq", -1)
    if seq is None or not await _may_view(websocket, event_id, view):
        await websocket.close(CLOSE_POLICY)
        return
    await _follow_html(websocket, event_id, view, seq)


async def _follow_html(
    websocket: WebSocket,
    event_id: int,
    view: str,
    seq: int,
    *,
    link_version: int | None = None,
    still_allowed: Callable[[], Awaitable[bool]] | None = None,
) -> None:
    """Join the room's audience, send a snapshot if the page is behind, then serve its stream."""
    await websocket.accept()
    hub: Hub = websocket.app.state.hub
    room, connection = await hub.join(event_id, websocket, f"html:{view}")
    if link_version is not None:
        connection.link_version = link_version

    async def catch_up() -> bool:
        if still_allowed is not None and not await still_allowed():
            return False
        # The page was rendered at `seq`; anything newer (or a reconnect) gets a fresh snapshot.
        if room.last_seq != seq:
            await websocket.send_text(await websocket.app.state.html_renderers.snapshot(event_id, view))
        return True

    await _catch_up_then_serve(websocket, hub, room, connection, catch_up)


@router.get("/events/{event_id}/live/poll", include_in_schema=False)
async def html_poll(request: Request, event_id: int, view: str = "participant", seq: int = -1) -> Response:
    if not await _may_view(request, event_id, view):
        return Response("You cannot follow this event from here.", status_code=403, media_type="text/plain")
    hub: Hub = request.app.state.hub
    current = await hub.read_seq(event_id)
    headers = {"X-Lenswalk-Seq": str(current), "Cache-Control": "no-store", "Vary": "Cookie"}
    if current == seq:
        return Response(status_code=204, headers=headers)
    html = await request.app.state.html_renderers.snapshot(event_id, view)
    return Response(html, media_type="text/html", headers=headers)


async def _board_link(connection: HTTPConnection, token: str) -> tuple[int, int] | None:
    """(event id, link version) for a current board link, else None. Wrong tokens count against
    the same limits as wrong join codes."""
    limiter: Limiter = connection.app.state.limiter

    def check() -> tuple[int, int] | None:
        with Session(connection.app.state.engine) as session:
            try:
                event = limiter.count_failures(
                    limiter.join_checks(client_key(connection)),
                    NotFound,
                    lambda: board_link.find_board(session, token),
                )
            except DomainError:
                return None
            return event.id or 0, event.board_link_version

    return await run_in_threadpool(check)


async def board_link_live(websocket: WebSocket) -> None:
    token: str = websocket.path_params["token"]
    seq = _int_param(websocket, "seq", -1)
    found = await _board_link(websocket, token) if seq is not None else None
    if seq is None or found is None:
        await websocket.close(CLOSE_POLICY)
        return
    event_id, version = found

    async def still_current() -> bool:
        # Revoked between the check and joining the room: the hub's close has already gone by.
        return await _board_link(websocket, token) == found

    await _follow_html(websocket, event_id, "board", seq, link_version=version, still_allowed=still_current)


@router.get("/board/{token}/live/poll", include_in_schema=False)
async def board_link_poll(request: Request, token: str, seq: int = -1) -> Response:
    found = await _board_link(request, token)
    if found is None:
        return Response(board_link.UNKNOWN, status_code=404, media_type="text/plain")
    hub: Hub = request.app.state.hub
    current = await hub.read_seq(found[0])
    headers = {"X-Lenswalk-Seq": str(current), "Cache-Control": "no-store"}
    if current == seq:
        return Response(status_code=204, headers=headers)
    html = await request.app.state.html_renderers.snapshot(found[0], "board")
    return Response(html, media_type="text/html", headers=headers)


router.add_websocket_route("/api/v1/events/{event_id:int}/stream", json_stream)
router.add_websocket_route("/events/{event_id:int}/live", html_live)
router.add_websocket_route("/board/{token}/live", board_link_live)
