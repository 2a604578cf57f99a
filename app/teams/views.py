"""The event page's Teams section: plain forms (they work without JavaScript) that change one team
and save the whole list through `service.set_teams`, the same rules as the API."""

from typing import Annotated, Literal

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response

from app.db import transaction
from app.deps import CurrentFacilitator, PublishDep, SessionDep
from app.errors import Invalid
from app.events import service as events
from app.forms import optional_int, validate
from app.teams import service

router = APIRouter(include_in_schema=False)

Slugs = Annotated[list[str] | None, Form()]
MAX_FORM_SLUGS = 50


def _spec(team_id: int | None, name: str, slugs: list[str] | None) -> service.TeamSet:
    if slugs is not None and len(slugs) > MAX_FORM_SLUGS:
        raise Invalid(f"A team follows at most {service.MAX_VIGNETTES} vignettes.")
    return validate(service.TeamSet, {"id": team_id, "name": name, "vignette_slugs": slugs or []})


def _index(specs: list[service.TeamSet], team_id: int) -> int:
    for n, spec in enumerate(specs):
        if spec.id == team_id:
            return n
    raise Invalid("Choose one of this event's teams.")


@router.post("/events/{event_id}/teams")
def add_team(
    event_id: int,
    session: SessionDep,
    facilitator: CurrentFacilitator,
    publish: PublishDep,
    name: Annotated[str, Form(max_length=400)] = "",
    vignette: Slugs = None,
) -> Response:
    with transaction(session):
        event = events.require_facilitator(session, event_id, facilitator.id)
        specs = [*service.as_specs(session, event_id), _spec(None, name, vignette)]
        saved, messages = service.set_teams(session, event, specs)
    publish(messages)
    return RedirectResponse(f"/events/{event_id}#team-{saved[-1].id}", status_code=303)


@router.post("/events/{event_id}/teams/{team_id}")
def change_team(
    event_id: int,
    team_id: int,
    session: SessionDep,
    facilitator: CurrentFacilitator,
    publish: PublishDep,
    action: Annotated[Literal["save", "up", "down"], Form()],
    name: Annotated[str, Form(max_length=400)] = "",
    vignette: Slugs = None,
) -> Response:
    with transaction(session):
        event = events.require_facilitator(session, event_id, facilitator.id)
        specs = service.as_specs(session, event_id)
        n = _index(specs, team_id)
        if action == "save":
            specs[n] = _spec(team_id, name, vignette)
        else:
            other = n - 1 if action == "up" else n + 1
            if 0 <= other < len(specs):
                specs[n], specs[other] = specs[other], specs[n]
        _saved, messages = service.set_teams(session, event, specs)
    publish(messages)
    return RedirectResponse(f"/events/{event_id}#team-{team_id}", status_code=303)


@router.post("/events/{event_id}/teams/{team_id}/remove")
def remove_team(
    event_id: int,
    team_id: int,
    session: SessionDep,
    facilitator: CurrentFacilitator,
    publish: PublishDep,
    move_to: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    with transaction(session):
        event = events.require_facilitator(session, event_id, facilitator.id)
        specs = service.as_specs(session, event_id)
        specs.pop(_index(specs, team_id))
        _saved, messages = service.set_teams(session, event, specs, move_to=optional_int(move_to))
    publish(messages)
    return RedirectResponse(f"/events/{event_id}#teams", status_code=303)
