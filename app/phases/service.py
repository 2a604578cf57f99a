"""Running the room: the agenda and the current phase, the timer, the spotlight, what the board
shows, who is done with a phase (as a count), and who is here (as counts that respect the
small-group rule)."""

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlmodel import Session, col, func, select

from app.annotations.models import Annotation
from app.errors import Conflict, Invalid, NotFound
from app.events import service as events
from app.events.models import Event
from app.journeys import service as journeys
from app.participants.models import HERE_AS_LABELS, HereAs, Participant
from app.phases import board
from app.phases.models import PRINCIPLE_QUESTIONS, Phase, Readiness, default_agenda
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


@dataclass
class GroupCounts:
    total: int
    shown: list[tuple[str, int]]
    other: int  # merged small groups; 0 when there are none
    min_size: int
    # By team only: every team in the facilitator's order with what the console shows for it.
    rows: list[tuple[str, str]] = field(default_factory=list)


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
        "phase.changed",
        data={"phase": phase.slug, "name": phase.name, "private_writing": phase.private_writing},
    )


def _agenda_changed(session: Session, event: Event) -> RoomMessage:
    phases = [phase_dict(p) for p in agenda(session, event.id or 0)]
    return record(session, event.id or 0, "agenda.changed", data={"phases": phases})


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
    return record(session, event.id or 0, "timer.changed", data=timer_state(event).to_dict())


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


def about_minutes(seconds: int) -> str | None:
    """The quiet wording phones get: no seconds, nothing once time is up."""
    if seconds <= 0:
        return None
    if seconds <= 90:
        return "about a minute left"
    return f"about {round(seconds / 60)} minutes left"


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
            "spotlight.changed",
            data={
                "touchpoint_id": data.touchpoint_id,
                "stage_id": data.stage_id,
                "name": current.name if current else None,
            },
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
    return [record(session, event.id or 0, "readiness.changed", data={"phase": phase.slug, "ready": count})]


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


# ---- who is here --------------------------------------------------------------------------------


def merge_small_groups(counts: dict[str, int], min_size: int) -> tuple[list[tuple[str, int]], int]:
    """Groups smaller than `min_size` are merged into one "other" figure. When that merge alone
    would still single a group out (only one small group, or "other" itself small), the next
    smallest groups join it, so no small group's number can be worked out from the total."""
    groups = sorted(((k, n) for k, n in counts.items() if n > 0), key=lambda item: (item[1], item[0]))
    hidden = [g for g in groups if g[1] < min_size]
    shown = [g for g in groups if g[1] >= min_size]
    while hidden and shown and (len(hidden) == 1 or sum(n for _, n in hidden) < min_size):
        hidden.append(shown.pop(0))
    shown.sort(key=lambda item: (-item[1], item[0]))
    return shown, sum(n for _, n in hidden)


def here_counts(session: Session, event_id: int, min_size: int) -> tuple[GroupCounts, GroupCounts]:
    """Participants by team and by "here as", as the console may show them."""
    rows = session.exec(
        select(Participant.team_id, Participant.here_as, func.count())
        .where(Participant.event_id == event_id)
        .group_by(col(Participant.team_id), col(Participant.here_as))
    ).all()
    team_names = {v.team.id: v.team.name for v in events.teams(session, event_id)}
    by_team: Counter[str] = Counter()
    by_here_as: Counter[str] = Counter()
    for team_id, here_as, n in rows:
        by_team[team_names.get(team_id, "No team yet")] += n
        by_here_as[HERE_AS_LABELS[HereAs(here_as)]] += n
    total = sum(by_team.values())
    result = []
    for counts in (by_team, by_here_as):
        shown, other = merge_small_groups(dict(counts), min_size)
        result.append(GroupCounts(total=total, shown=shown, other=other, min_size=min_size))
    names = [*team_names.values(), *(["No team yet"] if by_team["No team yet"] else [])]
    result[0].rows = [
        (name, team_count_text(by_team[name], dict(result[0].shown), name, min_size)) for name in names
    ]
    return result[0], result[1]


def team_count_text(n: int, shown: dict[str, int], name: str, min_size: int) -> str:
    """A team's count on the console: the number only when the small-group rule lets it show; a
    team merged only to keep a smaller one from being worked out from the total is "N or more"."""
    if name in shown:
        return str(n)
    if n == 0:
        return "nobody yet"
    return f"fewer than {min_size}" if n < min_size else f"{min_size} or more"


# ---- what each screen shows --------------------------------------------------------------------


def private_count(session: Session, event_id: int) -> int:
    return session.exec(
        select(func.count())
        .select_from(Annotation)
        .where(Annotation.event_id == event_id, col(Annotation.private).is_(True))
    ).one()


def room_context(
    session: Session, event: Event, audience: str, *, visible: Callable[[], list[Annotation]]
) -> dict[str, Any]:
    """The template context for the room regions of one audience's screen; `visible` loads the
    annotations the whole room may see (only the board's wall and chart need them)."""
    phases = agenda(session, event.id or 0)
    phase = next((p for p in phases if p.slug == event.phase), None)
    timer = timer_state(event)
    focus = spotlight(session, event)
    ctx: dict[str, Any] = {
        "agenda": phases,
        "phase": phase,
        "timer": timer,
        "about_left": about_minutes(timer.remaining_seconds) if timer.running else None,
        "spotlight": focus,
        "pages": board.optional_pages(event.id or 0),
        "principle_questions": PRINCIPLE_QUESTIONS,
    }
    if audience in ("board", "console"):
        needs = event.board_view in ("wall", "principles") or (audience == "board" and focus is not None)
        room = visible() if needs else []
        ctx["board"] = board.board_state(session, event, room)
        ctx["board_views"] = board.BOARD_VIEWS
        if audience == "board" and focus is not None:
            ctx["spotlight_notes"] = board.notes_at(session, event, room, focus.stage_id, focus.touchpoint_id)
    if audience == "console":
        ctx["back"], ctx["next"] = neighbours(phases, event.phase)
        ctx["ready_count"] = ready_count(session, event)
        ctx["private_count"] = private_count(session, event.id or 0)
        ctx["teams"] = events.teams(session, event.id or 0)
    return ctx


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
