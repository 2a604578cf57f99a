"""Anonymous participation: a random token in a cookie is the only identity a participant has."""

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement, or_
from sqlmodel import Session, col, select

from app.errors import Forbidden
from app.events import service as events
from app.events.models import Event
from app.participants.models import HereAs, Participant

# A phone keeps tokens for its most recent events, so joining a new event does not lock the
# participant out of the contributions they may still want to change in the last one.
MAX_TOKENS_PER_DEVICE = 5


class JoinRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    join_code: str = Field(min_length=1, max_length=20)
    here_as: HereAs = HereAs.prefer_not_to_say
    team_id: int | None = None


@dataclass
class Joined:
    participant: Participant
    event: Event
    token: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_tokens(cookie: str | None) -> list[str]:
    if not cookie:
        return []
    return [t for t in cookie.split(".") if 16 <= len(t) <= 64][:MAX_TOKENS_PER_DEVICE]


def cookie_value(tokens: list[str]) -> str:
    return ".".join(tokens[:MAX_TOKENS_PER_DEVICE])


def join(session: Session, data: JoinRequest, *, tokens: list[str]) -> Joined:
    event = events.find_by_join_code(session, data.join_code)
    team_id = events.get_team(session, event.id or 0, data.team_id).id if data.team_id else None
    existing = find(session, event.id or 0, tokens)
    if existing is not None:
        participant, token = existing
        participant.here_as = data.here_as
        if team_id is not None:
            participant.team_id = team_id
        session.add(participant)
        return Joined(participant=participant, event=event, token=token)
    token = secrets.token_urlsafe(24)
    participant = Participant(
        event_id=event.id or 0, token_hash=hash_token(token), team_id=team_id, here_as=data.here_as
    )
    session.add(participant)
    session.flush()
    return Joined(participant=participant, event=event, token=token)


def holds(hashes: Any) -> ColumnElement[bool]:
    """The participant a device's tokens (hashed, or a bound list of hashes) name: by the token in
    its cookie, or by a return code typed in on another device."""
    return or_(col(Participant.token_hash).in_(hashes), col(Participant.return_code_hash).in_(hashes))


def find(session: Session, event_id: int, tokens: list[str]) -> tuple[Participant, str] | None:
    if not tokens:
        return None
    by_hash = {hash_token(t): t for t in tokens}
    participant = session.exec(
        select(Participant).where(Participant.event_id == event_id, holds(list(by_hash)))
    ).first()
    if participant is None:
        return None
    key = participant.token_hash if participant.token_hash in by_hash else participant.return_code_hash
    return participant, by_hash[key or ""]


def require_participant(session: Session, event_id: int, tokens: list[str]) -> Participant:
    found = find(session, event_id, tokens)
    if found is None:
        raise Forbidden("Join this event first, with the code on the screen.")
    return found[0]


RETURN_CODE_GROUPS = 4


def normalise_return_code(code: str) -> str:
    letters = "".join(ch for ch in code.upper() if ch.isalnum())[: RETURN_CODE_GROUPS * 4]
    return "-".join(letters[i : i + 4] for i in range(0, len(letters), 4))


def create_return_code(session: Session, event: Event, participant: Participant) -> str:
    """A code the participant writes down to reach their words from another device. Only its
    hash is kept; asking again replaces it."""
    code = normalise_return_code(
        "".join(secrets.choice(events.JOIN_CODE_ALPHABET) for _ in range(RETURN_CODE_GROUPS * 4))
    )
    participant.return_code_hash = hash_token(code)
    session.add(participant)
    return code


class ReturnRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    join_code: str = Field(min_length=1, max_length=20)
    return_code: str = Field(min_length=1, max_length=40)


def redeem_return_code(session: Session, data: ReturnRequest) -> Joined:
    event = session.exec(
        select(Event).where(Event.join_code == events.normalise_join_code(data.join_code))
    ).first()
    code = normalise_return_code(data.return_code)
    participant = (
        session.exec(
            select(Participant).where(
                Participant.event_id == event.id, Participant.return_code_hash == hash_token(code)
            )
        ).first()
        if event is not None
        else None
    )
    if event is None or participant is None:
        raise Forbidden("That join code and return code do not match. Check both and try again.")
    return Joined(participant=participant, event=event, token=code)
