"""Review pages: the plan's reviews (schedule, summaries, calendar), recording a review, and
"My organisation's plans" with what is overdue or missed."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.actions.plan import action_plan
from app.deps import CurrentFacilitator, PlanEvent, SessionDep, SettingsDep, WriteAsFacilitator
from app.forms import validate
from app.organisations import service as organisations
from app.reviews import service
from app.reviews.models import EVIDENCE_MAX, NOTE_MAX, ROLE_MAX
from app.templating import render
from app.timeutil import utcnow

router = APIRouter(include_in_schema=False)

# The roles a review form offers; "Other role" lets the group name its own.
ROLES = (
    "Facilitator",
    "Service manager",
    "Frontline staff",
    "Partner organisation",
    "Person with lived experience",
)

Texts = Annotated[list[str], Form(max_length=1000)]


async def _review_fields(
    held_on: Annotated[str, Form(max_length=20)] = "",
    role: Texts | None = None,
    count: Texts | None = None,
    other_role: Annotated[str, Form(max_length=400)] = "",
    other_count: Annotated[str, Form(max_length=20)] = "",
    action_id: Texts | None = None,
    status: Texts | None = None,
    note: Texts | None = None,
    evidence_url: Texts | None = None,
) -> dict[str, Any]:
    """The review form as `ReviewCreate` takes it: a role counted 0 (or left empty) is left out."""
    roles = list(zip(role or [], count or [], strict=False))
    if other_role.strip() or other_count.strip():
        roles.append((other_role, other_count or "1"))
    rows = zip(action_id or [], status or [], note or [], evidence_url or [], strict=False)
    return {
        "held_on": held_on or None,
        "attendees": [{"role": r, "count": c} for r, c in roles if c.strip() not in ("", "0")],
        "actions": [
            {"action_id": a, "status": s, "note": n, "evidence_url": e.strip() or None} for a, s, n, e in rows
        ],
    }


ReviewFields = Annotated[dict[str, Any], Depends(_review_fields)]


@router.get("/events/{event_id}/reviews")
def reviews_page(request: Request, session: SessionDep, event: PlanEvent) -> Response:
    held = service.event_reviews(session, event.id or 0)
    return render(
        request,
        "reviews/list.html",
        {
            "event": event,
            "standing": service.standing(session, event),
            "reviews": list(reversed(held)),
            "changes": service.changes_by_review(session, event.id or 0),
        },
    )


@router.get("/events/{event_id}/reviews/new")
def new_review_page(
    request: Request, session: SessionDep, settings: SettingsDep, event: PlanEvent
) -> Response:
    plan = action_plan(session, event, min_group_size=settings.min_group_size, facilitator=True)
    return render(
        request,
        "reviews/new.html",
        {
            "event": event,
            "plan": plan,
            "standing": service.standing(session, event),
            "today": utcnow().date(),
            "roles": ROLES,
            "role_max": ROLE_MAX,
            "note_max": NOTE_MAX,
            "evidence_max": EVIDENCE_MAX,
        },
    )


@router.post("/events/{event_id}/reviews")
def record_review(event_id: int, write: WriteAsFacilitator, fields: ReviewFields) -> Response:
    data = validate(service.ReviewCreate, fields)
    review, _messages = write.plan(event_id, service.record_review, data)
    return RedirectResponse(f"/events/{event_id}/reviews#review-{review.id}", status_code=303)


@router.post("/events/{event_id}/review-schedule")
def set_schedule(
    event_id: int,
    write: WriteAsFacilitator,
    interval_weeks: Annotated[str, Form(max_length=20)] = "",
    first_review: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    data = validate(
        service.ScheduleUpdate,
        {"interval_weeks": interval_weeks or None, "first_review": first_review or None},
    )
    write.plan(event_id, service.set_schedule, data)
    return RedirectResponse(f"/events/{event_id}/reviews#schedule", status_code=303)


@router.get("/plans")
def plans_page(request: Request, session: SessionDep, facilitator: CurrentFacilitator) -> Response:
    today = utcnow().date()
    plans = [
        (e, service.standing(session, e, today))
        for e in organisations.plan_events(session, facilitator.id or 0)
    ]
    return render(request, "reviews/plans.html", {"plans": plans})
