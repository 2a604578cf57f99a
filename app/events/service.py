"""Events: creating one from a template, who may run it, opening and closing it."""

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Protocol

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, col, select

from app.errors import Conflict, Forbidden, Invalid, NotFound, found
from app.events.models import Event, EventFacilitator, EventStatus, Team, TeamVignette
from app.facilitators.models import Facilitator
from app.journeys import service as journeys
from app.journeys.files import StageIn
from app.journeys.models import JourneyMap
from app.organisations import service as organisations
from app.phases.models import default_agenda
from app.roomlog.messages import EventStatusChanged, MessageType
from app.roomlog.service import RoomMessage, record
from app.timeutil import utcnow
from app.vignettes import service as vignettes
from app.vignettes.models import Vignette

# No 0/O, 1/I/L: the code is read off a projector and typed on phones.
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 6
# The rules for an event's teams (check_teams), at creation and whenever they change (app/teams).
MAX_TEAMS = 12
MAX_TEAM_NAME = 60
MAX_TEAM_VIGNETTES = 6


class TeamIn(BaseModel):
    """A team as given: the lengths here only stop oversized input; check_teams holds the rules,
    with messages that say which team has the problem."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str = Field(max_length=400)
    vignette_slugs: list[Annotated[str, Field(max_length=80)]] = Field(default_factory=list, max_length=50)


class TeamSpecLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def vignette_slugs(self) -> list[str]: ...


def check_teams(specs: Sequence[TeamSpecLike]) -> None:
    if not 1 <= len(specs) <= MAX_TEAMS:
        raise Invalid(f"An event has between 1 and {MAX_TEAMS} teams; this list has {len(specs)}.")
    names: set[str] = set()
    for number, team in enumerate(specs, start=1):
        if not team.name:
            raise Invalid(f"Team {number} has no name. Give every team a name.")
        if len(team.name) > MAX_TEAM_NAME:
            raise Invalid(
                f"The name of team {number} is {len(team.name)} characters; keep it to {MAX_TEAM_NAME}."
            )
        if team.name.casefold() in names:
            raise Invalid(f'Two teams are called "{team.name}". Give each team its own name.')
        names.add(team.name.casefold())
        if len(team.vignette_slugs) > MAX_TEAM_VIGNETTES:
            raise Invalid(
                f'"{team.name}" has {len(team.vignette_slugs)} vignettes; a team follows at most '
                f"{MAX_TEAM_VIGNETTES}."
            )
        if len(set(team.vignette_slugs)) != len(team.vignette_slugs):
            raise Invalid(f'"{team.name}" lists the same vignette twice.')


class EventCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    title: str = Field(min_length=1, max_length=200)
    date: dt.date | None = None
    journey_map_id: int
    teams: list[TeamIn] | None = Field(default=None, max_length=50)
    dots_per_participant: int = Field(default=3, ge=1, le=20)
    open: bool = True


class EventSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    support_info: str = Field(default="", max_length=2000)
    changes_close_days: int = Field(default=7, ge=0, le=90)
    retention_days: int = Field(default=30, ge=1, le=3650)


class FacilitatorAdd(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    email: str = Field(min_length=3, max_length=254)


@dataclass
class TeamView:
    team: Team
    vignettes: list[Vignette]


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def normalise_join_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())[: JOIN_CODE_LENGTH * 2]


def create_event(session: Session, data: EventCreate, *, facilitator_id: int) -> Event:
    template = journeys.get_template(session, data.journey_map_id)
    team_specs = (
        [vignettes.TeamSpec(name=t.name, vignette_slugs=t.vignette_slugs) for t in data.teams]
        if data.teams is not None
        else vignettes.default_teams(session)
    )
    check_teams(team_specs)
    journey = journeys.copy_map(session, template)
    code = new_join_code()
    while session.exec(select(Event.id).where(Event.join_code == code)).first() is not None:
        code = new_join_code()
    event = Event(
        title=data.title,
        date=data.date,
        journey_map_id=journey.id or 0,
        join_code=code,
        status=EventStatus.open if data.open else EventStatus.draft,
        dots_per_participant=data.dots_per_participant,
        organisation_id=organisations.home_organisation_id(session, facilitator_id),
    )
    session.add(event)
    session.flush()
    session.add(EventFacilitator(event_id=event.id or 0, facilitator_id=facilitator_id))
    session.add_all(default_agenda(event.id or 0))
    for position, spec in enumerate(team_specs):
        team = Team(event_id=event.id or 0, name=spec.name, position=position)
        session.add(team)
        session.flush()
        for v_pos, vignette in enumerate(vignettes.by_slugs(session, spec.vignette_slugs)):
            session.add(TeamVignette(team_id=team.id or 0, vignette_id=vignette.id or 0, position=v_pos))
    session.flush()
    return event


def get_event(session: Session, event_id: int) -> Event:
    return found(session.get(Event, event_id), "There is no such event.")


def is_facilitator(session: Session, event_id: int, facilitator_id: int | None) -> bool:
    return organisations.facilitates(session, event_id, facilitator_id)


def require_facilitator(session: Session, event_id: int, facilitator_id: int | None) -> Event:
    """The one permission check for facilitator actions on an event."""
    event = get_event(session, event_id)
    if not is_facilitator(session, event_id, facilitator_id):
        raise Forbidden("Only this event's facilitators can do that.")
    return event


def add_facilitator(session: Session, event: Event, *, email: str) -> tuple[Facilitator, bool]:
    """Make an existing facilitator account a co-facilitator of the event; True if newly added."""
    other = session.exec(select(Facilitator).where(Facilitator.email == email.strip().lower())).first()
    if other is None:
        raise NotFound("There is no facilitator account with that email. Ask them to get an account first.")
    if is_facilitator(session, event.id or 0, other.id):
        return other, False
    session.add(EventFacilitator(event_id=event.id or 0, facilitator_id=other.id or 0))
    session.flush()
    return other, True


def facilitator_emails(session: Session, event_id: int) -> list[str]:
    return list(
        session.exec(
            select(Facilitator.email)
            .join(EventFacilitator, col(EventFacilitator.facilitator_id) == Facilitator.id)
            .where(EventFacilitator.event_id == event_id)
            .order_by(col(Facilitator.email))
        )
    )


def require_editable_map(session: Session, event_id: int, facilitator_id: int | None) -> Event:
    event = require_facilitator(session, event_id, facilitator_id)
    if event.status != EventStatus.draft:
        raise Conflict("The journey map can only be changed before the event opens.")
    return event


def require_map_reader(session: Session, map_id: int, facilitator_id: int | None) -> JourneyMap:
    """A template is open to every facilitator; an event's own map only to that event's facilitators."""
    journey = journeys.get_map(session, map_id)
    if journey.is_template and facilitator_id is not None:
        return journey
    event = session.exec(select(Event).where(Event.journey_map_id == map_id)).first()
    if event is None or not is_facilitator(session, event.id or 0, facilitator_id):
        raise NotFound("There is no such journey map.")
    return journey


def save_map_as_template(session: Session, event: Event, *, name: str = "") -> JourneyMap:
    """A copy of the event's map, with every edit made for it, in the template library."""
    return journeys.save_as_template(session, event.journey_map_id, name=name or event.title[:120])


