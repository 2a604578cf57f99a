from typing import Any

from fastapi import APIRouter, Response

from app.db import transaction
from app.deps import ParticipantTokens, SessionDep, SettingsDep, remember_participant
from app.participants import service

router = APIRouter(prefix="/api/v1", tags=["participants"])


@router.post("/join", status_code=201)
def join(
    body: service.JoinRequest,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    tokens: ParticipantTokens,
) -> dict[str, Any]:
    """Join an event anonymously: no name or account, just a random token in a cookie."""
    with transaction(session):
        joined = service.join(session, body, tokens=tokens)
    remember_participant(response, settings, joined.token, tokens)
    return {
        "event_id": joined.event.id,
        "team_id": joined.participant.team_id,
        "here_as": joined.participant.here_as.value,
    }
