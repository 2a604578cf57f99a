"""Improvements: grouping annotations under a short title; renaming, merging and splitting them.

Facilitators may always group; participants only while the event is open and the facilitator
allows it. Every improvement keeps links to the annotations behind it (its evidence)."""

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete, update
from sqlmodel import Session, col, func, select

from app.actions.models import Action
from app.annotations.models import Annotation
from app.errors import Conflict, Forbidden, Invalid, NotFound, found
from app.events import service as events
from app.events.models import Event, EventStatus
from app.improvements.models import (
    MAX_EVIDENCE,
    TITLE_MAX,
    Cost,
    Driver,
    Effort,
    Evidence,
    Horizon,
    Improvement,
)
from app.participants import service as participants
from app.participants.models import Participant
from app.roomlog.messages import ImprovementsChanged, MessageType
from app.roomlog.service import RoomMessage, record
from app.timeutil import utcnow
from app.voting.models import Vote

AnnotationIds = Annotated[list[Annotated[int, Field(ge=1)]], Field(max_length=MAX_EVIDENCE)]
MAX_IMPROVEMENTS = 500


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ImprovementCreate(_Strict):
    title: str = Field(min_length=1, max_length=TITLE_MAX)
    annotation_ids: AnnotationIds = Field(default_factory=list)
    driver: Driver
    effort: Effort | None = None
    cost: Cost | None = None
    horizon: Horizon | None = None


class ImprovementUpdate(_Strict):
    title: str | None = Field(default=None, min_length=1, max_length=TITLE_MAX)
    driver: Driver | None = None
    effort: Effort | None = None
    cost: Cost | None = None
    horizon: Horizon | None = None
    # The whole evidence list, or what to add to it and take out of it.
    annotation_ids: AnnotationIds | None = None
    add_annotation_ids: AnnotationIds = Field(default_factory=list)
    remove_annotation_ids: AnnotationIds = Field(default_factory=list)


class ImprovementMerge(_Strict):
    into: int = Field(ge=1, description="The improvement that takes over this one's evidence and votes.")


class ImprovementSplit(_Strict):
    title: str = Field(min_length=1, max_length=TITLE_MAX)
    annotation_ids: AnnotationIds = Field(min_length=1)


@dataclass(frozen=True)
class Grouper:
    """Who is grouping: a facilitator of the event, or a participant in it."""

    facilitator: bool
    participant: Participant | None = None


# A facilitator of the event, for the JSON routes that only facilitators may call.
FACILITATOR = Grouper(facilitator=True)


def identify_grouper(
    session: Session, event: Event, *, facilitator_id: int | None, tokens: list[str]
) -> Grouper:
    """A facilitator of the event, else the participant these tokens belong to (or Forbidden)."""
    if events.is_facilitator(session, event.id or 0, facilitator_id):
        return Grouper(facilitator=True)
    return Grouper(
        facilitator=False, participant=participants.require_participant(session, event.id or 0, tokens)
    )


def event_grouper(
    session: Session, event_id: int, *, facilitator_id: int | None, tokens: list[str]
) -> tuple[Event, Grouper]:
    """The event, and who is asking: a facilitator of it, or one of its participants (Forbidden for
    anyone else)."""
    event = events.get_event(session, event_id)
    return event, identify_grouper(session, event, facilitator_id=facilitator_id, tokens=tokens)


def require_grouper(event: Event, who: Grouper) -> None:
    if who.facilitator:
        if event.status == EventStatus.draft:
            raise Conflict("Open the event before grouping contributions into improvements.")
        return
    if who.participant is None or who.participant.event_id != event.id:
        raise Forbidden("Only this event's facilitators and participants can do that.")
    if not event.participants_may_group:
        raise Forbidden("The facilitator is grouping contributions into improvements for now.")
    if event.status != EventStatus.open:
        raise Conflict("This event is not open for contributions.")


