"""An event's teams as the facilitator sets them: add, rename, reorder, pair with vignettes, and
remove (moving the people and contributions of a removed team to another, so nothing is lost).

Teams change while the event is a draft or open (renaming a team mid-walk is normal: phones and the
console follow live through the `teams.changed` room message); a closed event's teams are kept as
they were, for its report and exports, unless it is reopened.
"""

import hashlib
from typing import Annotated, Literal

from pydantic import Field
from sqlalchemy import update
from sqlmodel import Session, col, delete, or_, select

from app.annotations.models import Annotation
from app.errors import Conflict, Invalid
from app.events import service as events
from app.events.models import Event, EventStatus, Team, TeamPublic, TeamVignette
from app.participants.models import Participant
from app.roomlog.messages import MessageType, TeamName, TeamsChanged
from app.roomlog.service import RoomMessage, record
from app.support.models import SupportRequest
from app.vignettes import service as vignettes
from app.vignettes.models import Vignette

MAX_TEAMS = events.MAX_TEAMS
MAX_VIGNETTES = events.MAX_TEAM_VIGNETTES
# Rows that carry a team: moved together when their team is removed.
_WITH_TEAM = (Participant, Annotation, SupportRequest)


class TeamSet(events.TeamIn):
    """One team as the facilitator wants it; without `id`, a new team (rules: events.check_teams)."""

    id: int | None = None


TeamList = Annotated[list[TeamSet], Field(max_length=50)]


def public(session: Session, event_id: int) -> list[TeamPublic]:
    return [
        TeamPublic(
            id=view.team.id or 0,
            name=view.team.name,
            position=view.team.position,
            vignette_slugs=[v.slug for v in view.vignettes],
        )
        for view in events.teams(session, event_id)
    ]


def teams_in_use(session: Session, event_id: int) -> set[int]:
    """The teams that have people, contributions or support requests in them: removing one of
    those needs a team for them to move to."""
    used: set[int] = set()
    for model in _WITH_TEAM:
        used |= {
            team_id
            for team_id in session.exec(
                select(model.team_id)
                .where(model.event_id == event_id, col(model.team_id).is_not(None))
                .distinct()
            )
            if team_id is not None
        }
    return used


def _check(data: list[TeamSet], existing: dict[int, Team]) -> None:
    events.check_teams(data)
    ids: set[int] = set()
    for team in data:
        if team.id is not None:
            if team.id not in existing:
                raise Invalid(f"Team id {team.id} is not one of this event's teams.")
            if team.id in ids:
                raise Invalid(f"Team id {team.id} is listed twice.")
            ids.add(team.id)


def set_teams(
    session: Session, event: Event, data: list[TeamSet], *, move_to: int | None = None
) -> tuple[list[TeamPublic], list[RoomMessage]]:
    """Make the event's teams exactly `data`, in that order. Teams left out are removed; the
    people, contributions and support requests of a removed team move to the team `move_to`
    (which must stay). Any problem changes nothing: the caller's transaction rolls back."""
    if event.status == EventStatus.closed:
        raise Conflict("This event has closed, so its teams are kept as they were. Reopen it to change them.")
    event_id = event.id or 0
    # Two facilitators saving at once take turns (PostgreSQL; SQLite has one writer anyway), so
    # neither works from a list of teams the other has just changed.
    session.refresh(event, with_for_update=True)
    before = public(session, event_id)
    existing = {t.id or 0: t for t in session.exec(select(Team).where(Team.event_id == event_id))}
    _check(data, existing)
    kept = {t.id for t in data if t.id is not None}
    removed = [existing[i] for i in existing if i not in kept]
    if move_to is not None and move_to not in kept:
        raise Invalid("Move people to one of the teams that stay.")
    in_use = teams_in_use(session, event_id)
    for team in removed:
        if team.id in in_use and move_to is None:
            raise Conflict(
                f'"{team.name}" has people or contributions in it. Choose the team they move to (move_to).'
            )
    pairs = [vignettes.by_slugs(session, t.vignette_slugs) for t in data]
    removed_ids = [t.id or 0 for t in removed]
    if removed_ids:
        if move_to is not None:
            for model in _WITH_TEAM:
                session.connection().execute(
                    update(model).where(col(model.team_id).in_(removed_ids)).values(team_id=move_to)
                )
        # A board showing a removed team's wall shows where its words went (or everything).
        if event.board_filter in {f"team:{i}" for i in removed_ids}:
            event.board_filter = f"team:{move_to}" if move_to is not None else None
            session.add(event)
        session.exec(delete(TeamVignette).where(col(TeamVignette.team_id).in_(removed_ids)))
        session.exec(delete(Team).where(col(Team.id).in_(removed_ids)))
    for position, (spec, chosen) in enumerate(zip(data, pairs, strict=True)):
        team = existing[spec.id] if spec.id is not None else Team(event_id=event_id, name=spec.name)
        team.name = spec.name
        team.position = position
        session.add(team)
        session.flush()
        _pair(session, team, chosen)
    session.flush()
    after = public(session, event_id)
    if after == before:
        return after, []
    message = record(
        session,
        event_id,
        MessageType.TEAMS_CHANGED,
        data=TeamsChanged(teams=[TeamName(id=t.id, name=t.name) for t in after], removed=removed_ids),
    )
    return after, [message]


