"""What each audience's live regions show: the template context of the board, the facilitator
console and a phone, read from the database as it is now."""

from collections.abc import Callable
from typing import Any

from sqlmodel import Session, select

from app.actions.plan import action_plan
from app.annotations import service as annotations
from app.annotations.models import Annotation
from app.events import service as events
from app.events.models import Event, EventStatus
from app.journeys import service as journeys
from app.phases import board as board_view
from app.phases import service as phases
from app.phases.models import PRINCIPLE_QUESTIONS
from app.room import board
from app.support import service as support
from app.vignettes.models import Vignette

LATEST = 8
MODERATION = 100


def heat(count: int) -> int:
    """0-4 colour steps for a count, the same on every screen."""
    return 0 if count <= 0 else 1 if count == 1 else 2 if count <= 3 else 3 if count <= 6 else 4


def live_context(
    session: Session,
    event: Event,
    audience: str,
    touchpoint_ids: set[int] | None = None,
    *,
    min_group_size: int = 5,
) -> dict[str, Any]:
    # The map is fixed once the event is open: read it once, not for every render.
    fixed = (event.id, event.created_at) if event.status != EventStatus.draft else None
    stages = journeys.stages(session, event.journey_map_id, fixed_key=fixed)
    all_tps = [tp for view in stages for tp in view.touchpoints]
    touchpoints = [tp for tp in all_tps if touchpoint_ids is None or tp.id in touchpoint_ids]
    ctx: dict[str, Any] = {
        "audience": audience,
        "event": event,
        "stages": stages,
        "touchpoints": touchpoints,
        "touchpoint_names": {tp.id: tp.name for tp in all_tps},
        "counts": annotations.counts(session, event.id or 0),
        "vignette_names": dict(session.exec(select(Vignette.id, Vignette.name)).all()),
        "heat": heat,
    }
    if audience == "participant":
        by_tp: dict[int, list[Annotation]] = {}
        only = next(iter(touchpoint_ids)) if touchpoint_ids and len(touchpoint_ids) == 1 else None
        rows = (
            []
            if touchpoint_ids == set()
            else annotations.list_annotations(
                session, event.id or 0, include_hidden=False, touchpoint_id=only
            )
        )
        for annotation in rows:
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
        ctx["support_requests"] = support.open_requests(session, event.id or 0)
        ctx["team_names"] = {view.team.id: view.team.name for view in events.teams(session, event.id or 0)}
        ctx["check_ins"] = support.check_in_summaries(session, event.id or 0, min_group_size=min_group_size)
    ctx.update(
        room_context(
            session,
            event,
            audience,
            visible=lambda: annotations.list_annotations(session, event.id or 0, include_hidden=False),
        )
    )
    if audience == "board" and event.board_view in ("priorities", "actions"):
        # The projector is the room's: tallies only once the facilitator reveals them.
        ctx["plan"] = action_plan(session, event, min_group_size=min_group_size, facilitator=False)
    return ctx


def about_minutes(seconds: int) -> str | None:
    """The quiet wording phones get: no seconds, nothing once time is up."""
    if seconds <= 0:
        return None
    if seconds <= 90:
        return "about a minute left"
    return f"about {round(seconds / 60)} minutes left"


def room_context(
    session: Session, event: Event, audience: str, *, visible: Callable[[], list[Annotation]]
) -> dict[str, Any]:
    """The template context for the room regions of one audience's screen; `visible` loads the
    annotations the whole room may see (only the board's wall and chart need them)."""
    agenda = phases.agenda(session, event.id or 0)
    phase = next((p for p in agenda if p.slug == event.phase), None)
    timer = phases.timer_state(event)
    focus = phases.spotlight(session, event)
    ctx: dict[str, Any] = {
        "agenda": agenda,
        "phase": phase,
        "timer": timer,
        "about_left": about_minutes(timer.remaining_seconds) if timer.running else None,
        "spotlight": focus,
        "principle_questions": PRINCIPLE_QUESTIONS,
    }
    if audience in ("board", "console"):
        needs = event.board_view in ("wall", "principles") or (audience == "board" and focus is not None)
        room = visible() if needs else []
        ctx["board"] = board.board_state(session, event, room)
        ctx["board_views"] = board_view.BOARD_VIEWS
        if audience == "board" and focus is not None:
            ctx["spotlight_notes"] = board.notes_at(session, event, room, focus.stage_id, focus.touchpoint_id)
    if audience == "console":
        ctx["back"], ctx["next"] = phases.neighbours(agenda, event.phase)
        ctx["ready_count"] = phases.ready_count(session, event)
        ctx["private_count"] = phases.private_count(session, event.id or 0)
        ctx["teams"] = events.teams(session, event.id or 0)
    return ctx
