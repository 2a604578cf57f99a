"""Running the room: the agenda and the current phase, the timer, the spotlight, and who is done
with a phase (as a count). Choosing the board's view is `app.phases.board`; what each screen then
shows is read in `app.room`."""

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlmodel import Session, col, func, select

from app.annotations.models import Annotation
from app.errors import Conflict, Invalid, NotFound
from app.events.models import Event
from app.journeys import service as journeys
from app.participants.models import Participant
from app.phases import board
from app.phases.models import Phase, PhasePublic, Readiness, default_agenda
from app.roomlog.messages import (
    AgendaChanged,
    MessageType,
    PhaseChanged,
    ReadinessChanged,
    SpotlightChanged,
    TimerChanged,
)
from app.roomlog.service import RoomMessage, record
from app.timeutil import utcnow

MAX_PHASES = 20
MAX_TIMER_SECONDS = 6 * 60 * 60
SLUG_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PhaseChange(_Strict):
    phase: str = Field(min_length=1, max_length=40)
    private_writing: bool | None = None


class PhaseCreate(_Strict):
    name: str = Field(min_length=1, max_length=80)
    slug: str | None = Field(default=None, max_length=40, pattern=SLUG_PATTERN)
    duration_minutes: int = Field(default=15, ge=1, le=480)
    private_writing: bool = False


class PhaseUpdate(_Strict):
    name: str | None = Field(default=None, min_length=1, max_length=80)
    duration_minutes: int | None = Field(default=None, ge=1, le=480)
    skipped: bool | None = None
    private_writing: bool | None = None
    position: int | None = Field(default=None, ge=0, le=MAX_PHASES)


class TimerAction(_Strict):
    action: Literal["start", "pause", "add"]
    seconds: int | None = Field(default=None, ge=1, le=MAX_TIMER_SECONDS)


class SpotlightChange(_Strict):
    touchpoint_id: int | None = None
    stage_id: int | None = None

    @model_validator(mode="after")
    def _one_at_most(self) -> "SpotlightChange":
        if self.touchpoint_id is not None and self.stage_id is not None:
            raise ValueError("Spotlight a stage or a touchpoint, not both.")
        return self


class ReadyChange(_Strict):
    done: bool = True


@dataclass(frozen=True)
class TimerState:
    running: bool
    remaining_seconds: int
    deadline: dt.datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "running": self.running,
            "remaining_seconds": self.remaining_seconds,
            "deadline": self.deadline.isoformat() if self.deadline else None,
        }


@dataclass(frozen=True)
class Spotlight:
    name: str
    anchor: str  # the id of the element on the journey, e.g. "tp-12" or "stage-3"
    stage_id: int | None
    touchpoint_id: int | None


# ---- agenda and phases -------------------------------------------------------------------------


def agenda(session: Session, event_id: int) -> list[Phase]:
    return list(
        session.exec(
            select(Phase).where(Phase.event_id == event_id).order_by(col(Phase.position), col(Phase.id))
        )
    )


def ensure_agenda(session: Session, event: Event) -> None:
    """Give an event made without an agenda (an import, say) the default one before changing it."""
    if session.exec(select(Phase.id).where(Phase.event_id == event.id)).first() is None:
        session.add_all(default_agenda(event.id or 0))
        session.flush()


def find_phase(session: Session, event_id: int, slug: str) -> Phase | None:
    return session.exec(select(Phase).where(Phase.event_id == event_id, Phase.slug == slug)).first()


def get_phase(session: Session, event_id: int, slug: str) -> Phase:
    phase = find_phase(session, event_id, slug)
    if phase is None:
        raise NotFound("That phase is not on this event's agenda.")
    return phase


def current_phase(session: Session, event: Event) -> Phase | None:
    return find_phase(session, event.id or 0, event.phase)


def writing_is_private(session: Session, event: Event) -> bool:
    phase = current_phase(session, event)
    return phase is not None and phase.private_writing


def phase_dict(phase: Phase) -> dict[str, Any]:
    return {
        "slug": phase.slug,
        "name": phase.name,
        "duration_minutes": phase.duration_minutes,
        "position": phase.position,
        "skipped": phase.skipped,
        "private_writing": phase.private_writing,
    }


def _phase_changed(session: Session, event: Event, phase: Phase) -> RoomMessage:
    return record(
        session,
        event.id or 0,
        MessageType.PHASE_CHANGED,
        data=PhaseChanged(phase=phase.slug, name=phase.name, private_writing=phase.private_writing),
    )


def _agenda_changed(session: Session, event: Event) -> RoomMessage:
    phases = [PhasePublic.model_validate(phase_dict(p)) for p in agenda(session, event.id or 0)]
    return record(session, event.id or 0, MessageType.AGENDA_CHANGED, data=AgendaChanged(phases=phases))


