"""The action plan page: for each priority, in rank order, what will be done, by which role, by
when, its review date and status. Facilitators edit it, also after the event; participants read it."""

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from sqlmodel import Session

from app.actions import service
from app.actions.models import OWNER_MAX, WHAT_MAX, Action
from app.actions.plan import Plan, action_plan
from app.deps import (
    Basics,
    OptionalFacilitator,
    ParticipantTokens,
    SessionDep,
    SettingsDep,
    WriteAsFacilitator,
    page_viewer,
)
from app.events import service as events
from app.events.models import Event
from app.forms import validate
from app.organisations import service as organisations
from app.reviews import service as reviews
from app.roomlog.service import RoomMessage
from app.templating import render

router = APIRouter(include_in_schema=False)

WhatField = Annotated[str, Form(max_length=2000)]
OwnerField = Annotated[str, Form(max_length=400)]
DateField = Annotated[str, Form(max_length=20)]
Choice = Annotated[str, Form(max_length=40)]


async def _fields(
    what: WhatField = "",
    owner: OwnerField = "",
    due: DateField = "",
    review: DateField = "",
    status: Choice = "",
    driver: Choice = "",
) -> dict[str, Any]:
    """The action form's fields as the schemas take them; an empty review date means the default."""
    body: dict[str, Any] = {"what": what, "owner": owner, "due": due or None}
    for name, value in (("review", review), ("status", status), ("driver", driver)):
        if value:
            body[name] = value
    return body


ActionFields = Annotated[dict[str, Any], Depends(_fields)]


@dataclass
class SeenPlanOf:
    event: Event
    plan: Plan
    runs_event: bool  # a facilitator of the event: the plan page's forms
    may_update: bool  # runs it, or an implementation group member


def _seen_plan(
    event_id: int,
    session: SessionDep,
    settings: SettingsDep,
    facilitator: OptionalFacilitator,
    tokens: ParticipantTokens,
) -> SeenPlanOf:
    """The event, the plan as this viewer may see it, and who is looking."""
    # An implementation group member updates the actions and sees the plan as participants do.
    implementation = facilitator is not None and organisations.implementation_only(
        session, event_id, facilitator.id
    )
    if implementation:
        event, runs_event = events.get_event(session, event_id), False
    else:
        event, who = page_viewer(session, event_id, facilitator, tokens)
        runs_event = who.facilitator
    plan = action_plan(session, event, min_group_size=settings.min_group_size, facilitator=runs_event)
    return SeenPlanOf(event, plan, runs_event, runs_event or implementation)


SeenPlan = Annotated[SeenPlanOf, Depends(_seen_plan)]


@router.get("/events/{event_id}/actions")
def plan_page(basics: Basics, seen: SeenPlan) -> Response:
    event, plan = seen.event, seen.plan
    return render(
        basics.request,
        "actions/plan.html",
        {
            "event": event,
            "is_facilitator": seen.runs_event,
            "may_update": seen.may_update,
            "plan": plan,
            # Built by ElementTree, which escapes every word in it.
            "outcomes_svg": Markup(plan.outcomes_svg(event.title)),  # noqa: S704
            "default_review": service.default_review(event),
            "what_max": WHAT_MAX,
            "owner_max": OWNER_MAX,
            "histories": reviews.event_history(basics.session, event.id or 0) if seen.may_update else {},
        },
    )


@router.get("/events/{event_id}/outcomes.svg")
def outcomes_picture(seen: SeenPlan) -> Response:
    """The outcomes picture on its own, for whoever may read the plan."""
    return Response(seen.plan.outcomes_svg(seen.event.title), media_type="image/svg+xml")


@router.post("/events/{event_id}/improvements/{improvement_id}/actions")
def add_action(
    event_id: int,
    improvement_id: int,
    write: WriteAsFacilitator,
    fields: ActionFields,
) -> Response:
    data = validate(service.ActionCreate, fields)
    action, _messages = write.facilitator(event_id, service.add_action, improvement_id, data)
    return RedirectResponse(f"/events/{event_id}/actions#action-{action.id}", status_code=303)


def _save_action(
    session: Session, event: Event, action_id: int, data: service.ActionUpdate, *, review_cleared: bool
) -> tuple[Action, list[RoomMessage]]:
    # Saving with the review date cleared puts it back to six weeks after the event.
    if review_cleared:
        data.review = service.default_review(event)
    return service.update_action(session, event, action_id, data)


@router.post("/events/{event_id}/actions/{action_id}")
def change_action(event_id: int, action_id: int, write: WriteAsFacilitator, fields: ActionFields) -> Response:
    data = validate(service.ActionUpdate, fields)
    action, _messages = write.plan(
        event_id, _save_action, action_id, data, review_cleared="review" not in fields
    )
    return RedirectResponse(f"/events/{event_id}/actions#action-{action.id}", status_code=303)


@router.post("/events/{event_id}/actions/{action_id}/delete")
def remove_action(event_id: int, action_id: int, write: WriteAsFacilitator) -> Response:
    write.facilitator(event_id, service.remove_action, action_id)
    return RedirectResponse(f"/events/{event_id}/actions", status_code=303)
