from typing import Any

from fastapi import APIRouter, Response

from app.annotations import service as annotations
from app.annotations.models import Annotation, AnnotationPublic
from app.deps import RoomWrite, SessionDep, WriteAsFacilitator
from app.roomlog.service import RoomMessage

router = APIRouter(prefix="/api/v1", tags=["paper"])


def enter_from_paper(
    write: RoomWrite, event_id: int, data: annotations.PaperAnnotationCreate
) -> tuple[Annotation, list[RoomMessage]]:
    """A facilitator types in what a team wrote on paper (JSON and page alike)."""
    author = annotations.FromPaper(team_id=data.team_id)
    return write.facilitator(event_id, lambda s, event: annotations.add_annotation(s, event, author, data))


@router.post(
    "/events/{event_id}/paper-annotations",
    status_code=201,
    response_model=AnnotationPublic,
    responses={200: {"model": AnnotationPublic, "description": "A retry of a write already saved."}},
)
def add_paper_annotation(
    event_id: int,
    body: annotations.PaperAnnotationCreate,
    response: Response,
    session: SessionDep,
    write: WriteAsFacilitator,
) -> dict[str, Any]:
    """One contribution written on a team's paper kit, typed in by a facilitator of the event."""
    annotation, messages = enter_from_paper(write, event_id, body)
    if not messages:
        response.status_code = 200  # a retry of a write that was already saved
    return annotations.snapshot(session, annotation)
