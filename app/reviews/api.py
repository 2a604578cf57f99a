"""Reviews of the action plan over JSON: the schedule, recording a review, each action's history,
a review's summary (Markdown or PDF) and the review dates as a calendar."""

from typing import Literal

from fastapi import APIRouter, Request, Response

from app.deps import PlanEvent, SessionDep, WriteAsFacilitator
from app.reviews import service, summary
from app.reviews.models import HistoryPublic, ReviewPublic, ReviewsPublic, SchedulePublic

router = APIRouter(prefix="/api/v1", tags=["reviews"])

SUMMARY_TYPES = {"md": "text/markdown; charset=utf-8", "pdf": "application/pdf"}
_FILE = {"schema": {"type": "string", "format": "binary"}}


def download(content: bytes, media_type: str, filename: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


@router.get("/events/{event_id}/reviews")
def list_reviews(session: SessionDep, event: PlanEvent) -> ReviewsPublic:
    """The reviews held, oldest first, the schedule, the next review's date, whether it was missed,
    and which actions are overdue (past their date and neither done nor dropped)."""
    return service.reviews_public(session, event)


@router.post("/events/{event_id}/reviews", status_code=201)
def record_review(event_id: int, body: service.ReviewCreate, write: WriteAsFacilitator) -> ReviewPublic:
    """A review held on `held_on`: who took part by role and count (never names), and for each action
    its status, a short note and an optional http(s) link to evidence."""
    review, _messages = write.plan(event_id, service.record_review, body)
    return service.review_public(write.session, review)


@router.put("/events/{event_id}/review-schedule")
def set_schedule(event_id: int, body: service.ScheduleUpdate, write: WriteAsFacilitator) -> SchedulePublic:
    """Review every `interval_weeks` (six by default), from `first_review`."""
    found, _messages = write.plan(event_id, service.set_schedule, body)
    return SchedulePublic.model_validate(found, from_attributes=True)


@router.get("/events/{event_id}/actions/{action_id}/history")
def action_history(action_id: int, session: SessionDep, event: PlanEvent) -> HistoryPublic:
    """The action's status as each review found it, oldest first."""
    return service.history_public(session, event, action_id)


@router.get(
    "/events/{event_id}/reviews/{review_id}/export/{format}",
    response_class=Response,
    responses={
        200: {
            "description": "The summary as a download.",
            "content": {t.split(";")[0]: _FILE for t in SUMMARY_TYPES.values()},
        }
    },
)
def export_review(
    review_id: int, format: Literal["md", "pdf"], session: SessionDep, event: PlanEvent
) -> Response:
    """A review's summary: who took part (by role), each action's status and note, what is overdue
    and the next review's date."""
    found = summary.summary(session, event, review_id)
    content = summary.to_markdown(found) if format == "md" else summary.to_pdf(found)
    return download(content, SUMMARY_TYPES[format], f"{found.filename}.{format}")


@router.get(
    "/events/{event_id}/reviews.ics",
    response_class=Response,
    responses={200: {"description": "An iCalendar file.", "content": {"text/calendar": _FILE}}},
)
def review_calendar(request: Request, session: SessionDep, event: PlanEvent) -> Response:
    """The reviews held and the next ones scheduled, as all-day events in a calendar file."""
    content = summary.to_ics(session, event, host=request.url.hostname or "lenswalk")
    return download(content, "text/calendar; charset=utf-8", f"lenswalk-reviews-{event.id}.ics")
