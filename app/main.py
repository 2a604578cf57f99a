"""Application factory: `create_app(settings)` wires the database, the room hub and the routes."""

import asyncio
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DataError
from starlette.concurrency import run_in_threadpool
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.sessions import SessionMiddleware

from app import logs, views
from app.actions import api as actions_api
from app.annotations import api as annotations_api
from app.assets import STATIC_DIR, HashedStaticFiles
from app.db import make_engine
from app.errors import DomainError, TooManyRequests
from app.events import api as events_api
from app.events.retention import sweep
from app.exports import api as exports_api
from app.facilitators import api as facilitators_api
from app.improvements import api as improvements_api
from app.journeys import api as journeys_api
from app.organisations import api as organisations_api
from app.paper import api as paper_api
from app.participants import api as participants_api
from app.phases import api as phases_api
from app.realtime import ws
from app.realtime.broker import create_broker
from app.realtime.hub import Hub, RawWebsocketSend
from app.reviews import api as reviews_api
from app.room.feed import Feed, json_renderer
from app.room.renderer import AUDIENCES, HtmlRenderers
from app.roomlog import messages as room_messages
from app.security.body_size import BodySizeLimit
from app.security.csrf import CSRFProtect, csrf_field, csrf_token
from app.security.headers import SecurityHeaders
from app.security.limits import Limiter
from app.settings import Settings, get_settings
from app.support import api as support_api
from app.teams import api as teams_api
from app.templating import env, is_htmx, render
from app.vignettes import api as vignettes_api
from app.voting import api as voting_api

log = logging.getLogger("lenswalk")

SWITCH_INTERVAL = 0.001


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    # Every <form method="post"> carries {{ csrf_field() }}; HTMX sends the meta tag's token.
    env.globals.update(csrf_field=csrf_field, csrf_token=csrf_token)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        logs.install()
        # A thread that waits for the GIL gets it after 1 ms instead of 5: a write that holds the
        # database's write lock and waits for the GIL after each statement would otherwise wait up
        # to 5 ms each time the event loop is busy sending, and every other write queues behind it.
        sys.setswitchinterval(SWITCH_INTERVAL)
        engine = make_engine(settings.database_url)
        feed = Feed(engine)
        html = HtmlRenderers(engine, min_group_size=settings.min_group_size)
        renderers = {
            "json:facilitator": json_renderer("facilitator"),
            "json:participant": json_renderer("participant"),
        }
        hub = Hub(
            create_broker(settings.broker_url, settings.broker_channel),
            renderers=renderers,
            batch_renderers={f"html:{audience}": html.for_audience(audience) for audience in AUDIENCES},
            load_history=feed.load_history,
            read_seq=feed.read_seq,
            queue_size=settings.connection_queue_size,
        )
        await hub.start()
        retention = asyncio.create_task(
            _retention_loop(engine, settings.retention_interval_seconds, settings.retention_days)
        )
        app.state.engine = engine
        app.state.hub = hub
        app.state.html_renderers = html
        try:
            yield
        finally:
            retention.cancel()
            await hub.stop()
            engine.dispose()

    app = FastAPI(
        title="Lenswalk",
        summary="Run a Trauma-Informed Lens Walkthrough: live journey map, anonymous participation.",
        version="0.1.0",
        lifespan=lifespan,
        # FastAPI's own /docs and /redoc load their code from a CDN; ours is served from here.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.limiter = Limiter(settings)

    # Middleware, innermost first (each add_middleware wraps the ones before it). See app/security/.
    app.add_middleware(
        CSRFProtect,
        secret_key=settings.secret_key,
        max_age=settings.session_max_age_seconds,
        base_url=settings.base_url,
    )
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie="lenswalk_session",
        max_age=settings.session_max_age_seconds,
        same_site="lax",
        https_only=settings.cookie_secure,
    )
    app.add_middleware(BodySizeLimit)
    app.add_middleware(SecurityHeaders, cookie_secure=settings.cookie_secure)

    # Phones on poor signal: compress pages and static files. Websockets pass through untouched.
    app.add_middleware(GZipMiddleware, minimum_size=500, compresslevel=9)
    # Outermost: live pushes go straight to the server, past the wrappers above (app/realtime/hub.py).
    app.add_middleware(RawWebsocketSend)
    app.mount("/static", HashedStaticFiles(directory=STATIC_DIR), name="static")
    for module in (
        facilitators_api,
        vignettes_api,
        journeys_api,
        events_api,
        teams_api,
        participants_api,
        annotations_api,
        support_api,
        phases_api,
        improvements_api,
        voting_api,
        actions_api,
        exports_api,
        organisations_api,
        paper_api,
        reviews_api,
    ):
        app.include_router(module.router)
    app.include_router(ws.router)
    app.include_router(views.router)

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        response = error_response(request, exc.status_code, exc.message)
        if isinstance(exc, TooManyRequests):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def number_too_large(request: Request, exc: Exception) -> Response:
        # An id beyond what the database can hold (SQLite: 64 bits, PostgreSQL: 32) is simply
        # not one of ours.
        return error_response(request, 422, "A number in the request is too large.")

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": _plain_errors(exc)}, status_code=422)
        return error_response(request, 422, "; ".join(str(e["msg"]) for e in _plain_errors(exc)))

    app.openapi = lambda: _openapi_with_errors(app)  # type: ignore[method-assign]

    @app.get("/docs", include_in_schema=False)
    async def api_docs(request: Request) -> Response:
        return render(request, "docs.html", {"openapi": request.app.openapi()})

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz(request: Request) -> Response:
        def db_ok() -> bool:
            try:
                with request.app.state.engine.connect() as conn:
                    conn.execute(text("SELECT 1"))
                return True
            except Exception:
                return False

        database = await run_in_threadpool(db_ok)
        hub = request.app.state.hub
        broker = hub.subscribed and await hub.broker.ping()
        ok = database and broker
        return JSONResponse(
            {
                "database": "ok" if database else "unreachable",
                "broker": "ok" if broker else "unreachable",
            },
            status_code=200 if ok else 503,
        )

    return app


