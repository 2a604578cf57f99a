"""The public progress page ("You said, we did") at its short link /p/{code}, its printable poster,
and the facilitator's page that chooses what it shows, previews it and publishes or unpublishes it.

The public pages set no cookie (they render without the session, so no CSRF token is made), load
no script, and ask search engines not to index them."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from app.actions.plan import action_plan
from app.actions.service import MAX_ACTIONS_PER_IMPROVEMENT
from app.deps import FacilitatedEvent, SessionDep, SettingsDep, WriteAsFacilitator, progress_url
from app.errors import NotFound
from app.events.views import qr_svg
from app.forms import optional_int
from app.improvements.service import MAX_IMPROVEMENTS
from app.progress import service
from app.progress.page import public_progress
from app.templating import render

router = APIRouter(include_in_schema=False)

NOINDEX = {"X-Robots-Tag": "noindex, nofollow"}
# At most as many as an event can have (max_length bounds the list, optional_int each value).
ImprovementIds = Annotated[list[str] | None, Form(max_length=MAX_IMPROVEMENTS)]
ActionIds = Annotated[list[str] | None, Form(max_length=MAX_IMPROVEMENTS * MAX_ACTIONS_PER_IMPROVEMENT)]


def _public(
    request: Request, session: SessionDep, settings: SettingsDep, code: str, template: str
) -> Response:
    try:
        event, page = service.published_page(session, code)
    except NotFound as missing:
        # Its own page, not the site's error page: that one carries a CSRF token, so a cookie.
        return render(
            request, "progress/missing.html", {"message": missing.message}, status_code=404, headers=NOINDEX
        )
    url = progress_url(request, settings, page.code)
    return render(
        request,
        template,
        {
            "progress": public_progress(session, event, page, min_group_size=settings.min_group_size),
            "progress_url": url,
            "progress_short": url.split("://", 1)[-1],
            "qr": Markup(qr_svg(url, "QR code: this progress page")),  # noqa: S704 (segno escapes it)
        },
        headers=NOINDEX,
    )


@router.get("/p/{code}")
def public_page(request: Request, session: SessionDep, settings: SettingsDep, code: str) -> Response:
    return _public(request, session, settings, code, "progress/public.html")


@router.get("/p/{code}/poster")
def poster_page(request: Request, session: SessionDep, settings: SettingsDep, code: str) -> Response:
    return _public(request, session, settings, code, "progress/poster.html")


@router.get("/events/{event_id}/progress")
def progress_choice_page(
    request: Request, session: SessionDep, settings: SettingsDep, event: FacilitatedEvent
) -> Response:
    page = service.progress_page(session, event.id or 0)
    plan = action_plan(session, event, min_group_size=settings.min_group_size, facilitator=True)
    preview = (
        public_progress(session, event, page, min_group_size=settings.min_group_size)
        if page is not None
        else None
    )
    url = progress_url(request, settings, page.code) if page is not None else ""
    return render(
        request,
        "progress/choose.html",
        {
            "event": event,
            "is_facilitator": True,
            "plan": plan,
            "page": page,
            "progress": preview,
            "progress_url": url,
        },
    )


@router.post("/events/{event_id}/progress")
def choose_published(
    event_id: int,
    write: WriteAsFacilitator,
    improvement_ids: ImprovementIds = None,
    action_ids: ActionIds = None,
) -> Response:
    chosen = [i for i in (optional_int(v) for v in improvement_ids or []) if i is not None]
    actions = [i for i in (optional_int(v) for v in action_ids or []) if i is not None]
    write.facilitator(event_id, service.choose_published, improvement_ids=chosen, action_ids=actions)
    return RedirectResponse(f"/events/{event_id}/progress#preview", status_code=303)


@router.post("/events/{event_id}/progress/published")
def set_published(
    event_id: int, write: WriteAsFacilitator, published: Annotated[str, Form(max_length=5)] = ""
) -> Response:
    write.facilitator(event_id, service.set_published, published=published == "yes")
    return RedirectResponse(f"/events/{event_id}/progress", status_code=303)
