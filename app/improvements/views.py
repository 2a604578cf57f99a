"""The "Prioritise" page: turning contributions into improvements by ticking and pressing buttons
(no dragging), for facilitators and, when the facilitator allows it, participants."""

from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.annotations import service as annotations
from app.annotations.models import Annotation, Kind
from app.deps import (
    OptionalFacilitator,
    ParticipantTokens,
    ParticipantWrite,
    SessionDep,
    ViewerPage,
    WriteAsGrouper,
)
from app.deps import (
    page_viewer as page_viewer,  # other pages import it from here
)
from app.errors import DomainError, Invalid
from app.events.models import Event
from app.forms import optional_int, validate
from app.improvements import service
from app.improvements.models import MAX_EVIDENCE, TITLE_MAX
from app.journeys import service as journeys
from app.journeys.models import Stage, Touchpoint
from app.roomlog import service as roomlog
from app.roomlog.messages import MessageType
from app.roomlog.service import RoomMessage
from app.settings import Settings
from app.templating import render
from app.voting import priorities
from app.voting import service as voting

router = APIRouter(include_in_schema=False)

Show = Literal["all", "barrier", "idea", "strength", "ungrouped"]
SHOW_LABELS = {
    "all": "Everything",
    "barrier": "Barriers",
    "idea": "Ideas",
    "strength": "Strengths",
    "ungrouped": "Not yet in an improvement",
}
# Barriers first: they are what improvements are usually grouped from.
KIND_ORDER = {Kind.barrier: 0, Kind.idea: 1, Kind.strength: 2}
# What the page says after a change; the redirect carries only the key, never anyone's words.
SAID = {
    "grouped": "Grouped into a new improvement.",
    "added": "Added to the improvement.",
    "saved": "Saved.",
    "removed": "Taken out of the improvement. The contribution itself is unchanged.",
    "merged": "Merged. The evidence, votes and actions moved with it.",
    "split": "Split into a new improvement.",
    "deleted": "Deleted. Any dots on it went back to the people who placed them.",
    "voting": "Voting settings saved.",
}
Said = Literal["", "grouped", "added", "saved", "removed", "merged", "split", "deleted", "voting"]

IdList = Annotated[list[str] | None, Form(max_length=MAX_EVIDENCE)]
Choice = Annotated[str, Form(max_length=40)]


@dataclass
class TouchpointGroup:
    touchpoint: Touchpoint
    annotations: list[Annotation] = field(default_factory=list)


@dataclass
class StageGroup:
    stage: Stage
    touchpoints: list[TouchpointGroup] = field(default_factory=list)


def viewer(
    session: SessionDep, event_id: int, facilitator: OptionalFacilitator, tokens: list[str]
) -> tuple[Event, service.Grouper]:
    """A facilitator of the event, or one of its participants (Forbidden for anyone else)."""
    return service.event_grouper(
        session, event_id, facilitator_id=facilitator.id if facilitator else None, tokens=tokens
    )


def may_group(event: Event, who: service.Grouper) -> bool:
    try:
        service.require_grouper(event, who)
    except DomainError:
        return False
    return True


def _ids(values: list[str] | None) -> list[int]:
    return [i for i in (optional_int(v) for v in values or []) if i is not None]


def _optional(value: str) -> str | None:
    return value or None


def _back(event_id: int, said: str, show: str = "", anchor: str = "") -> Response:
    query = f"?show={show}&said={said}" if show and show != "all" else f"?said={said}"
    return RedirectResponse(f"/events/{event_id}/improvements{query}{anchor}", status_code=303)


def _annotation_groups(
    session: SessionDep, event: Event, show: str, grouped: dict[int, list[str]]
) -> list[StageGroup]:
    visible = annotations.list_annotations(session, event.id or 0, include_hidden=False)
    if show in ("barrier", "idea", "strength"):
        visible = [a for a in visible if a.kind.value == show]
    elif show == "ungrouped":
        visible = [a for a in visible if a.id not in grouped]
    by_tp: dict[int, list[Annotation]] = {}
    for a in sorted(visible, key=lambda a: (KIND_ORDER[a.kind], a.id or 0)):
        by_tp.setdefault(a.touchpoint_id, []).append(a)
    result = []
    for view in journeys.stages(session, event.journey_map_id):
        tps = [TouchpointGroup(tp, by_tp[tp.id or 0]) for tp in view.touchpoints if tp.id in by_tp]
        if tps:
            result.append(StageGroup(view.stage, tps))
    return result


def prioritise_context(
    session: SessionDep, event: Event, who: service.Grouper, settings: Settings, show: str, said: str
) -> dict[str, Any]:
    plist, _visible = priorities.visible_priorities(
        session, event, min_group_size=settings.min_group_size, facilitator=who.facilitator
    )
    rows = sorted(plist.rows, key=lambda p: p.improvement.id or 0)
    grouped: dict[int, list[str]] = {}
    for row in rows:
        for e in row.evidence:
            grouped.setdefault(e.id, []).append(row.improvement.title)
    stages = _annotation_groups(session, event, show, grouped)
    return {
        "event": event,
        "is_facilitator": who.facilitator,
        "may_group": may_group(event, who),
        "rows": rows,
        "grouped": grouped,
        "stages": stages,
        "shown_count": sum(len(t.annotations) for s in stages for t in s.touchpoints),
        "show": show,
        "show_labels": SHOW_LABELS,
        "said": SAID.get(said),
        "title_max": TITLE_MAX,
        "voting": voting.voting_state(event),
        "seq": event.last_seq,
        "changed": False,
    }