async def _retention_loop(engine: Engine, interval: float, default_days: int) -> None:
    """Unlink authors from their words once each event's retention period has passed, and delete
    events whose delete-after date has come."""
    while True:
        try:
            await run_in_threadpool(lambda: sweep(engine, default_days=default_days))
        except Exception:
            log.exception("the retention sweep failed; it will run again")
        await asyncio.sleep(interval)


ERROR_RESPONSES = {
    "400": "The body could not be read.",
    "401": "Not signed in.",
    "403": "Not allowed, or a request from another site.",
    "404": "No such thing.",
    "409": "Not possible in the event's current state.",
    "413": "The body is too large.",
    "415": "The body is not JSON.",
    "429": "Too many requests; see Retry-After.",
}


def _openapi_with_errors(app: FastAPI) -> dict[str, object]:
    """The generated schema, plus the error responses every API route can give: `{"detail": "..."}`
    (a validation error's detail is a list; a rule's, such as an unknown template, a sentence)."""
    if app.openapi_schema:
        return app.openapi_schema
    from fastapi.openapi.utils import get_openapi

    spec = get_openapi(title=app.title, version=app.version, summary=app.summary, routes=app.routes)
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = {
        "type": "object",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
        "title": "Problem",
    }
    if "HTTPValidationError" in schemas:
        detail = schemas["HTTPValidationError"]["properties"]["detail"]
        schemas["HTTPValidationError"]["properties"]["detail"] = {"anyOf": [detail, {"type": "string"}]}
    problem = {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for operations in spec.get("paths", {}).values():
        for operation in operations.values():
            for code, description in ERROR_RESPONSES.items():
                operation["responses"].setdefault(code, {"description": description, "content": problem})
    # The stream's messages (WS /api/v1/events/{id}/stream): each type, who receives it, its data.
    spec["x-room-messages"] = room_messages.catalogue()
    app.openapi_schema = spec
    return spec


def _plain_errors(exc: RequestValidationError) -> list[dict[str, object]]:
    """Validation errors without echoing the submitted input back."""
    return [
        {
            "loc": list(err.get("loc", ())),
            "msg": str(err.get("msg", "Invalid value")),
            "type": err.get("type"),
        }
        for err in exc.errors()
    ]


def error_response(request: Request, status_code: int, message: str) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": message}, status_code=status_code)
    if is_htmx(request):
        return render(request, "error.html", {"message": message}, block="message", status_code=status_code)
    return render(
        request,
        "error.html",
        {"message": message, "status_code": status_code},
        status_code=status_code,
    )
