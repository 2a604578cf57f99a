from typing import Any

from fastapi import APIRouter, Request, Response

from app.db import transaction
from app.deps import (
    LimiterDep,
    ParticipantTokens,
    SessionDep,
    SettingsDep,
    WriteAsParticipant,
    remember_participant,
)
from app.errors import NotFound
from app.participants import service
from app.participants.models import JoinedPublic, ReturnCodePublic, ReturnedPublic
from app.security.limits import client_key

router = APIRouter(prefix="/api/v1", tags=["participants"])


@router.post("/join", status_code=201, response_model=JoinedPublic)
def join(
    body: service.JoinRequest,
    request: Request,
    response: Response,
    limiter: LimiterDep,
    session: SessionDep,
    settings: SettingsDep,
    tokens: ParticipantTokens,
) -> dict[str, Any]:
    """Join an event anonymously: no name or account, just a random token in a cookie."""

    def attempt() -> service.Joined:
        with transaction(session):
            return service.join(session, body, tokens=tokens)

    joined = limiter.count_failures(limiter.join_checks(client_key(request)), NotFound, attempt)
    remember_participant(response, settings, joined.token, tokens)
    return {
        "event_id": joined.event.id,
        "team_id": joined.participant.team_id,
        "here_as": joined.participant.here_as.value,
    }


@router.post("/events/{event_id}/return-code", status_code=201, response_model=ReturnCodePublic)
def create_return_code(event_id: int, write: WriteAsParticipant) -> dict[str, str]:
    """A code to write down, to reach your contributions from another device. Shown once."""
    return {"return_code": write.participant(event_id, service.create_return_code)}


@router.post("/return", status_code=201, response_model=ReturnedPublic)
def use_return_code(
    body: service.ReturnRequest,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    tokens: ParticipantTokens,
) -> dict[str, Any]:
    joined = service.redeem_return_code(session, body)
    remember_participant(response, settings, joined.token, tokens)
    return {"event_id": joined.event.id}