@router.get("/events/{event_id}/improvements")
def prioritise_page(page: ViewerPage, show: Show = "all", said: Said = "") -> Response:
    ctx = prioritise_context(page.session, page.event, page.who, page.settings, show, said)
    return render(page.request, "improvements/prioritise.html", ctx)


# What makes the page out of date: someone else grouped, or new words arrived to group.
PAGE_TYPES = frozenset(
    {MessageType.IMPROVEMENTS_CHANGED, MessageType.ANNOTATION_ADDED, MessageType.ANNOTATIONS_REVEALED}
)


@router.get("/events/{event_id}/improvements/changed")
def changed_notice(
    event_id: int,
    request: Request,
    session: SessionDep,
    facilitator: OptionalFacilitator,
    tokens: ParticipantTokens,
    seq: Annotated[int, Query(ge=0, le=2**62)],
) -> Response:
    """Polled by the page: 204 while nothing changed, then a quiet notice to reload. The page itself
    is never redrawn under someone who is ticking boxes or typing a title."""
    event, _who = viewer(session, event_id, facilitator, tokens)
    if not roomlog.changed_since(session, event.id or 0, seq, PAGE_TYPES):
        return Response(status_code=204)
    return render(
        request,
        "improvements/prioritise.html",
        {"event": event, "seq": seq, "changed": True},
        block="changed",
    )


@dataclass
class ImprovementFields:
    """What the grouping form and an improvement card both send: the title, its Roadmap driver,
    effort, cost and horizon, and the contributions ticked."""

    title: str
    driver: str
    effort: str
    cost: str
    horizon: str
    ids: list[int]

    def described(self) -> dict[str, Any]:
        """The title and tags as the schemas take them (a tag left empty is none)."""
        return {
            "title": self.title,
            "driver": self.driver or None,
            "effort": _optional(self.effort),
            "cost": _optional(self.cost),
            "horizon": _optional(self.horizon),
        }


def _improvement_fields(
    title: Annotated[str, Form(max_length=400)] = "",
    driver: Choice = "",
    effort: Choice = "",
    cost: Choice = "",
    horizon: Choice = "",
    annotation_ids: IdList = None,
) -> ImprovementFields:
    return ImprovementFields(title, driver, effort, cost, horizon, _ids(annotation_ids))


ImprovementForm = Annotated[ImprovementFields, Depends(_improvement_fields)]
ShowField = Annotated[str, Form(max_length=20)]


@router.post("/events/{event_id}/improvements", dependencies=[ParticipantWrite])
def group(event_id: int, write: WriteAsGrouper, fields: ImprovementForm, show: ShowField = "") -> Response:
    data = validate(service.ImprovementCreate, {**fields.described(), "annotation_ids": fields.ids})
    improvement, _messages = write.grouper(event_id, service.add_improvement, data)
    return _back(event_id, "grouped", show, f"#improvement-{improvement.id}")


ChangeAction = Literal["save", "add", "remove", "merge", "split", "delete"]


@dataclass
class ChangeForm:
    """What the improvement card's form sent; `action` is the button that was pressed."""

    action: ChangeAction
    fields: ImprovementFields
    annotation_id: str
    into: str


def _change(
    session: Session, event: Event, improvement_id: int, form: ChangeForm, who: service.Grouper
) -> tuple[Any, list[RoomMessage]]:
    """The one service call for the button that was pressed."""
    ids = form.fields.ids
    if form.action == "save":
        data = validate(service.ImprovementUpdate, form.fields.described())
        return service.update_improvement(session, event, improvement_id, data, who)
    if form.action == "add":
        if not ids:
            raise Invalid("Tick one or more contributions first, then press Add.")
        data = validate(service.ImprovementUpdate, {"add_annotation_ids": ids})
        return service.update_improvement(session, event, improvement_id, data, who)
    if form.action == "remove":
        one = optional_int(form.annotation_id)
        if one is None:
            raise Invalid("Choose the contribution to take out.")
        data = validate(service.ImprovementUpdate, {"remove_annotation_ids": [one]})
        return service.update_improvement(session, event, improvement_id, data, who)
    if form.action == "merge":
        target = optional_int(form.into)
        if target is None:
            raise Invalid("Choose the improvement to merge into.")
        merged = validate(service.ImprovementMerge, {"into": target})
        return service.merge_improvements(session, event, improvement_id, merged, who)
    if form.action == "split":
        if not ids:
            raise Invalid("Tick the contributions to move into the new improvement.")
        split = validate(service.ImprovementSplit, {"title": form.fields.title, "annotation_ids": ids})
        return service.split_improvement(session, event, improvement_id, split, who)
    return None, service.remove_improvement(session, event, improvement_id, who)


@router.post("/events/{event_id}/improvements/{improvement_id}", dependencies=[ParticipantWrite])
def change(
    event_id: int,
    improvement_id: int,
    write: WriteAsGrouper,
    action: Annotated[ChangeAction, Form()],
    fields: ImprovementForm,
    annotation_id: Annotated[str, Form(max_length=12)] = "",
    into: Annotated[str, Form(max_length=12)] = "",
    show: ShowField = "",
) -> Response:
    """Every change to one improvement; `action` is the button that was pressed."""
    form = ChangeForm(action, fields, annotation_id, into)
    result, _messages = write.grouper(event_id, _change, improvement_id, form)
    said = {"save": "saved", "add": "added", "remove": "removed", "delete": "deleted"}.get(action, action)
    anchor = f"#improvement-{improvement_id}"
    if action in ("merge", "split"):
        anchor = f"#improvement-{result.id}"
    elif action == "delete":
        anchor = "#improvements"
    return _back(event_id, said, show, anchor)
