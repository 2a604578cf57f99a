"""Facilitator sign-in for API clients (the same signed cookie the pages use), and an event's
co-facilitators."""

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from app.db import transaction
from app.deps import LimiterDep, SessionDep, WriteAsFacilitator
from app.errors import NotSignedIn
from app.events import service as events
from app.events.models import FacilitatorsPublic
from app.facilitators import service
from app.facilitators.models import FacilitatorPublic
from app.security.limits import client_key

# Tagged per route: adding a co-facilitator is listed with the other event calls in /docs.
router = APIRouter(prefix="/api/v1")


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=service.PASSWORD_MAX)


@router.post("/session", tags=["facilitators"], response_model=FacilitatorPublic)
def sign_in(body: SignIn, request: Request, session: SessionDep, limiter: LimiterDep) -> dict[str, object]:
    facilitator = limiter.count_failures(
        limiter.signin_checks(client_key(request), body.email),
        NotSignedIn,
        lambda: service.authenticate(session, email=body.email, password=body.password),
    )
    service.start_session(request.session, facilitator)
    return {"id": facilitator.id, "email": facilitator.email}


@router.delete("/session", status_code=204, tags=["facilitators"])
def sign_out(request: Request, session: SessionDep) -> None:
    """Ends this session and any copy of its cookie: every device this account is signed in on."""
    with transaction(session):
        service.end_sessions(session, request.session)


@router.post(
    "/events/{event_id}/facilitators",
    tags=["events"],
    response_model=FacilitatorsPublic,
    responses={201: {"model": FacilitatorsPublic, "description": "Added."}},
)
def add_facilitator(
    event_id: int,
    body: events.FacilitatorAdd,
    response: Response,
    session: SessionDep,
    write: WriteAsFacilitator,
) -> dict[str, Any]:
    """Add a co-facilitator: someone who already has a facilitator account on this Lenswalk."""
    _other, added = write.facilitator(event_id, events.add_facilitator, email=body.email)
    response.status_code = 201 if added else 200
    return {"facilitators": events.facilitator_emails(session, event_id)}