def _pair(session: Session, team: Team, chosen: list[Vignette]) -> None:
    links = list(session.exec(select(TeamVignette).where(TeamVignette.team_id == team.id)))
    if [link.vignette_id for link in sorted(links, key=lambda link: link.position)] == [v.id for v in chosen]:
        return
    for link in links:
        session.delete(link)
    session.flush()
    for position, vignette in enumerate(chosen):
        session.add(TeamVignette(team_id=team.id or 0, vignette_id=vignette.id or 0, position=position))


def as_specs(session: Session, event_id: int) -> list[TeamSet]:
    """The event's teams as they are, in the shape `set_teams` takes: the pages change one team in
    this list and save it whole, through the same rules as the API."""
    return [TeamSet(id=t.id, name=t.name, vignette_slugs=t.vignette_slugs) for t in public(session, event_id)]


def add_team(session: Session, event: Event, spec: TeamSet) -> tuple[list[TeamPublic], list[RoomMessage]]:
    """The event page's "Add a team": the list as it is, with one more at the end."""
    return set_teams(session, event, [*as_specs(session, event.id or 0), spec])


def change_team(
    session: Session, event: Event, team_id: int, action: Literal["save", "up", "down"], spec: TeamSet | None
) -> tuple[list[TeamPublic], list[RoomMessage]]:
    """One team saved (renamed, re-paired) or moved up or down one place; the rest as they are."""
    specs = as_specs(session, event.id or 0)
    n = _index(specs, team_id)
    if action == "save":
        if spec is None:
            raise Invalid("Give the team a name.")
        specs[n] = spec.model_copy(update={"id": team_id})
    else:
        other = n - 1 if action == "up" else n + 1
        if 0 <= other < len(specs):
            specs[n], specs[other] = specs[other], specs[n]
    return set_teams(session, event, specs)


def remove_team(
    session: Session, event: Event, team_id: int, *, move_to: int | None
) -> tuple[list[TeamPublic], list[RoomMessage]]:
    """One team removed; its people and words move to `move_to` (set_teams says when it is needed)."""
    specs = as_specs(session, event.id or 0)
    specs.pop(_index(specs, team_id))
    return set_teams(session, event, specs, move_to=move_to)


def _index(specs: list[TeamSet], team_id: int) -> int:
    for n, spec in enumerate(specs):
        if spec.id == team_id:
            return n
    raise Invalid("Choose one of this event's teams.")


def pairable_vignettes(session: Session, event_id: int) -> list[Vignette]:
    """What the event page offers to pair: every vignette of this instance that is not archived
    (built-in or any facilitator's own: the service's vignettes are shared, as in
    app/vignettes/service.py), and any already used in this event, archived or not."""
    used = select(TeamVignette.vignette_id).join(Team, col(Team.id) == TeamVignette.team_id)
    return list(
        session.exec(
            select(Vignette)
            .where(
                or_(
                    col(Vignette.archived).is_(False),
                    col(Vignette.id).in_(used.where(Team.event_id == event_id)),
                )
            )
            .order_by(col(Vignette.builtin).desc(), col(Vignette.team), col(Vignette.name))
        )
    )


def team_version(view: events.TeamView | None) -> str:
    """A short fingerprint of what a phone shows of its team: the phone asks for its team again
    after a `teams.changed` and is sent it only when this differs (an open story stays open)."""
    if view is None:
        return "none"
    raw = "\x1f".join([str(view.team.id), view.team.name, *(v.slug for v in view.vignettes)])
    return hashlib.sha256(raw.encode()).hexdigest()[:16]
