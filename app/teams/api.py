from fastapi import APIRouter

from app.deps import WriteAsFacilitator
from app.events.models import TeamPublic
from app.teams import service

router = APIRouter(prefix="/api/v1", tags=["events"])


@router.put("/events/{event_id}/teams")
def set_teams(
    event_id: int, body: service.TeamList, write: WriteAsFacilitator, move_to: int | None = None
) -> list[TeamPublic]:
    """Set the event's teams, in order: `[{"id"?, "name", "vignette_slugs": [...]}]`. A team with
    an `id` is kept (renamed, moved, re-paired); one without is new; one left out is removed, and its
    people and contributions move to the team `move_to` (needed when it has any). 1 to 12 teams,
    names of 1 to 60 characters and different from each other, up to 6 vignettes each. Allowed
    while the event is a draft or open; phones and the console follow live."""
    saved, _messages = write.facilitator(event_id, service.set_teams, body, move_to=move_to)
    return saved
