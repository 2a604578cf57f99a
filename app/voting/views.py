"""The priority list page (and, while voting is open, each participant's dots on it), the
facilitator's voting controls, and a participant's vote from the page's + and - buttons."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.deps import (
    ParticipantWrite,
    SessionDep,
    SettingsDep,
    ViewerPage,
    WriteAsFacilitator,
    WriteAsParticipant,
)
from app.errors import DomainError
from app.events import service as events
from app.events.models import Event, EventStatus
from app.forms import Flag, flag, optional_int, validate
from app.improvements import service as improvements
from app.improvements.views import may_group
from app.participants import service as participants
from app.participants.models import Participant
from app.settings import Settings
from app.templating import is_htmx, render
from app.voting import priorities, service
from app.voting.models import VotingStatus

router = APIRouter(include_in_schema=False)

TEMPLATE = "voting/priorities.html"


def _context(
    session: SessionDep,
    event: Event,
    participant: Participant | None,
    settings: Settings,
    problem: str | None = None,
) -> dict[str, Any]:
    facilitator = participant is None
    plist, visible = priorities.visible_priorities(
        session, event, min_group_size=settings.min_group_size, facilitator=facilitator
    )
    who = improvements.Grouper(facilitator=facilitator, participant=participant)
    return {
        "event": event,
        "is_facilitator": facilitator,
        "plist": plist,
        "tally_visible": visible,
        "voting": service.voting_state(event),
        "voting_open": event.status == EventStatus.open and event.voting_status == VotingStatus.open,
        "mine": service.my_votes(session, event, participant) if participant else None,
        "may_group": may_group(event, who),
        "problem": problem,
    }


@router.get("/events/{event_id}/priorities")
def priorities_page(page: ViewerPage) -> Response:
    ctx = _context(page.session, page.event, page.who.participant, page.settings)
    return render(page.request, TEMPLATE, ctx)


@router.post("/events/{event_id}/improvements/{improvement_id}/vote", dependencies=[ParticipantWrite])
def vote(
    event_id: int,
    improvement_id: int,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    write: WriteAsParticipant,
    change: Annotated[Literal["add", "remove"], Form()],
) -> Response:
    """One dot more or less on one improvement. Trying to spend more than the budget is a 409 with
    the reason, shown on the card that was pressed."""
    participant = participants.require_participant(session, event_id, write.tokens)
    try:
        write.participant(event_id, service.change_vote, improvement_id, 1 if change == "add" else -1)
    except DomainError as exc:
        session.expire_all()
        event = events.get_event(session, event_id)
        ctx = _context(session, event, participant, settings, problem=exc.message)
        ctx["tapped"] = improvement_id
        if is_htmx(request):
            return render(request, TEMPLATE, ctx, block="vote_update", status_code=exc.status_code)
        return render(request, TEMPLATE, ctx, status_code=exc.status_code)
    if not is_htmx(request):
        return RedirectResponse(f"/events/{event_id}/priorities#priority-{improvement_id}", status_code=303)
    ctx = _context(session, write.event, participant, settings)
    ctx["tapped"] = improvement_id
    ctx["changed"] = next((p for p in ctx["plist"].rows if p.improvement.id == improvement_id), None)
    return render(request, TEMPLATE, ctx, block="vote_update")


@router.post("/events/{event_id}/voting")
def change_voting(
    event_id: int,
    write: WriteAsFacilitator,
    status: Annotated[Literal["", "not_open", "open", "closed"], Form()] = "",
    revealed: Annotated[Flag, Form()] = "",
    participants_may_group: Annotated[Flag, Form()] = "",
    dots_per_participant: Annotated[str, Form(max_length=3)] = "",
    max_dots_per_improvement: Annotated[str, Form(max_length=3)] = "",
    back: Annotated[Literal["improvements", "priorities"], Form()] = "improvements",
) -> Response:
    """Open or close voting, reveal or hide the tally, let participants group, set the dots: each
    field left out stays as it is."""
    fields: dict[str, Any] = {
        "status": VotingStatus(status) if status else None,
        "revealed": flag(revealed),
        "participants_may_group": flag(participants_may_group),
        "dots_per_participant": optional_int(dots_per_participant),
        "max_dots_per_improvement": optional_int(max_dots_per_improvement),
    }
    data = validate(service.VotingSettings, {k: v for k, v in fields.items() if v is not None})
    write.facilitator(event_id, service.change_voting, data)
    if back == "priorities":
        return RedirectResponse(f"/events/{event_id}/priorities#voting", status_code=303)
    return RedirectResponse(f"/events/{event_id}/improvements?said=voting#voting", status_code=303)