def replace_map(session: Session, event: Event, new_stages: list[StageIn]) -> Event:
    """A draft event's map becomes these stages (an imported file)."""
    journeys.write_stages(session, event.journey_map_id, new_stages)
    return event


def find_by_join_code(session: Session, code: str) -> Event:
    event = session.exec(select(Event).where(Event.join_code == normalise_join_code(code))).first()
    if event is None:
        raise NotFound("That join code does not match an event. Check the code on the screen.")
    if event.status == EventStatus.draft:
        raise Conflict("This event has not opened yet. Ask the facilitator when it will start.")
    if event.status == EventStatus.closed:
        raise Conflict("This event has closed.")
    return event


def events_for_facilitator(session: Session, facilitator_id: int) -> list[Event]:
    return list(
        session.exec(
            select(Event)
            .join(EventFacilitator, col(EventFacilitator.event_id) == Event.id)
            .where(EventFacilitator.facilitator_id == facilitator_id)
            .order_by(col(Event.created_at).desc(), col(Event.id).desc())
        )
    )


def set_status(session: Session, event: Event, status: EventStatus) -> list[RoomMessage]:
    if event.status == status:
        return []
    if status == EventStatus.draft:
        raise Invalid("An event cannot go back to draft.")
    event.status = status
    # Reopening starts the clock for late changes and retention again when it next closes.
    event.closed_at = utcnow() if status == EventStatus.closed else None
    session.add(event)
    session.flush()
    return [record(session, event.id or 0, MessageType.EVENT_STATUS, data=EventStatusChanged(status=status))]


