"""Annotation pages: a participant adds, changes or withdraws a contribution from the journey page;
a facilitator hides one from every screen (and shows it again) from the console."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.annotations import service
from app.annotations.api import change_own_annotation, own_event_id, withdraw_own_annotation
from app.annotations.models import Annotation
from app.deps import (
    ParticipantTokens,
    ParticipantWrite,
    SessionDep,
    WriteAsParticipant,
)
from app.events import service as events
from app.forms import optional_int, validate
from app.participants import service as participants
from app.participants.models import Participant
from app.participants.views import event_participant, journey_context
from app.phases.views import Console
from app.templating import is_htmx, render

router = APIRouter(include_in_schema=False)

TextField = Annotated[str, Form(max_length=2000)]


@router.post("/events/{event_id}/journey/annotations", dependencies=[ParticipantWrite])
def add_annotation(
    event_id: int,
    request: Request,
    session: SessionDep,
    write: WriteAsParticipant,
    touchpoint_id: Annotated[str, Form(max_length=12)],
    kind: Annotated[str, Form(max_length=20)] = "",
    text: TextField = "",
    principles: Annotated[list[str] | None, Form(max_length=5)] = None,
    vignette_slug: Annotated[str, Form(max_length=80)] = "",
    client_key: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    data = validate(
        service.AnnotationCreate,
        {
            "touchpoint_id": optional_int(touchpoint_id),
            "kind": kind,
            "text": text,
            "principles": principles or [],
            "vignette_slug": vignette_slug or None,
            "client_key": client_key or None,
        },
    )
    added, _messages = write.device(event_id, service.post_annotation, data)
    if not is_htmx(request):
        return RedirectResponse(f"/events/{event_id}/journey#tp-{added['touchpoint_id']}", status_code=303)
    event, participant = event_participant(session, event_id, write.tokens)
    ctx = journey_context(session, event, participant, request)
    tp = next(tp for tp in ctx["touchpoints"] if tp.id == added["touchpoint_id"])
    ctx.update({"tp": tp, "added": added})
    return render(request, "participants/journey.html", ctx, block="annotation_added")


def _own(session: SessionDep, annotation_id: int, tokens: list[str]) -> tuple[Annotation, Participant]:
    participant = participants.require_participant(session, own_event_id(session, annotation_id), tokens)
    return service.get_own(session, participant, annotation_id), participant


def _own_page(
    annotation_id: int, request: Request, session: SessionDep, tokens: ParticipantTokens
) -> dict[str, Any]:
    """The journey page's context with one of this participant's own annotations, to change or
    withdraw it."""
    annotation, participant = _own(session, annotation_id, tokens)
    event = events.get_event(session, annotation.event_id)
    ctx = journey_context(session, event, participant, request)
    ctx["annotation"] = annotation
    return ctx


OwnPage = Annotated[dict[str, Any], Depends(_own_page)]


@router.get("/annotations/{annotation_id}/edit")
def edit_page(request: Request, ctx: OwnPage) -> Response:
    return render(request, "participants/edit.html", ctx)


@router.post("/annotations/{annotation_id}/edit", dependencies=[ParticipantWrite])
def edit(
    annotation_id: int,
    write: WriteAsParticipant,
    kind: Annotated[str, Form(max_length=20)] = "",
    text: TextField = "",
    principles: Annotated[list[str] | None, Form(max_length=5)] = None,
    vignette_slug: Annotated[str, Form(max_length=80)] = "",
) -> Response:
    data = validate(
        service.AnnotationUpdate,
        {
            "kind": kind,
            "text": text,
            "principles": principles or [],
            "vignette_slug": vignette_slug or None,
        },
    )
    annotation = change_own_annotation(write, annotation_id, data)
    return RedirectResponse(f"/events/{annotation.event_id}/journey?changed=1#changed", status_code=303)


@router.get("/annotations/{annotation_id}/withdraw")
def withdraw_page(request: Request, ctx: OwnPage) -> Response:
    return render(request, "participants/withdraw.html", ctx)


@router.post("/annotations/{annotation_id}/withdraw", dependencies=[ParticipantWrite])
def withdraw(annotation_id: int, write: WriteAsParticipant) -> Response:
    event_id = withdraw_own_annotation(write, annotation_id)
    return RedirectResponse(f"/events/{event_id}/journey?withdrawn=1#withdrawn", status_code=303)


@router.post("/events/{event_id}/annotations/{annotation_id}/visibility")
def set_visibility(
    annotation_id: int, console: Console, hidden: Annotated[Literal["true", "false"], Form()]
) -> Response:
    return console.run(service.set_hidden, annotation_id, hidden=hidden == "true")
