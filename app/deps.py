"""Request dependencies: the database session, who is asking, and the room hub.

Those that only read the request or the app are `async def`: FastAPI runs a plain `def` dependency in
the thread pool, a hand-off to another thread and back for each, on every request."""

from collections.abc import AsyncIterator
from typing import Annotated

import anyio.from_thread
from fastapi import Depends, Request, Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.errors import NotSignedIn
from app.facilitators import service as facilitators
from app.facilitators.models import Facilitator
from app.participants.service import cookie_value, parse_tokens
from app.realtime.hub import Hub
from app.roomlog.service import RoomMessage
from app.security.limits import Limiter, blind
from app.settings import Settings

PARTICIPANT_COOKIE = "lenswalk_participant"


async def get_session(request: Request) -> AsyncIterator[Session]:
    # Opening a session touches no database (it connects when first used), and closing one whose
    # work was committed returns nothing to the pool; one still inside a transaction (a read) rolls
    # it back over the connection, so that close goes to the thread pool.
    session = Session(request.app.state.engine, expire_on_commit=False)
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()


SessionDep = Annotated[Session, Depends(get_session)]


async def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


def optional_facilitator(request: Request, session: SessionDep) -> Facilitator | None:
    facilitator = facilitators.session_facilitator(session, request.session)
    request.state.facilitator = facilitator
    return facilitator


async def current_facilitator(
    facilitator: Annotated[Facilitator | None, Depends(optional_facilitator)],
) -> Facilitator:
    if facilitator is None:
        raise NotSignedIn("Sign in as a facilitator to do that.")
    return facilitator


OptionalFacilitator = Annotated[Facilitator | None, Depends(optional_facilitator)]
CurrentFacilitator = Annotated[Facilitator, Depends(current_facilitator)]


async def participant_tokens(request: Request) -> list[str]:
    return parse_tokens(request.cookies.get(PARTICIPANT_COOKIE))


ParticipantTokens = Annotated[list[str], Depends(participant_tokens)]


async def get_limiter(request: Request) -> Limiter:
    return request.app.state.limiter


LimiterDep = Annotated[Limiter, Depends(get_limiter)]


async def limit_participant_writes(limiter: LimiterDep, tokens: ParticipantTokens) -> None:
    """Counts one write against this participant's device (its newest token). Counted in memory, on
    the event loop; in Redis, in the thread pool (the sync client waits for the answer)."""
    if not tokens:
        return
    key = blind("participant:" + tokens[0])
    if limiter.in_memory:
        limiter.hit(limiter.writes_per_participant, key)
    else:
        await run_in_threadpool(limiter.hit, limiter.writes_per_participant, key)


# Put on every participant write route: `dependencies=[ParticipantWrite]`.
ParticipantWrite = Depends(limit_participant_writes)


class Publisher:
    """Publishes committed room messages from a sync route (which runs in a worker thread)."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    def __call__(self, messages: list[RoomMessage]) -> None:
        if messages:
            anyio.from_thread.run(self.hub.publish, messages)


async def get_publisher(request: Request) -> Publisher:
    return Publisher(request.app.state.hub)


PublishDep = Annotated[Publisher, Depends(get_publisher)]


def remember_participant(response: Response, settings: Settings, token: str, tokens: list[str]) -> None:
    # Secure is also added to every cookie on an HTTPS response by app.security.headers.
    response.set_cookie(
        PARTICIPANT_COOKIE,
        cookie_value([token, *[t for t in tokens if t != token]]),
        max_age=60 * 60 * 24 * 60,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        path="/",
    )


def join_url(request: Request, settings: Settings, code: str) -> str:
    base = (settings.base_url or str(request.base_url)).rstrip("/")
    return f"{base}/join?code={code}"


def board_link_url(request: Request, settings: Settings, token: str) -> str:
    base = (settings.base_url or str(request.base_url)).rstrip("/")
    return f"{base}/board/{token}"
