"""The secret board link for the venue PC: the projector's board without a facilitator's sign-in.

The link shows what the board shows and nothing else. Only a hash of its secret is kept (as for
participant tokens); making a new link replaces the old one, and each change bumps the event's
`board_link_version` and logs `board_link.changed`, on which every instance closes the boards it
serves that were opened with an older link."""

import secrets

from sqlmodel import Session, select

from app.errors import NotFound
from app.events.models import Event
from app.participants.service import hash_token
from app.roomlog.messages import BoardLink, MessageType
from app.roomlog.service import RoomMessage, record

TOKEN_MIN = 16
TOKEN_MAX = 64
UNKNOWN = "This board link does not work. It may have been replaced or revoked: ask the facilitator for the current link."


def _changed(session: Session, event: Event) -> list[RoomMessage]:
    event.board_link_version += 1
    session.add(event)
    session.flush()
    link = BoardLink(version=event.board_link_version)
    return [record(session, event.id or 0, MessageType.BOARD_LINK_CHANGED, data=link)]


def create_board_link(session: Session, event: Event) -> tuple[str, list[RoomMessage]]:
    """A new secret for `event`'s board link (shown once); the old link, if any, stops working."""
    token = secrets.token_urlsafe(24)
    event.board_token_hash = hash_token(token)
    return token, _changed(session, event)


def revoke_board_link(session: Session, event: Event) -> list[RoomMessage]:
    if event.board_token_hash is None:
        return []
    event.board_token_hash = None
    return _changed(session, event)


def find_board(session: Session, token: str) -> Event:
    """The event whose board `token` opens; NotFound for an unknown, replaced or revoked link."""
    if not TOKEN_MIN <= len(token) <= TOKEN_MAX:
        raise NotFound(UNKNOWN)
    event = session.exec(select(Event).where(Event.board_token_hash == hash_token(token))).first()
    if event is None:
        raise NotFound(UNKNOWN)
    return event
