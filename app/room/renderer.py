"""The live renderer: which regions of the board, the facilitator console and the participant page
a run of room messages changes, and their HTML.

Each region is re-rendered from the database as it is now, so a pushed update is idempotent
and order-insensitive: a late or repeated message can never leave a screen wrong."""

from collections.abc import Sequence, Set
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.events.models import Event
from app.participants import groups
from app.realtime.hub import BatchRenderer
from app.room.context import live_context
from app.roomlog.messages import ANNOTATION_TYPES, FACILITATOR_ONLY_TYPES, MessageType
from app.roomlog.service import RoomMessage
from app.support import service as support
from app.templating import render_template

AUDIENCES = ("board", "console", "participant", "alerts")
# Changes to the room itself re-render the room regions (app/templates/room/_phase.html).
ROOM_TYPES = frozenset(
    {
        MessageType.PHASE_CHANGED,
        MessageType.TIMER_CHANGED,
        MessageType.SPOTLIGHT_CHANGED,
        MessageType.AGENDA_CHANGED,
        MessageType.BOARD_CHANGED,
    }
)
# Improvements, dots and the action plan: the board's priorities and actions views show them.
PLAN_TYPES = frozenset(
    {
        MessageType.IMPROVEMENTS_CHANGED,
        MessageType.VOTES_CHANGED,
        MessageType.VOTING_CHANGED,
        MessageType.ACTIONS_CHANGED,
    }
)


def plan_regions(event: Event, message_type: MessageType, audience: str) -> set[str]:
    """What a change to improvements, dots or actions redraws on this audience's screen."""
    if audience == "participant":
        # Their "Now" says whether voting is open and whether they may group.
        return {"now"} if message_type == MessageType.VOTING_CHANGED else set()
    if audience != "board" or event.board_view not in ("priorities", "actions"):
        return set()
    if message_type == MessageType.VOTES_CHANGED and not event.votes_revealed:
        return set()  # the board shows no numbers until the reveal: nothing to redraw
    return {"board_main"}


ALL_REGIONS = frozenset(
    {
        "touchpoints",
        "latest",
        "moderation",
        "status",
        "support",
        *("now", "spotlight", "ready", "board_main", "room_stats"),
        *("team", "here"),
    }
)


def changed_regions(event: Event, message: RoomMessage, audience: str) -> tuple[set[str], set[int] | None]:
    """The regions `message` changes on `audience`'s screen, and the touchpoints it changes (None:
    all of them)."""
    if message.type in ANNOTATION_TYPES:
        tp_id = (message.data or {}).get("touchpoint_id")
        regions = {"touchpoints", "latest", "moderation", "room_stats"}
        if event.board_view != "journey" or event.spotlight_touchpoint_id or event.spotlight_stage_id:
            regions.add("board_main")
        return regions, {int(tp_id)} if tp_id is not None else None
    if message.type == MessageType.EVENT_STATUS:
        return {"status"}, set()
    if message.type in FACILITATOR_ONLY_TYPES and audience == "console":
        return {"support"}, set()
    if message.type == MessageType.ANNOTATIONS_REVEALED:
        # Words that were private reach every screen at once: send the whole room again.
        return set(ALL_REGIONS), None
    if message.type == MessageType.TEAMS_CHANGED:
        # Phones ask for their own team (it differs per phone); the console's counts, support
        # requests and board filter carry team names.
        if audience == "participant":
            return {"team"}, set()
        if audience == "console":
            return {"support", "here", "now"}, set()
        # A wall filtered by team: its team may have been removed and the filter moved with its words.
        return ({"board_main"} if (event.board_filter or "").startswith("team:") else set()), set()
    if message.type == MessageType.READINESS_CHANGED and audience == "console":
        return {"room_stats"}, set()
    if message.type in PLAN_TYPES:
        return plan_regions(event, message.type, audience), set()
    if message.type in ROOM_TYPES:
        regions = {"now", "spotlight", "board_main", "room_stats"}
        if message.type == MessageType.PHASE_CHANGED:
            regions.add("ready")
        return regions, set()
    return set(), set()


def _here(
    session: Session, event: Event, audience: str, regions: Set[str], min_group_size: int
) -> dict[str, Any]:
    """The regions to send, and who is here when the console's counts are among them (only then:
    most messages do not change them)."""
    ctx: dict[str, Any] = {"regions": regions}
    if "here" in regions and audience == "console":
        ctx["here"] = groups.here_counts(session, event.id or 0, min_group_size)
    return ctx


def render_alerts(session: Session, event_id: int) -> str:
    """The banner of open calls for help that every facilitator page of the event shows."""
    return render_template(
        "support/alerts.html", {"alert_event_id": event_id, "alerts": support.open_alerts(session, event_id)}
    )


def render_update(
    session: Session, messages: Sequence[RoomMessage], audience: str, *, min_group_size: int
) -> str | None:
    """The regions a run of messages changed, rendered once from the database as it is now: the same
    result as rendering them one by one, since each render shows the current state."""
    if not messages:
        return None
    if audience == "alerts":
        if not any(m.type in FACILITATOR_ONLY_TYPES for m in messages):
            return None
        return render_alerts(session, messages[-1].event_id)
    event = session.get(Event, messages[-1].event_id)
    if event is None:
        return None
    regions: set[str] = set()
    touchpoints: set[int] | None = set()
    for message in messages:
        more, tps = changed_regions(event, message, audience)
        regions |= more
        touchpoints = None if touchpoints is None or tps is None else touchpoints | tps
    if not regions:
        return None
    ctx = live_context(session, event, audience, touchpoints, min_group_size=min_group_size)
    return render_template(
        "room/live.html", {**ctx, **_here(session, event, audience, regions, min_group_size)}
    )


def render_snapshot(session: Session, event_id: int, audience: str, *, min_group_size: int) -> str:
    event = session.get(Event, event_id)
    if event is None:
        return ""
    if audience == "alerts":
        return render_alerts(session, event_id)
    ctx = live_context(session, event, audience, min_group_size=min_group_size)
    return render_template(
        "room/live.html", {**ctx, **_here(session, event, audience, ALL_REGIONS, min_group_size)}
    )


class HtmlRenderers:
    def __init__(self, engine: Engine, *, min_group_size: int) -> None:
        self.engine = engine
        self.min_group_size = min_group_size

    def for_audience(self, audience: str) -> BatchRenderer:
        async def render(messages: Sequence[RoomMessage]) -> str | None:
            if audience == "alerts" and not any(m.type in FACILITATOR_ONLY_TYPES for m in messages):
                return None  # most of a room's traffic: no need to reach the database at all

            def work() -> str | None:
                with Session(self.engine, expire_on_commit=False) as session:
                    return render_update(session, messages, audience, min_group_size=self.min_group_size)

            return await run_in_threadpool(work)

        return render

    async def snapshot(self, event_id: int, audience: str) -> str:
        def work() -> str:
            with Session(self.engine, expire_on_commit=False) as session:
                return render_snapshot(session, event_id, audience, min_group_size=self.min_group_size)

        return await run_in_threadpool(work)
