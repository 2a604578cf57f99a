"""Facilitator pages for one event: create, its settings, open and close, the board and the console."""

import datetime as dt
import io
from typing import Annotated, Literal
from urllib.parse import urlsplit

import segno
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.actions.plan import action_plan
from app.deps import (
    CurrentFacilitator,
    EventPage,
    FacilitatorPage,
    LimiterDep,
    SessionDep,
    SettingsDep,
    WriteAsFacilitator,
    join_url,
)
from app.errors import Invalid, NotFound
from app.events import retention, service
from app.events.models import EventStatus
from app.forms import optional_int, validate
from app.journeys import service as journeys
from app.participants import groups
from app.phases import board_link
from app.reviews import service as reviews
from app.room.context import live_context
from app.security.limits import client_key
from app.teams import service as teams
from app.templating import render
from app.timeutil import utcnow
from app.vignettes import service as vignettes

router = APIRouter(include_in_schema=False)


def qr_svg(url: str, title: str = "QR code: join link") -> str:
    # omitsize: a viewBox instead of a fixed width, so the code scales with its box on any screen;
    # border=4 is the quiet zone phone scanners expect.
    return segno.make_qr(url, error="m").svg_inline(scale=1, border=4, omitsize=True, title=title)


@router.get("/events/new")
def new_event_page(
    request: Request, session: SessionDep, facilitator: CurrentFacilitator, map: str = ""
) -> Response:
    return render(
        request,
        "events/new.html",
        {
            "templates": journeys.list_templates(session),
            "selected_map": int(map) if map.isdigit() and len(map) < 12 else None,
            "default_teams": vignettes.default_teams(session),
            "vignettes": vignettes.list_vignettes(session),
        },
    )


@router.post("/events/new")
def create_event(
    write: WriteAsFacilitator,
    title: Annotated[str, Form(max_length=400)],
    journey_map_id: Annotated[str, Form(max_length=12)],
    date: Annotated[str, Form(max_length=20)] = "",
    dots_per_participant: Annotated[str, Form(max_length=3)] = "3",
) -> Response:
    data = validate(
        service.EventCreate,
        {
            "title": title,
            "date": date or None,
            "journey_map_id": optional_int(journey_map_id),
            "dots_per_participant": optional_int(dots_per_participant) or 3,
            "open": False,
        },
    )
    event = write.account(service.create_event, data, facilitator_id=write.signed_in_id)
    return RedirectResponse(f"/events/{event.id}", status_code=303)


@router.get("/events/{event_id}")
def manage_page(page: FacilitatorPage) -> Response:
    session, settings, event, event_id = page.session, page.settings, page.event, page.event.id or 0
    url = join_url(page.request, settings, event.join_code)
    return render(
        page.request,
        "events/manage.html",
        {
            "event": event,
            "stages": journeys.stages(session, event.journey_map_id),
            "teams": service.teams(session, event_id),
            "teams_in_use": teams.teams_in_use(session, event_id),
            "pairable": teams.pairable_vignettes(session, event_id),
            "max_teams": teams.MAX_TEAMS,
            "max_vignettes": teams.MAX_VIGNETTES,
            "join_url": url,
            "editable": event.status == EventStatus.draft,
            "plan": action_plan(session, event, min_group_size=settings.min_group_size, facilitator=True),
            "standing": reviews.standing(session, event),
            "delete_on": retention.delete_on(event, settings.retention_days),
            "deletion_soon": retention.deletion_soon(event, settings.retention_days, utcnow().date()),
            "default_retention_days": settings.retention_days,
        },
    )


@router.post("/events/{event_id}/status")
def set_status(
    event_id: int, write: WriteAsFacilitator, status: Annotated[Literal["open", "closed"], Form()]
) -> Response:
    write.facilitator(event_id, service.set_status, EventStatus(status))
    return RedirectResponse(f"/events/{event_id}", status_code=303)


@router.get("/events/{event_id}/close")
def confirm_close_page(page: FacilitatorPage) -> Response:
    """Closing is a step of its own, so one stray click on the event page never closes the room."""
    return render(page.request, "events/close.html", {"event": page.event})


@router.post("/events/{event_id}/reopen")
def reopen(event_id: int, write: WriteAsFacilitator) -> Response:
    write.facilitator(event_id, service.reopen)
    return RedirectResponse(f"/events/{event_id}", status_code=303)


def _render_room(template: str, audience: str, page: EventPage, live_url: str | None = None) -> Response:
    request, session, settings, event = page.request, page.session, page.settings, page.event
    url = join_url(request, settings, event.join_code)
    ctx = live_context(session, event, audience, min_group_size=settings.min_group_size)
    short = urlsplit(url).netloc + "/join"  # what people type: host/join, no scheme or query
    ctx.update(
        {"join_url": url, "join_short": short, "qr": qr_svg(url), "seq": event.last_seq, "live_url": live_url}
    )
    if audience == "console":
        ctx["here"] = groups.here_counts(session, event.id or 0, settings.min_group_size)
    else:
        ctx["alerts"] = None  # the projector is the room's: never a call for help
    return render(request, template, ctx)


@router.get("/events/{event_id}/board")
def board(page: FacilitatorPage) -> Response:
    return _render_room("events/board.html", "board", page)


# Board link for the venue PC (app/phases/board_link): the board without a facilitator's sign-in.


@router.get("/board/{token}")
def board_by_link(
    token: str, request: Request, session: SessionDep, settings: SettingsDep, limiter: LimiterDep
) -> Response:
    event = limiter.count_failures(
        limiter.join_checks(client_key(request)), NotFound, lambda: board_link.find_board(session, token)
    )
    page = EventPage(request, session, settings, event)
    response = _render_room("events/board.html", "board", page, live_url=f"/board/{token}/live?")
    # The link is the secret: keep the page out of caches (every page already sends no Referer).
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/events/{event_id}/console")
def console(page: FacilitatorPage) -> Response:
    return _render_room("events/console.html", "console", page)


@router.post("/events/{event_id}/settings")
def save_settings(
    event_id: int,
    write: WriteAsFacilitator,
    support_info: Annotated[str, Form(max_length=4000)] = "",
    changes_close_days: Annotated[str, Form(max_length=4)] = "7",
    retention_days: Annotated[str, Form(max_length=5)] = "30",
) -> Response:
    data = validate(
        service.EventSettings,
        {
            "support_info": support_info,
            "changes_close_days": optional_int(changes_close_days) or 0,
            "retention_days": optional_int(retention_days) or 0,
        },
    )
    write.facilitator(event_id, service.update_settings, data)
    return RedirectResponse(f"/events/{event_id}#settings", status_code=303)


@router.post("/events/{event_id}/delete-after")
def save_delete_after(
    event_id: int,
    write: WriteAsFacilitator,
    delete_after: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    try:
        day = dt.date.fromisoformat(delete_after)
    except ValueError:
        raise Invalid("Give the date as a day, for example 2027-06-30.") from None
    write.facilitator(event_id, service.set_delete_after, day, today=utcnow().date())
    return RedirectResponse(f"/events/{event_id}#deletion", status_code=303)


@router.get("/events/{event_id}/qr.svg")
def qr(page: FacilitatorPage) -> Response:
    svg = segno.make_qr(join_url(page.request, page.settings, page.event.join_code), error="m")
    buffer = io.BytesIO()
    svg.save(buffer, kind="svg", scale=10, border=2)
    return Response(buffer.getvalue(), media_type="image/svg+xml")