def reopen(session: Session, event: Event) -> list[RoomMessage]:
    """A closed event opens again: participants can join and write as before."""
    if event.status != EventStatus.closed:
        raise Conflict("Only a closed event can be reopened.")
    return set_status(session, event, EventStatus.open)


def update_settings(session: Session, event: Event, data: EventSettings) -> Event:
    if data.retention_days < data.changes_close_days:
        raise Invalid("Keep the link to authors at least as long as people can still change their words.")
    event.support_info = data.support_info
    event.changes_close_days = data.changes_close_days
    event.retention_days = data.retention_days
    session.add(event)
    return event


MAX_KEEP_DAYS = 3650


def set_delete_after(session: Session, event: Event, day: dt.date, *, today: dt.date) -> Event:
    """Facilitators choose when the event is deleted: from tomorrow (today would delete it within
    the hour, before anyone could take the archive) to ten years ahead."""
    if day <= today:
        raise Invalid("Choose a date after today. To delete the event now, ask the operator to purge it.")
    if day > today + dt.timedelta(days=MAX_KEEP_DAYS):
        raise Invalid("Choose a date within ten years.")
    event.delete_after = day
    session.add(event)
    return event


def teams(session: Session, event_id: int) -> list[TeamView]:
    team_rows = session.exec(
        select(Team).where(Team.event_id == event_id).order_by(col(Team.position), col(Team.id))
    ).all()
    links = session.exec(
        select(TeamVignette, Vignette)
        .join(Vignette, col(Vignette.id) == TeamVignette.vignette_id)
        .join(Team, col(Team.id) == TeamVignette.team_id)
        .where(Team.event_id == event_id)
        .order_by(col(TeamVignette.position))
    ).all()
    by_team: dict[int, list[Vignette]] = {}
    for link, vignette in links:
        by_team.setdefault(link.team_id, []).append(vignette)
    return [TeamView(team=t, vignettes=by_team.get(t.id or 0, [])) for t in team_rows]


def get_team(session: Session, event_id: int, team_id: int) -> Team:
    team = session.get(Team, team_id)
    if team is None or team.event_id != event_id:
        raise Invalid("Choose one of this event's teams.")
    return team


def event_vignette(session: Session, event_id: int, slug: str) -> Vignette:
    for view in teams(session, event_id):
        for vignette in view.vignettes:
            if vignette.slug == slug:
                return vignette
    raise Invalid("That vignette is not used in this event.")


def describe(session: Session, event: Event, *, join_url: str, for_facilitator: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": event.id,
        "title": event.title,
        "date": event.date.isoformat() if event.date else None,
        "status": event.status.value,
        "open": event.status == EventStatus.open,
        "phase": event.phase,
        "join_code": event.join_code,
        "join_url": join_url,
        "dots_per_participant": event.dots_per_participant,
        "last_seq": event.last_seq,
        "stages": [
            {
                "id": view.stage.id,
                "name": view.stage.name,
                "description": view.stage.description,
                "position": view.stage.position,
                "touchpoints": [
                    {"id": tp.id, "name": tp.name, "prompt": tp.prompt, "position": tp.position}
                    for tp in view.touchpoints
                ],
            }
            for view in journeys.stages(session, event.journey_map_id)
        ],
        "teams": [
            {
                "id": view.team.id,
                "name": view.team.name,
                "vignette_slugs": [v.slug for v in view.vignettes],
            }
            for view in teams(session, event.id or 0)
        ],
    }
    body["support_info"] = event.support_info
    body["changes_close_days"] = event.changes_close_days
    if for_facilitator:
        body["retention_days"] = event.retention_days
        body["journey_map_id"] = event.journey_map_id
        body["created_at"] = event.created_at.isoformat()
    return body
