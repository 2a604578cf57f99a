"""Jinja2 rendering: one template holds a page and its named fragments.

The pages, the live regions (app/room) and the exports share this one environment, so it sits
below them all; `csrf_field()` and `csrf_token()` are added to it by `app.main.create_app` from
the CSRF middleware (app/security/csrf.py), which itself renders refusals through it."""

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlmodel import Session

from app.actions.models import ActionStatus
from app.annotations.models import Kind, Principle
from app.assets import static_url
from app.events import service as events
from app.improvements.models import Cost, Driver, Effort, Horizon
from app.participants.models import HereAs
from app.support import service as support
from app.support.models import Feeling, SupportKind

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
env = templates.env
# Template indentation is for the people who edit them; phones should not download it.
env.trim_blocks = True
env.lstrip_blocks = True
env.globals.update(
    KINDS=list(Kind),
    PRINCIPLES=list(Principle),
    HERE_AS_LABELS=HereAs.labels_by_value(),
    SUPPORT_LABELS=SupportKind.labels_by_value(),
    FEELING_LABELS=Feeling.labels_by_value(),
    MIN_GROUP_SIZE_HINT="enough people",
    KIND_LABELS=Kind.labels_by_value(),
    # Improvements and actions (app/improvements, app/actions): slug -> words people read.
    DRIVER_LABELS=Driver.labels_by_value(),
    EFFORT_LABELS=Effort.labels_by_value(),
    COST_LABELS=Cost.labels_by_value(),
    HORIZON_LABELS=Horizon.labels_by_value(),
    ACTION_STATUS_LABELS=ActionStatus.labels_by_value(),
    # A fresh key per rendered form: a double tap or a retried post saves one annotation, not two.
    new_client_key=lambda: secrets.token_urlsafe(9),
    static_url=static_url,
)


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    block: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """The whole page, or one named block of it (for an HTMX swap)."""
    ctx = {"request": request, **(context or {})}
    response: HTMLResponse
    ctx.setdefault("facilitator", getattr(request.state, "facilitator", None))
    if block is None:
        if status_code < 400:
            _add_alerts(request, ctx)
        response = templates.TemplateResponse(
            request, template, ctx, status_code=status_code, headers=headers
        )
    else:
        response = HTMLResponse(render_block(template, block, ctx), status_code=status_code, headers=headers)
    response.headers["Vary"] = "HX-Request"
    return response


def _add_alerts(request: Request, ctx: dict[str, Any]) -> None:
    """Every facilitator page of an event shows its open calls for help (and keeps them live), so
    a facilitator never has to be on the console to see one. A page opts out with `alerts=None`
    (the board), and a facilitator page shown to a participant (`is_facilitator` False) has none."""
    facilitator = ctx["facilitator"]
    raw = str(request.path_params.get("event_id", ""))
    if "alerts" in ctx or facilitator is None or not raw.isdigit() or not ctx.get("is_facilitator", True):
        return
    event_id = int(raw)
    with Session(request.app.state.engine) as session:
        if not events.is_facilitator(session, event_id, facilitator.id):
            return
        ctx["alerts"] = support.open_alerts(session, event_id)
    ctx["alert_event_id"] = event_id
    ctx["alert_next"] = request.url.path


def render_block(template: str, block: str, context: dict[str, Any]) -> str:
    tmpl = env.get_template(template)
    return "".join(tmpl.blocks[block](tmpl.new_context(context)))


def render_template(template: str, context: dict[str, Any]) -> str:
    return env.get_template(template).render(context)


def template_page(template: str) -> Callable[[Request], HTMLResponse]:
    """The route of a page that shows its template and nothing else: `router.get(path)(template_page(...))`."""

    def page(request: Request) -> HTMLResponse:
        return render(request, template)

    return page
