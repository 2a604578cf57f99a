from fastapi import APIRouter

from app.db import transaction
from app.deps import CurrentFacilitator, PublishDep, SessionDep
from app.events import service as events
from app.teams import service

router = APIRouter(prefix="/api/v1", tags=["events"])


@router.put("/events/{event_id}/teams")
def set_teams(
    event_id: int,
    body: service.TeamList,
    session: SessionDep,
    facilitator: CurrentFacilitator,
    publish: PublishDep,
    move_to: int | None = None,
) -> list[service.TeamPublic]:
    """Set the event's teams, in order: `[{"id"?, "name", "vignette_slugs": [...]}]`. A team with
    an `id` is kept (renamed, moved, re-paired); one without is new; one left out is removed, and its
    people and contributions move to the team `move_to` (needed when it has any). 1 to 12 teams,
    names of 1 to 60 characters and different from each other, up to 6 vignettes each. Allowed
    while the event is a draft or open; phones and the console follow live."""
    with transaction(session):
        event = events.require_facilitator(session, event_id, facilitator.id)
        saved, messages = service.set_teams(session, event, body, move_to=move_to)
    publish(messages)
    return saved
