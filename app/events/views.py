"""Facilitator pages for one event: create, prepare the journey map, open, board and console."""

import datetime as dt
import io
import re
from typing import Annotated, Literal
from urllib.parse import urlsplit

import segno
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.actions import service as actions
from app.annotations import service as annotations
from app.attendance import service as attendance
from app.db import transaction
from app.deps import (
    CurrentFacilitator,
    LimiterDep,
    PublishDep,
    SessionDep,
    SettingsDep,
    board_link_url,
    join_url,
)
from app.errors import Invalid, NotFound
from app.events import retention, service
from app.events.fragments import live_context
from app.events.models import Event, EventStatus
from app.forms import optional_int, validate
from app.journeys import service as journeys
from app.phases import board_link
from app.phases import service as phases
from app.security.limits import client_key
from app.support import service as support
from app.teams import service as teams
from app.templating import is_htmx, render
from app.timeutil import utcnow
from app.vignettes import service as vignettes

router = APIRouter(include_in_schema=False)

Move = Literal["rename", "up", "down", "delete"]
SAME_EVENT_PAGE = re.compile(r"/events/\d+(/[a-z0-9-]+)*")


def qr_svg(url: str) -> str:
    # omitsize: a viewBox instead of a fixed width, so the code scales with its box on any screen;
    # border=4 is the quiet zone phone scanners expect.
    return segno.make_qr(url, error="m").svg_inline(
        scale=1, border=4, omitsize=True, title="QR code: join link"
    )


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
    session: SessionDep,
    facilitator: CurrentFacilitator,
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
    with transaction(session):
        event = service.create_event(session, data, facilitator_id=facilitator.id or 0)
    return RedirectResponse(f"/events/{event.id}", status_code=303)


@router.get("/events/{event_id}")
def manage_page(
    event_id: int,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    facilitator: CurrentFacilitator,
) -> Response:
    event = service.require_facilitator(session, event_id, facilitator.id)
    url = join_url(request, settings, event.join_code)
    return render(
        request,
        "events/manage.html",
        {
            "event": event,
            "stages": journeys.stages(session, event.journey_map_id),
            "teams": service.teams(session, event_id),
            "teams_in_use": teams.teams_in_use(session, event_id),
            "pairable": teams.pairable_vignettes(session, event_id, facilitator.id or 0),
            "max_teams": teams.MAX_TEAMS,
            "max_vignettes": teams.MAX_VIGNETTES,
            "join_url": url,
            "editable": event.status == EventStatus.draft,
            "plan": actions.action_plan(
                session, event, min_group_size=settings.min_group_size, facilitator=True
            ),
            "delete_on": retention.delete_on(event, settings.retention_days),
            "deletion_soon": retention.deletion_soon(event, settings.retention_days, utcnow().date()),
            "default_retention_days": settings.retention_days,
        },
    )


@router.post("/events/{event_id}/status")
def set_status(
    event_id: int,
    session: SessionDep,
    facilitator: CurrentFacilitator,
    publish: PublishDep,
    status: Annotated[Literal["open", "closed"], Form()],
) -> Response:
    with transaction(session):
        event = service.require_facilitator(session, event_id, facilitator.id)
        messages = service.set_status(session, event, EventStatus(status))
    publish(messages)
    return RedirectResponse(f"/events/{event_id}", status_code=303)


@router.get("/events/{event_id}/close")
def confirm_close_page(
    event_id: int, request: Request, session: SessionDep, facilitator: CurrentFacilitator
) -> Response:
    """Closing is a step of its own, so one stray click on the event page never closes the room."""
    event = service.require_facilitator(session, event_id, facilitator.id)
    return render(request, "events/close.html", {"event": event})


@router.post("/events/{event_id}/reopen")
def reopen(
    event_id: int, session: SessionDep, facilitator: CurrentFacilitator, publish: PublishDep
) -> Response:
    with transaction(session):
        event = service.require_facilitator(session, event_id, facilitator.id)
        messages = service.reopen(session, event)
    publish(messages)
    return RedirectResponse(f"/events/{event_id}", status_code=303)