def get_improvement(session: Session, improvement_id: int) -> Improvement:
    return found(
        session.get(Improvement, improvement_id),
        "That improvement does not exist, or it was removed or merged.",
    )


def get_event_improvement(session: Session, event: Event, improvement_id: int) -> Improvement:
    improvement = get_improvement(session, improvement_id)
    if improvement.event_id != event.id:
        raise NotFound("That improvement does not exist, or it was removed or merged.")
    return improvement


def _check_evidence(session: Session, event: Event, ids: list[int]) -> list[int]:
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    found = set(
        session.exec(
            select(Annotation.id).where(
                col(Annotation.id).in_(wanted),
                Annotation.event_id == event.id,
                col(Annotation.private).is_(False),
                col(Annotation.hidden).is_(False),
            )
        )
    )
    missing = [i for i in wanted if i not in found]
    if missing:
        raise Invalid(
            "Some of the chosen contributions are not in this event, were withdrawn or are hidden: "
            + ", ".join(str(i) for i in missing[:10])
            + "."
        )
    return wanted


def evidence_ids(session: Session, improvement_id: int) -> list[int]:
    return list(
        session.exec(
            select(Evidence.annotation_id)
            .where(Evidence.improvement_id == improvement_id)
            .order_by(col(Evidence.id))
        )
    )


def _link(session: Session, improvement: Improvement, ids: list[int]) -> None:
    have = set(evidence_ids(session, improvement.id or 0))
    session.add_all(
        Evidence(improvement_id=improvement.id or 0, annotation_id=i) for i in ids if i not in have
    )
    if len(have | set(ids)) > MAX_EVIDENCE:
        raise Invalid(f"An improvement can hold at most {MAX_EVIDENCE} contributions.")


def _unlink(session: Session, improvement: Improvement, ids: list[int]) -> None:
    if ids:
        session.execute(
            delete(Evidence).where(
                col(Evidence.improvement_id) == improvement.id, col(Evidence.annotation_id).in_(ids)
            )
        )


def _changed(session: Session, event: Event, *ids: int | None) -> RoomMessage:
    changed = ImprovementsChanged(ids=[i for i in ids if i])
    return record(session, event.id or 0, MessageType.IMPROVEMENTS_CHANGED, data=changed)


def _new_improvement(
    session: Session, event: Event, title: str, tags: ImprovementCreate | Improvement
) -> Improvement:
    """A new improvement with the Roadmap driver, effort, cost and horizon of `tags`."""
    improvement = Improvement(
        event_id=event.id or 0,
        title=title,
        driver=tags.driver,
        effort=tags.effort,
        cost=tags.cost,
        horizon=tags.horizon,
    )
    session.add(improvement)
    session.flush()
    return improvement


def add_improvement(
    session: Session, event: Event, data: ImprovementCreate, who: Grouper = Grouper(facilitator=True)
) -> tuple[Improvement, list[RoomMessage]]:
    require_grouper(event, who)
    count = session.exec(
        select(func.count()).select_from(Improvement).where(Improvement.event_id == event.id)
    )
    if count.one() >= MAX_IMPROVEMENTS:
        raise Conflict(f"This event already has {MAX_IMPROVEMENTS} improvements; merge some first.")
    ids = _check_evidence(session, event, data.annotation_ids)
    improvement = _new_improvement(session, event, data.title, data)
    _link(session, improvement, ids)
    session.flush()
    return improvement, [_changed(session, event, improvement.id)]


def update_improvement(
    session: Session, event: Event, improvement_id: int, data: ImprovementUpdate, who: Grouper
) -> tuple[Improvement, list[RoomMessage]]:
    require_grouper(event, who)
    improvement = get_event_improvement(session, event, improvement_id)
    fields = data.model_dump(exclude_unset=True)
    for name in ("title", "driver"):
        if fields.get(name) is not None:
            setattr(improvement, name, fields[name])
    for name in ("effort", "cost", "horizon"):
        if name in fields:
            setattr(improvement, name, fields[name])
    if data.annotation_ids is not None:
        keep = _check_evidence(session, event, data.annotation_ids)
        _unlink(session, improvement, [i for i in evidence_ids(session, improvement_id) if i not in keep])
        _link(session, improvement, keep)
    _link(session, improvement, _check_evidence(session, event, data.add_annotation_ids))
    _unlink(session, improvement, data.remove_annotation_ids)
    improvement.updated_at = utcnow()
    session.add(improvement)
    session.flush()
    return improvement, [_changed(session, event, improvement.id)]