def set_phase(session: Session, event: Event, data: PhaseChange) -> list[RoomMessage]:
    """Move the room to a phase (forward or back); the timer is set to the phase's duration."""
    ensure_agenda(session, event)
    phase = get_phase(session, event.id or 0, data.phase)
    if phase.skipped:
        raise Conflict("That phase is skipped on the agenda. Include it again first.")
    moved = event.phase != phase.slug
    toggled = data.private_writing is not None and data.private_writing != phase.private_writing
    if not moved and not toggled:
        return []
    if toggled:
        phase.private_writing = bool(data.private_writing)
        session.add(phase)
    messages = []
    if moved:
        event.phase = phase.slug
        _set_timer(event, running=False, remaining=phase.duration_minutes * 60)
        session.add(event)
        session.flush()
        messages.append(_phase_changed(session, event, phase))
        messages.append(_timer_changed(session, event))
    else:
        session.flush()
        messages.append(_phase_changed(session, event, phase))
    return messages


def _unique_slug(session: Session, event_id: int, base: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", base.lower()).strip("_")[:32] or "phase"
    if not base[0].isalpha():
        base = f"phase_{base}"[:32]
    slug, n = base, 2
    while find_phase(session, event_id, slug) is not None:
        slug, n = f"{base}_{n}", n + 1
    return slug


def add_phase(session: Session, event: Event, data: PhaseCreate) -> tuple[Phase, list[RoomMessage]]:
    ensure_agenda(session, event)
    existing = agenda(session, event.id or 0)
    if len(existing) >= MAX_PHASES:
        raise Invalid(f"An agenda can have at most {MAX_PHASES} phases.")
    if data.slug and find_phase(session, event.id or 0, data.slug) is not None:
        raise Conflict("The agenda already has a phase with that slug.")
    phase = Phase(
        event_id=event.id or 0,
        slug=data.slug or _unique_slug(session, event.id or 0, data.name),
        name=data.name,
        duration_minutes=data.duration_minutes,
        private_writing=data.private_writing,
        position=max((p.position for p in existing), default=-1) + 1,
    )
    session.add(phase)
    session.flush()
    return phase, [_agenda_changed(session, event)]


def update_phase(
    session: Session, event: Event, slug: str, data: PhaseUpdate
) -> tuple[Phase, list[RoomMessage]]:
    ensure_agenda(session, event)
    phase = get_phase(session, event.id or 0, slug)
    if data.skipped and phase.slug == event.phase:
        raise Conflict("The room is in this phase now. Move to another phase before skipping it.")
    for name in ("name", "duration_minutes", "skipped", "private_writing"):
        value = getattr(data, name)
        if value is not None:
            setattr(phase, name, value)
    session.add(phase)
    if data.position is not None:
        ordered = [p for p in agenda(session, event.id or 0) if p.id != phase.id]
        ordered.insert(min(data.position, len(ordered)), phase)
        for position, item in enumerate(ordered):
            item.position = position
            session.add(item)
    session.flush()
    return phase, [_agenda_changed(session, event)]


def move_phase(session: Session, event: Event, slug: str, offset: int) -> tuple[Phase, list[RoomMessage]]:
    ensure_agenda(session, event)
    ordered = agenda(session, event.id or 0)
    phase = get_phase(session, event.id or 0, slug)
    index = next(i for i, p in enumerate(ordered) if p.id == phase.id)
    return update_phase(session, event, slug, PhaseUpdate(position=max(index + offset, 0)))


def neighbours(phases: list[Phase], slug: str) -> tuple[Phase | None, Phase | None]:
    """The phases before and after `slug`, skipping skipped ones: the console's back and next."""
    active = [p for p in phases if not p.skipped or p.slug == slug]
    index = next((i for i, p in enumerate(active) if p.slug == slug), None)
    if index is None:
        return None, active[0] if active else None
    before = active[index - 1] if index > 0 else None
    after = active[index + 1] if index + 1 < len(active) else None
    return before, after


# ---- timer --------------------------------------------------------------------------------------


def timer_state(event: Event, now: dt.datetime | None = None) -> TimerState:
    if event.timer_running and event.timer_started_at is not None:
        started = _aware(event.timer_started_at)
        deadline = started + dt.timedelta(seconds=event.timer_remaining_seconds)
        left = int((deadline - (now or utcnow())).total_seconds())
        return TimerState(running=True, remaining_seconds=max(left, 0), deadline=deadline)
    return TimerState(running=False, remaining_seconds=max(event.timer_remaining_seconds, 0), deadline=None)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _set_timer(event: Event, *, running: bool, remaining: int) -> None:
    event.timer_running = running
    event.timer_remaining_seconds = min(max(remaining, 0), MAX_TIMER_SECONDS)
    event.timer_started_at = utcnow() if running else None


def _timer_changed(session: Session, event: Event) -> RoomMessage:
    timer = TimerChanged.model_validate(timer_state(event).to_dict())
    return record(session, event.id or 0, MessageType.TIMER_CHANGED, data=timer)


def control_timer(session: Session, event: Event, data: TimerAction) -> list[RoomMessage]:
    state = timer_state(event)
    if data.action == "start":
        if state.running and data.seconds is None:
            return []
        remaining = data.seconds or state.remaining_seconds
        if remaining <= 0:
            phase = current_phase(session, event)
            remaining = (phase.duration_minutes if phase else 5) * 60
        _set_timer(event, running=True, remaining=remaining)
    elif data.action == "pause":
        if not state.running:
            return []
        _set_timer(event, running=False, remaining=state.remaining_seconds)
    else:
        _set_timer(event, running=state.running, remaining=state.remaining_seconds + (data.seconds or 60))
    session.add(event)
    session.flush()
    return [_timer_changed(session, event)]


# ---- spotlight ----------------------------------------------------------------------------------


def spotlight(session: Session, event: Event) -> Spotlight | None:
    if event.spotlight_touchpoint_id is not None:
        tp = journeys.get_touchpoint(session, event.journey_map_id, event.spotlight_touchpoint_id)
        return Spotlight(tp.name, f"tp-{tp.id}", None, tp.id)
    if event.spotlight_stage_id is not None:
        stage = journeys.get_stage(session, event.journey_map_id, event.spotlight_stage_id)
        return Spotlight(stage.name, f"stage-{stage.id}", stage.id, None)
    return None


def set_spotlight(session: Session, event: Event, data: SpotlightChange) -> list[RoomMessage]:
    if data.touchpoint_id is not None:
        journeys.get_touchpoint(session, event.journey_map_id, data.touchpoint_id)
    if data.stage_id is not None:
        journeys.get_stage(session, event.journey_map_id, data.stage_id)
    if (event.spotlight_touchpoint_id, event.spotlight_stage_id) == (data.touchpoint_id, data.stage_id):
        return []
    event.spotlight_touchpoint_id = data.touchpoint_id
    event.spotlight_stage_id = data.stage_id
    session.add(event)
    session.flush()
    current = spotlight(session, event)
    return [
        record(
            session,
            event.id or 0,
            MessageType.SPOTLIGHT_CHANGED,
            data=SpotlightChanged(
                touchpoint_id=data.touchpoint_id,
                stage_id=data.stage_id,
                name=current.name if current else None,
            ),
        )
    ]


# ---- readiness ----------------------------------------------------------------------------------


def set_ready(session: Session, event: Event, participant: Participant, *, done: bool) -> list[RoomMessage]:
    """One "I'm done" per participant per phase; tapping again undoes it."""
    phase = current_phase(session, event)
    if phase is None:
        raise Conflict("The room is not in a phase right now.")
    mark = session.exec(
        select(Readiness).where(Readiness.phase_id == phase.id, Readiness.participant_id == participant.id)
    ).first()
    if done == (mark is not None):
        return []
    if done:
        session.add(Readiness(phase_id=phase.id or 0, participant_id=participant.id or 0))
    else:
        session.delete(mark)
    session.flush()
    count = ready_count(session, event)
    ready = ReadinessChanged(phase=phase.slug, ready=count)
    return [record(session, event.id or 0, MessageType.READINESS_CHANGED, data=ready)]


def is_ready(session: Session, event: Event, participant: Participant) -> bool:
    phase = current_phase(session, event)
    if phase is None:
        return False
    found = session.exec(
        select(Readiness.id).where(Readiness.phase_id == phase.id, Readiness.participant_id == participant.id)
    ).first()
    return found is not None


def ready_count(session: Session, event: Event) -> int:
    phase = current_phase(session, event)
    if phase is None:
        return 0
    return session.exec(
        select(func.count()).select_from(Readiness).where(Readiness.phase_id == phase.id)
    ).one()


# ---- what each screen shows --------------------------------------------------------------------


def private_count(session: Session, event_id: int) -> int:
    return session.exec(
        select(func.count())
        .select_from(Annotation)
        .where(Annotation.event_id == event_id, col(Annotation.private).is_(True))
    ).one()


def describe_room(session: Session, event: Event, *, for_facilitator: bool) -> dict[str, Any]:
    """The room as JSON: the agenda, where it is now, the timer and the spotlight."""
    current = spotlight(session, event)
    body: dict[str, Any] = {
        "phase": event.phase,
        "agenda": [phase_dict(p) for p in agenda(session, event.id or 0)],
        "timer": timer_state(event).to_dict(),
        "spotlight": {
            "stage_id": current.stage_id,
            "touchpoint_id": current.touchpoint_id,
            "name": current.name,
        }
        if current
        else None,
        "board": board.describe(event),
    }
    if for_facilitator:
        body["ready_count"] = ready_count(session, event)
        body["private_count"] = private_count(session, event.id or 0)
    return body
