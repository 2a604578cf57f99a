"""Facilitator sign-in for API clients (the same signed cookie the pages use)."""

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from app.deps import SessionDep
from app.facilitators import service

router = APIRouter(prefix="/api/v1", tags=["facilitators"])


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=service.PASSWORD_MAX)


@router.post("/session")
def sign_in(body: SignIn, request: Request, session: SessionDep) -> dict[str, object]:
    facilitator = service.authenticate(session, email=body.email, password=body.password)
    request.session.clear()
    request.session["facilitator_id"] = facilitator.id
    return {"id": facilitator.id, "email": facilitator.email}


@router.delete("/session", status_code=204)
def sign_out(request: Request) -> None:
    request.session.clear()