@router.post("/events/{event_id}/stages")
def add_stage(
    event_id: int,
    session: SessionDep,
    facilitator: CurrentFacilitator,
    name: Annotated[str, Form(max_length=400)],
    description: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    data = validate(journeys.NamePayload, {"name": name, "description": description})
    with transaction(session):
        event = service.require_editable_map(session, event_id, facilitator.id)
        journeys.add_stage(session, event.journey_map_id, data)
    return RedirectResponse(f"/events/{event_id}#journey", status_code=303)


@router.post("/events/{event_id}/stages/{stage_id}")
def change_stage(
    event_id: int,
    stage_id: int,
    session: SessionDep,
    facilitator: CurrentFacilitator,
    action: Annotated[Move, Form()],
    name: Annotated[str, Form(max_length=400)] = "",
    description: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    with transaction(session):
        event = service.require_editable_map(session, event_id, facilitator.id)
        map_id = event.journey_map_id
        if action == "rename":
            journeys.rename_stage(
                session,
                map_id,
                stage_id,
                validate(journeys.NamePayload, {"name": name, "description": description}),
            )
        elif action == "delete":
            journeys.remove_stage(session, map_id, stage_id)
        else:
            journeys.move_stage(session, map_id, stage_id, -1 if action == "up" else 1)
    return RedirectResponse(f"/events/{event_id}#stage-{stage_id}", status_code=303)


@router.post("/events/{event_id}/stages/{stage_id}/touchpoints")
def add_touchpoint(
    event_id: int,
    stage_id: int,
    session: SessionDep,
    facilitator: CurrentFacilitator,
    name: Annotated[str, Form(max_length=400)],
    description: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    data = validate(journeys.NamePayload, {"name": name, "description": description})
    with transaction(session):
        event = service.require_editable_map(session, event_id, facilitator.id)
        journeys.add_touchpoint(session, event.journey_map_id, stage_id, data)
    return RedirectResponse(f"/events/{event_id}#stage-{stage_id}", status_code=303)


@router.post("/events/{event_id}/touchpoints/{touchpoint_id}")
def change_touchpoint(
    event_id: int,
    touchpoint_id: int,
    session: SessionDep,
    facilitator: CurrentFacilitator,
    action: Annotated[Move, Form()],
    name: Annotated[str, Form(max_length=400)] = "",
    description: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    with transaction(session):
        event = service.require_editable_map(session, event_id, facilitator.id)
        map_id = event.journey_map_id
        tp = journeys.get_touchpoint(session, map_id, touchpoint_id)
        if action == "rename":
            journeys.rename_touchpoint(
                session,
                map_id,
                touchpoint_id,
                validate(journeys.NamePayload, {"name": name, "description": description}),
            )
        elif action == "delete":
            journeys.remove_touchpoint(session, map_id, touchpoint_id)
        else:
            journeys.move_touchpoint(session, map_id, touchpoint_id, -1 if action == "up" else 1)
    return RedirectResponse(f"/events/{event_id}#stage-{tp.stage_id}", status_code=303)


def _room_page(
    template: str,
    audience: str,
    event_id: int,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    facilitator_id: int | None,
) -> Response:
    event = service.require_facilitator(session, event_id, facilitator_id)
    return _render_room(template, audience, event, request, session, settings)


def _render_room(
    template: str,
    audience: str,
    event: Event,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    live_url: str | None = None,
) -> Response:
    url = join_url(request, settings, event.join_code)
    ctx = live_context(session, event, audience, min_group_size=settings.min_group_size)
    short = urlsplit(url).netloc + "/join"  # what people type: host/join, no scheme or query
    ctx.update(
        {"join_url": url, "join_short": short, "qr": qr_svg(url), "seq": event.last_seq, "live_url": live_url}
    )
    if audience == "console":
        ctx["here"] = phases.here_counts(session, event.id or 0, settings.min_group_size)
    else:
        ctx["alerts"] = None  # the projector is the room's: never a call for help
    return render(request, template, ctx)


@router.get("/events/{event_id}/board")
def board(
    event_id: int,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    facilitator: CurrentFacilitator,
) -> Response:
    return _room_page("events/board.html", "board", event_id, request, session, settings, facilitator.id)


# Board link for the venue PC (app/phases/board_link): the board without a facilitator's sign-in.


@router.get("/board/{token}")
def board_by_link(
    token: str, request: Request, session: SessionDep, settings: SettingsDep, limiter: LimiterDep
) -> Response:
    event = limiter.count_failures(
        limiter.join_checks(client_key(request)), NotFound, lambda: board_link.find_board(session, token)
    )
    response = _render_room(
        "events/board.html", "board", event, request, session, settings, live_url=f"/board/{token}/live?"
    )
    # The link is the secret: keep the page out of caches (every page already sends no Referer).
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/events/{event_id}/board-link")
def create_board_link(
    event_id: int,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    facilitator: CurrentFacilitator,
    publish: PublishDep,
) -> Response:
    with transaction(session):
        event = service.require_facilitator(session, event_id, facilitator.id)
        token, messages = board_link.create_board_link(session, event)
    publish(messages)
    response = render(
        request,
        "events/board_link.html",
        {"event": event, "board_url": board_link_url(request, settings, token)},
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/events/{event_id}/board-link/revoke")
def revoke_board_link(
    event_id: int, session: SessionDep, facilitator: CurrentFacilitator, publish: PublishDep
) -> Response:
    with transaction(session):
        event = service.require_facilitator(session, event_id, facilitator.id)
        messages = board_link.revoke_board_link(session, event)
    publish(messages)
    return RedirectResponse(f"/events/{event_id}#board-link", status_code=303)


@router.get("/events/{event_id}/console")
def console(
    event_id: int,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    facilitator: CurrentFacilitator,
) -> Response:
    return _room_page("events/console.html", "console", event_id, request, session, settings, facilitator.id)


@router.post("/events/{event_id}/annotations/{annotation_id}/visibility")
def set_visibility(
    event_id: int,
    annotation_id: int,
    request: Request,
    session: SessionDep,
    facilitator: CurrentFacilitator,
    publish: PublishDep,
    hidden: Annotated[Literal["true", "false"], Form()],
) -> Response:
    with transaction(session):
        event = service.require_facilitator(session, event_id, facilitator.id)
        _annotation, messages = annotations.set_hidden(session, event, annotation_id, hidden=hidden == "true")
    publish(messages)
    if is_htmx(request):
        return Response(status_code=204)  # the console's own websocket brings the change
    return RedirectResponse(f"/events/{event_id}/console", status_code=303)


@router.post("/events/{event_id}/support/{request_id}/handled")
def support_handled(
    event_id: int,
    request_id: int,
    request: Request,
    session: SessionDep,
    facilitator: CurrentFacilitator,
    publish: PublishDep,
    next: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    with transaction(session):
        event = service.require_facilitator(session, event_id, facilitator.id)
        messages = support.mark_handled(session, event, request_id)
    publish(messages)
    if is_htmx(request):
        return Response(status_code=204)
    # Back to the facilitator page it was handled from (the banner is on all of them).
    here = f"/events/{event_id}"
    back = next if SAME_EVENT_PAGE.fullmatch(next) and (next + "/").startswith(here + "/") else ""
    return RedirectResponse(back or f"/events/{event_id}/console", status_code=303)


@router.post("/events/{event_id}/settings")
def save_settings(
    event_id: int,
    session: SessionDep,
    facilitator: CurrentFacilitator,
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
    with transaction(session):
        event = service.require_facilitator(session, event_id, facilitator.id)
        service.update_settings(session, event, data)
    return RedirectResponse(f"/events/{event_id}#settings", status_code=303)


@router.post("/events/{event_id}/delete-after")
def save_delete_after(
    event_id: int,
    session: SessionDep,
    facilitator: CurrentFacilitator,
    delete_after: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    try:
        day = dt.date.fromisoformat(delete_after)
    except ValueError:
        raise Invalid("Give the date as a day, for example 2027-06-30.") from None
    with transaction(session):
        event = service.require_facilitator(session, event_id, facilitator.id)
        service.set_delete_after(session, event, day, today=utcnow().date())
    return RedirectResponse(f"/events/{event_id}#deletion", status_code=303)


@router.get("/events/{event_id}/attendance")
def attendance_page(
    event_id: int, request: Request, session: SessionDep, facilitator: CurrentFacilitator
) -> Response:
    event = service.require_facilitator(session, event_id, facilitator.id)
    return render(
        request,
        "events/attendance.html",
        {"event": event, "rows": attendance.list_attendance(session, event_id)},
    )


@router.post("/events/{event_id}/attendance")
def add_attendance(
    event_id: int,
    session: SessionDep,
    facilitator: CurrentFacilitator,
    name: Annotated[str, Form(max_length=400)],
    hours: Annotated[str, Form(max_length=10)] = "0",
    payment_method: Annotated[str, Form(max_length=400)] = "",
    notes: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    try:
        hours_value = float(hours or 0)
    except ValueError:
        hours_value = -1.0
    data = validate(
        attendance.AttendanceIn,
        {"name": name, "hours": hours_value, "payment_method": payment_method, "notes": notes},
    )
    with transaction(session):
        service.require_facilitator(session, event_id, facilitator.id)
        attendance.add(session, event_id, data)
    return RedirectResponse(f"/events/{event_id}/attendance", status_code=303)


@router.post("/events/{event_id}/attendance/{row_id}/delete")
def remove_attendance(
    event_id: int, row_id: int, session: SessionDep, facilitator: CurrentFacilitator
) -> Response:
    with transaction(session):
        service.require_facilitator(session, event_id, facilitator.id)
        attendance.remove(session, event_id, row_id)
    return RedirectResponse(f"/events/{event_id}/attendance", status_code=303)


@router.get("/events/{event_id}/attendance.csv")
def attendance_csv(event_id: int, session: SessionDep, facilitator: CurrentFacilitator) -> Response:
    service.require_facilitator(session, event_id, facilitator.id)
    return Response(
        attendance.to_csv(attendance.list_attendance(session, event_id)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="attendance-event-{event_id}.csv"'},
    )


@router.get("/events/{event_id}/qr.svg")
def qr(
    event_id: int,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    facilitator: CurrentFacilitator,
) -> Response:
    event = service.require_facilitator(session, event_id, facilitator.id)
    svg = segno.make_qr(join_url(request, settings, event.join_code), error="m")
    buffer = io.BytesIO()
    svg.save(buffer, kind="svg", scale=10, border=2)
    return Response(buffer.getvalue(), media_type="image/svg+xml")
