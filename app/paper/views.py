"""Facilitator pages for the paper fallback: the printable PDFs and "Add from paper"."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, select

from app.annotations import service as annotations
from app.annotations.models import TEXT_MAX, Annotation
from app.deps import (
    FacilitatorPage,
    SessionDep,
    WriteAsFacilitator,
    join_url,
)
from app.errors import Conflict, Invalid, NotFound
from app.events import service as events
from app.events.models import Event
from app.exports.report import file_stem
from app.forms import optional_int, validate
from app.journeys import service as journeys
from app.paper import printables
from app.paper.api import enter_from_paper
from app.templating import render

router = APIRouter(include_in_schema=False)
RECENT = 10


def _pdf(body: bytes, event: Event, name: str) -> Response:
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{file_stem(event)}-{name}.pdf"'},
    )


@router.get("/events/{event_id}/print/poster.pdf")
def poster(page: FacilitatorPage) -> Response:
    url = join_url(page.request, page.settings, page.event.join_code)
    return _pdf(printables.poster(page.event, url), page.event, "poster")


@router.get("/events/{event_id}/print/table-cards.pdf")
def table_cards(page: FacilitatorPage) -> Response:
    event = page.event
    url = join_url(page.request, page.settings, event.join_code)
    teams = events.teams(page.session, event.id or 0)
    return _pdf(printables.table_cards(event, url, teams), event, "table-cards")


@router.get("/events/{event_id}/print/paper-kit.pdf")
def paper_kit(page: FacilitatorPage) -> Response:
    event, session = page.event, page.session
    body = printables.paper_kit(
        event, events.teams(session, event.id or 0), journeys.stages(session, event.journey_map_id)
    )
    return _pdf(body, event, "paper-kit")


@router.get("/events/{event_id}/paper")
def paper_page(page: FacilitatorPage, team: str = "", touchpoint: str = "", added: str = "") -> Response:
    chosen = {"team_id": team[:12], "touchpoint_id": touchpoint[:12], "kind": "", "text": ""}
    return _page(page.request, page.session, page.event, chosen, added=added == "1")


def _page(
    request: Request,
    session: Session,
    event: Event,
    entered: dict[str, Any],
    *,
    added: bool = False,
    message: str | None = None,
    status_code: int = 200,
) -> Response:
    event_id = event.id or 0
    stages = journeys.stages(session, event.journey_map_id)
    teams = events.teams(session, event_id)
    recent = session.exec(
        select(Annotation)
        .where(Annotation.event_id == event_id, col(Annotation.from_paper).is_(True))
        .order_by(col(Annotation.id).desc())
        .limit(RECENT)
    ).all()
    return render(
        request,
        "paper/add.html",
        {
            "event": event,
            "stages": stages,
            "teams": teams,
            "numbers": printables.touchpoint_numbers(stages),
            "touchpoint_names": {tp.id: tp.name for view in stages for tp in view.touchpoints},
            "team_names": {view.team.id: view.team.name for view in teams},
            "recent": recent,
            "entered": {k: str(v) for k, v in entered.items() if k != "principles"},
            "entered_principles": entered.get("principles") or [],
            "added": added,
            "message": message,
        },
        status_code=status_code,
    )


@router.post("/events/{event_id}/paper")
def add_from_paper(
    event_id: int,
    request: Request,
    session: SessionDep,
    write: WriteAsFacilitator,
    team_id: Annotated[str, Form(max_length=12)] = "",
    touchpoint_id: Annotated[str, Form(max_length=12)] = "",
    kind: Annotated[str, Form(max_length=20)] = "",
    text: Annotated[str, Form(max_length=2000)] = "",
    principles: Annotated[list[str] | None, Form(max_length=5)] = None,
    client_key: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    entered: dict[str, Any] = {
        "team_id": team_id,
        "touchpoint_id": touchpoint_id,
        "kind": kind,
        "text": text,
        "principles": principles or [],
    }
    try:
        data = validate(
            annotations.PaperAnnotationCreate,
            {
                **entered,
                "team_id": optional_int(team_id),
                "touchpoint_id": optional_int(touchpoint_id),
                "client_key": client_key or None,
            },
        )
        enter_from_paper(write, event_id, data)
    except (Invalid, NotFound, Conflict) as exc:
        # The form again with what was typed, so a missed tick costs no retyping.
        entered["text"] = text[: TEXT_MAX * 2]
        event = events.require_facilitator(session, event_id, write.facilitator_id)
        return _page(
            request,
            session,
            event,
            entered,
            message=exc.message,
            status_code=exc.status_code,
        )
    # Back to the form with the same team and touchpoint, ready for the next note from that sheet.
    return RedirectResponse(
        f"/events/{event_id}/paper?team={data.team_id}&touchpoint={data.touchpoint_id}&added=1",
        status_code=303,
    )
