"""Support during an event: the facilitator's support information, private "I need a break"
signals, and the optional check-in and check-out, only ever shown as totals."""

from collections import Counter
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, col, select

from app.errors import NotFound, found
from app.events import service as events
from app.events.models import Event
from app.participants.models import Participant
from app.roomlog.messages import MessageType, SupportRequestRef
from app.roomlog.service import RoomMessage, record
from app.support.models import CheckIn, Feeling, Moment, SupportKind, SupportRequest


class SupportIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    kind: SupportKind
    place: str = Field(default="", max_length=60)


class CheckInIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    moment: Moment
    feeling: Feeling


@dataclass
class CheckInSummary:
    moment: Moment
    answered: int
    # None while fewer people have answered than the small-group size.
    counts: Counter[str] | None


def request_support(
    session: Session, event: Event, participant: Participant, data: SupportIn
) -> tuple[SupportRequest, list[RoomMessage]]:
    request = SupportRequest(
        event_id=event.id or 0, team_id=participant.team_id, kind=data.kind, place=data.place
    )
    session.add(request)
    session.flush()
    return request, [
        record(
            session,
            event.id or 0,
            MessageType.SUPPORT_REQUESTED,
            subject_id=request.id,
            data=SupportRequestRef(id=request.id or 0),
        )
    ]


def get_request(session: Session, request_id: int) -> SupportRequest:
    return found(session.get(SupportRequest, request_id), "That request does not exist.")


def mark_handled(session: Session, event: Event, request_id: int) -> list[RoomMessage]:
    request = session.get(SupportRequest, request_id)
    if request is None or request.event_id != event.id:
        raise NotFound("That request is not part of this event.")
    if request.handled:
        return []
    request.handled = True
    session.add(request)
    handled = SupportRequestRef(id=request.id or 0)
    return [record(session, event.id or 0, MessageType.SUPPORT_HANDLED, subject_id=request.id, data=handled)]


def open_requests(session: Session, event_id: int) -> list[SupportRequest]:
    return list(
        session.exec(
            select(SupportRequest)
            .where(SupportRequest.event_id == event_id, col(SupportRequest.handled).is_(False))
            .order_by(col(SupportRequest.created_at), col(SupportRequest.id))
        )
    )


@dataclass
class Alert:
    """An open call for help as the facilitators' banner names it."""

    request: SupportRequest
    team_name: str | None


def open_alerts(session: Session, event_id: int) -> list[Alert]:
    names = {view.team.id: view.team.name for view in events.teams(session, event_id)}
    return [Alert(r, names.get(r.team_id) if r.team_id else None) for r in open_requests(session, event_id)]


def check_in(session: Session, event: Event, participant: Participant, data: CheckInIn) -> CheckIn:
    existing = session.exec(
        select(CheckIn).where(CheckIn.participant_id == participant.id, CheckIn.moment == data.moment)
    ).first()
    answer = existing or CheckIn(
        event_id=event.id or 0, participant_id=participant.id, moment=data.moment, feeling=data.feeling
    )
    answer.feeling = data.feeling
    session.add(answer)
    session.flush()
    return answer


def my_check_ins(session: Session, participant: Participant) -> dict[str, str]:
    rows = session.exec(select(CheckIn).where(CheckIn.participant_id == participant.id))
    return {row.moment.value: row.feeling.value for row in rows}


def check_in_summaries(session: Session, event_id: int, *, min_group_size: int) -> list[CheckInSummary]:
    rows = session.exec(select(CheckIn.moment, CheckIn.feeling).where(CheckIn.event_id == event_id)).all()
    summaries = []
    for moment in Moment:
        feelings = Counter(Feeling(f).value for m, f in rows if Moment(m) == moment)
        answered = sum(feelings.values())
        summaries.append(CheckInSummary(moment, answered, feelings if answered >= min_group_size else None))
    return summaries
