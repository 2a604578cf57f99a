from typing import Any

from fastapi import APIRouter, Response

from app.annotations import service as annotations
from app.db import transaction
from app.deps import CurrentFacilitator, PublishDep, SessionDep
from app.events import service as events

router = APIRouter(prefix="/api/v1", tags=["paper"])


@router.post("/events/{event_id}/paper-annotations", status_code=201)
def add_paper_annotation(
    event_id: int,
    body: annotations.PaperAnnotationCreate,
    response: Response,
    session: SessionDep,
    facilitator: CurrentFacilitator,
    publish: PublishDep,
) -> dict[str, Any]:
    """One contribution written on a team's paper kit, typed in by a facilitator of the event."""
    with transaction(session):
        event = events.require_facilitator(session, event_id, facilitator.id)
        author = annotations.FromPaper(team_id=body.team_id)
        annotation, messages = annotations.add_annotation(session, event, author, body)
        body_out = annotations.snapshot(session, annotation)
    publish(messages)
    if not messages:
        response.status_code = 200  # a retry of a write that was already saved
    return body_out