def remove_improvement(
    session: Session, event: Event, improvement_id: int, who: Grouper
) -> list[RoomMessage]:
    """Facilitators only: its votes go back to the participants who cast them."""
    if not who.facilitator:
        raise Forbidden("Only the facilitators can delete an improvement.")
    improvement = get_event_improvement(session, event, improvement_id)
    session.delete(improvement)
    session.flush()
    return [_changed(session, event, improvement_id)]


def merge_improvements(
    session: Session, event: Event, improvement_id: int, data: ImprovementMerge, who: Grouper
) -> tuple[Improvement, list[RoomMessage]]:
    """Fold one improvement into another: evidence and actions are joined, and each participant's dots move
    with it (capped at the most one improvement may hold; the rest go back to them)."""
    require_grouper(event, who)
    if data.into == improvement_id:
        raise Invalid("Choose a different improvement to merge into.")
    source = get_event_improvement(session, event, improvement_id)
    target = get_event_improvement(session, event, data.into)
    _link(session, target, evidence_ids(session, improvement_id))
    kept = {v.participant_id: v for v in session.exec(select(Vote).where(Vote.improvement_id == target.id))}
    for vote in session.exec(select(Vote).where(Vote.improvement_id == source.id)).all():
        mine = kept.get(vote.participant_id)
        if mine is None:
            session.add(
                Vote(
                    event_id=event.id or 0,
                    improvement_id=target.id or 0,
                    participant_id=vote.participant_id,
                    dots=min(vote.dots, event.max_dots_per_improvement),
                )
            )
        else:
            mine.dots = min(mine.dots + vote.dots, event.max_dots_per_improvement)
            session.add(mine)
    session.execute(
        update(Action).where(col(Action.improvement_id) == source.id).values(improvement_id=target.id)
    )
    session.flush()
    session.delete(source)
    target.updated_at = utcnow()
    session.add(target)
    session.flush()
    return target, [_changed(session, event, improvement_id, target.id)]


def split_improvement(
    session: Session, event: Event, improvement_id: int, data: ImprovementSplit, who: Grouper
) -> tuple[Improvement, list[RoomMessage]]:
    """Move some of an improvement's evidence into a new one; the votes stay where they were."""
    require_grouper(event, who)
    source = get_event_improvement(session, event, improvement_id)
    have = evidence_ids(session, improvement_id)
    moving = list(dict.fromkeys(data.annotation_ids))
    if any(i not in have for i in moving):
        raise Invalid("Choose contributions that belong to this improvement.")
    new = _new_improvement(session, event, data.title, source)
    _unlink(session, source, moving)
    _link(session, new, moving)
    session.flush()
    return new, [_changed(session, event, source.id, new.id)]


def list_improvements(session: Session, event_id: int) -> list[Improvement]:
    return list(
        session.exec(
            select(Improvement).where(Improvement.event_id == event_id).order_by(col(Improvement.id))
        )
    )


def describe(session: Session, improvement: Improvement) -> dict[str, Any]:
    return {
        "id": improvement.id,
        "event_id": improvement.event_id,
        "title": improvement.title,
        "driver": improvement.driver.value,
        "effort": improvement.effort.value if improvement.effort else None,
        "cost": improvement.cost.value if improvement.cost else None,
        "horizon": improvement.horizon.value if improvement.horizon else None,
        "annotation_ids": evidence_ids(session, improvement.id or 0),
    }
