"""The live regions of the board, the facilitator console and the participant page.

Each region is re-rendered from the database as it is now, so a pushed update is idempotent
and order-insensitive: a late or repeated message can never leave a screen wrong."""

from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool

from app.annotations import service as annotations
from app.annotations.models import Annotation
from app.events.models import Event
from app.journeys import service as journeys
from app.realtime.hub import Renderer
from app.roomlog.service import ANNOTATION_TYPES, RoomMessage
from app.templating import render_template
from app.vignettes.models import Vignette

AUDIENCES = ("board", "console", "participant")
LATEST = 8
MODERATION = 100


def heat(count: int) -> int:
    """0-4 colour steps for a count, the same on every screen."""
    return 0 if count <= 0 else 1 if count == 1 else 2 if count <= 3 else 3 if count <= 6 else 4


def live_context(
    session: Session, event: Event, audience: str, touchpoint_ids: set[int] | None = None
) -> dict[str, Any]:
    stages = journeys.stages(session, event.journey_map_id)
    all_tps = [tp for view in stages for tp in view.touchpoints]
    touchpoints = [tp for tp in all_tps if touchpoint_ids is None or tp.id in touchpoint_ids]
    ctx: dict[str, Any] = {
        "audience": audience,
        "event": event,
        "stages": stages,
        "touchpoints": touchpoints,
        "touchpoint_names": {tp.id: tp.name for tp in all_tps},
        "counts": annotations.counts(session, event.id or 0),
        "vignette_names": {v.id: v.name for v in session.exec(select(Vignette))},
        "heat": heat,
    }
    if audience == "participant":
        by_tp: dict[int, list[Annotation]] = {}
        for annotation in annotations.list_annotations(session, event.id or 0, include_hidden=False):
            if touchpoint_ids is None or annotation.touchpoint_id in touchpoint_ids:
                by_tp.setdefault(annotation.touchpoint_id, []).append(annotation)
        ctx["by_touchpoint"] = by_tp
    else:
        ctx["latest"] = annotations.list_annotations(
            session, event.id or 0, include_hidden=False, limit=LATEST
        )
    if audience == "console":
        ctx["moderation"] = annotations.list_annotations(
            session, event.id or 0, include_hidden=True, limit=MODERATION
        )
    return ctx


def render_update(session: Session, message: RoomMessage, audience: str) -> str | None:
    event = session.get(Event, message.event_id)
    if event is None:
        return None
    if message.type in ANNOTATION_TYPES:
        tp_id = (message.data or {}).get("touchpoint_id")
        touchpoints = {int(tp_id)} if tp_id is not None else None
        return render_template("events/live.html", live_context(session, event, audience, touchpoints))
    if message.type == "event.status":
        return render_template(
            "events/live.html",
            {**live_context(session, event, audience, set()), "status_only": True},
        )
    return None


def render_snapshot(session: Session, event_id: int, audience: str) -> str:
    event = session.get(Event, event_id)
    if event is None:
        return ""
    return render_template("events/live.html", live_context(session, event, audience))


class HtmlRenderers:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def for_audience(self, audience: str) -> Renderer:
        async def render(message: RoomMessage) -> str | None:
            def work() -> str | None:
                with Session(self.engine, expire_on_commit=False) as session:
                    return render_update(session, message, audience)

            return await run_in_threadpool(work)

        return render

    async def snapshot(self, event_id: int, audience: str) -> str:
        def work() -> str:
            with Session(self.engine, expire_on_commit=False) as session:
                return render_snapshot(session, event_id, audience)

        return await run_in_threadpool(work)
