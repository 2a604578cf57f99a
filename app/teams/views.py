"""The event page's Teams section: plain forms (they work without JavaScript) that change one team
and save the whole list through `service.set_teams`, the same rules as the API."""

from typing import Annotated, Literal

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response

from app.deps import WriteAsFacilitator
from app.errors import Invalid
from app.forms import optional_int, validate
from app.teams import service

router = APIRouter(include_in_schema=False)

Slugs = Annotated[list[str] | None, Form()]
MAX_FORM_SLUGS = 50


def _spec(name: str, slugs: list[str] | None) -> service.TeamSet:
    if slugs is not None and len(slugs) > MAX_FORM_SLUGS:
        raise Invalid(f"A team follows at most {service.MAX_VIGNETTES} vignettes.")
    return validate(service.TeamSet, {"name": name, "vignette_slugs": slugs or []})


@router.post("/events/{event_id}/teams")
def add_team(
    event_id: int,
    write: WriteAsFacilitator,
    name: Annotated[str, Form(max_length=400)] = "",
    vignette: Slugs = None,
) -> Response:
    saved, _messages = write.facilitator(event_id, service.add_team, _spec(name, vignette))
    return RedirectResponse(f"/events/{event_id}#team-{saved[-1].id}", status_code=303)


@router.post("/events/{event_id}/teams/{team_id}")
def change_team(
    event_id: int,
    team_id: int,
    write: WriteAsFacilitator,
    action: Annotated[Literal["save", "up", "down"], Form()],
    name: Annotated[str, Form(max_length=400)] = "",
    vignette: Slugs = None,
) -> Response:
    # Moving up or down sends no name: the team's own is kept.
    spec = _spec(name, vignette) if action == "save" else None
    write.facilitator(event_id, service.change_team, team_id, action, spec)
    return RedirectResponse(f"/events/{event_id}#team-{team_id}", status_code=303)


@router.post("/events/{event_id}/teams/{team_id}/remove")
def remove_team(
    event_id: int,
    team_id: int,
    write: WriteAsFacilitator,
    move_to: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    write.facilitator(event_id, service.remove_team, team_id, move_to=optional_int(move_to))
    return RedirectResponse(f"/events/{event_id}#teams", status_code=303)
