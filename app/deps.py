"""Request dependencies: the database session, who is asking, the room hub, and the one write path
(`RoomWrite`).

Those that only read the request or the app are `async def`: FastAPI runs a plain `def` dependency in
the thread pool, a hand-off to another thread and back for each, on every request."""

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Annotated, Any, Concatenate, ParamSpec, TypeVar

import anyio.from_thread
from fastapi import Depends, HTTPException, Request, Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.db import scrub_deleted, transaction
from app.errors import Forbidden, NotSignedIn
from app.events import service as events
from app.events.models import Event
from app.facilitators import service as facilitators
from app.facilitators.models import Facilitator
from app.improvements.service import Grouper, event_grouper
from app.organisations import service as organisations
from app.participants.models import Participant
from app.participants.service import cookie_value, parse_tokens, require_participant
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
    settings: Settings = request.app.state.settings
    return settings


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
    limiter: Limiter = request.app.state.limiter
    return limiter


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


def facilitated_event(event_id: int, session: SessionDep, facilitator: CurrentFacilitator) -> Event:
    """A page read by a facilitator of the event in its path: the one check, before the page runs."""
    return events.require_facilitator(session, event_id, facilitator.id)


# For pages only: a JSON route checks in its body, so a bad query is still a 422 before a 404.
FacilitatedEvent = Annotated[Event, Depends(facilitated_event)]


@dataclass(frozen=True)
class PageBasics:
    """What every page renders with: the request, the session and the settings."""

    request: Request
    session: Session
    settings: Settings


@dataclass(frozen=True)
class EventPage(PageBasics):
    """A page about one event, found and checked once before the page runs."""

    event: Event


@dataclass(frozen=True)
class EventPageWithViewer(EventPage):
    who: Grouper


@dataclass(frozen=True)
class EventPageWithParticipant(EventPage):
    participant: Participant


async def page_basics(request: Request, session: SessionDep, settings: SettingsDep) -> PageBasics:
    return PageBasics(request, session, settings)


Basics = Annotated[PageBasics, Depends(page_basics)]


def page_viewer(
    session: Session, event_id: int, facilitator: Facilitator | None, tokens: list[str]
) -> tuple[Event, Grouper]:
    """A facilitator of the event, else one of its participants; someone who has not joined is sent
    to the join page instead, a facilitator of another event is refused."""
    try:
        return event_grouper(
            session, event_id, facilitator_id=facilitator.id if facilitator else None, tokens=tokens
        )
    except Forbidden:
        if facilitator is not None:
            raise
        raise HTTPException(status_code=303, headers={"Location": "/join"}) from None


def _viewed_event(
    event_id: int, session: SessionDep, facilitator: OptionalFacilitator, tokens: ParticipantTokens
) -> tuple[Event, Grouper]:
    return page_viewer(session, event_id, facilitator, tokens)


def _joined_event(event_id: int, session: SessionDep, tokens: ParticipantTokens) -> tuple[Event, Participant]:
    return events.get_event(session, event_id), require_participant(session, event_id, tokens)


async def facilitator_page(basics: Basics, event: FacilitatedEvent) -> EventPage:
    return EventPage(basics.request, basics.session, basics.settings, event)


async def viewer_page(
    basics: Basics, viewed: Annotated[tuple[Event, Grouper], Depends(_viewed_event)]
) -> EventPageWithViewer:
    return EventPageWithViewer(basics.request, basics.session, basics.settings, *viewed)


async def participant_page(
    basics: Basics, joined: Annotated[tuple[Event, Participant], Depends(_joined_event)]
) -> EventPageWithParticipant:
    return EventPageWithParticipant(basics.request, basics.session, basics.settings, *joined)


# Pages only, as `FacilitatedEvent`: the facilitator's own pages of an event, the pages both a
# facilitator and its participants open (prioritise, priorities, action plan), a participant's pages.
FacilitatorPage = Annotated[EventPage, Depends(facilitator_page)]
ViewerPage = Annotated[EventPageWithViewer, Depends(viewer_page)]
ParticipantPage = Annotated[EventPageWithParticipant, Depends(participant_page)]


def plan_event(event_id: int, session: SessionDep, facilitator: CurrentFacilitator) -> Event:
    """The event whose report and action plan the signed-in account may open: one of its
    facilitators, or an implementation group member of its organisation (anyone else: 403)."""
    return organisations.require_plan_reader(session, event_id, facilitator.id)


PlanEvent = Annotated[Event, Depends(plan_event)]


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


P = ParamSpec("P")
T = TypeVar("T")
# The event a write is about: its id, or how to find it (from an annotation, an improvement...) once
# the write lock is held.
EventOf = int | Callable[[Session], int]


def room_messages(result: object) -> list[RoomMessage]:
    """What a service call returned for the room: its messages, alone or last in a tuple."""
    if isinstance(result, tuple) and result:
        result = result[-1]
    if isinstance(result, list):
        return [m for m in result if isinstance(m, RoomMessage)]
    return []


class RoomWrite:
    """The one write path for a route: take the write lock and open the transaction, check the caller
    once, run the service call, commit, then publish the room messages it returned. A route that writes
    parses its input, makes one of these calls and answers; its JSON and page twins make the same call.

    `call` is a service function that takes the session and what the check found first (the event;
    then the participant or the grouper), then the arguments given here."""

    def __init__(
        self, session: Session, facilitator: Facilitator | None, tokens: list[str], publish: Publisher
    ) -> None:
        self.session = session
        self.facilitator_id = facilitator.id if facilitator else None
        self.tokens = tokens
        self.publish = publish
        self.scrub = False
        self.found: tuple[Any, ...] = ()

    def erasing_words(self) -> "RoomWrite":
        """This request's write also erases the earlier copies of changed or withdrawn words from the
        database files (app/db.scrub_deleted), after the commit and before the room hears of it."""
        self.scrub = True
        return self

    def _run(
        self, check: Callable[[Session], tuple[Any, ...]], call: Callable[..., T], args: Any, kwargs: Any
    ) -> T:
        with transaction(self.session):
            found = self.found = check(self.session)
            result = call(self.session, *found, *args, **kwargs)
        if self.scrub:
            scrub_deleted(self.session)
        self.publish(room_messages(result))
        return result

    @property
    def event(self) -> Event:
        """After a write: the event it was about."""
        event = self.found[0]
        assert isinstance(event, Event)
        return event

    @property
    def joined(self) -> Participant:
        """After a participant's write: the participant who wrote."""
        participant = self.found[1]
        assert isinstance(participant, Participant)
        return participant

    def _event_id(self, event: EventOf) -> int:
        return event if isinstance(event, int) else event(self.session)

    @property
    def signed_in_id(self) -> int:
        """The signed-in facilitator, for a write that belongs to their account."""
        if self.facilitator_id is None:
            raise NotSignedIn("Sign in as a facilitator to do that.")
        return self.facilitator_id

    def account(self, call: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
        """A write about no event yet (a new event, a vignette, a template), by a signed-in facilitator
        (take `WriteAsFacilitator`): `call(session, ...)`."""
        _ = self.signed_in_id
        return self._run(lambda s: (), call, args, kwargs)

    def facilitator(
        self,
        event: EventOf,
        call: Callable[Concatenate[Session, Event, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """A facilitator of the event: `call(session, event, ...)`."""
        return self._run(
            lambda s: (events.require_facilitator(s, self._event_id(event), self.facilitator_id),),
            call,
            args,
            kwargs,
        )

    def plan(
        self,
        event: EventOf,
        call: Callable[Concatenate[Session, Event, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """A write to the event's plan (its actions, its reviews) by one of its facilitators or an
        implementation group member of its organisation: `call(session, event, ...)`."""
        return self._run(
            lambda s: (organisations.require_plan_reader(s, self._event_id(event), self.facilitator_id),),
            call,
            args,
            kwargs,
        )

    def map_editor(
        self,
        event: EventOf,
        call: Callable[Concatenate[Session, Event, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """A facilitator of a draft event, changing its journey map: `call(session, event, ...)`."""
        return self._run(
            lambda s: (events.require_editable_map(s, self._event_id(event), self.facilitator_id),),
            call,
            args,
            kwargs,
        )

    def participant(
        self,
        event: EventOf,
        call: Callable[Concatenate[Session, Event, Participant, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """A participant of the event (by the tokens on this device): `call(session, event, participant, ...)`."""

        def check(s: Session) -> tuple[Event, Participant]:
            event_id = self._event_id(event)
            found = events.get_event(s, event_id)
            return found, require_participant(s, event_id, self.tokens)

        return self._run(check, call, args, kwargs)

    def device(
        self,
        event_id: int,
        call: Callable[Concatenate[Session, int, list[str], P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """A participant's write whose service checks this device's tokens itself, inside the write's
        own statement (a phone's annotation, app/annotations/service.post_annotation: one statement
        on PostgreSQL): `call(session, event_id, tokens, ...)`."""
        return self._run(lambda s: (), call, (event_id, self.tokens, *args), kwargs)

    def grouper(self, event: EventOf, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """A facilitator of the event, else one of its participants (app/improvements): the service
        decides what each may do. `call(session, event, ..., who=grouper)`."""

        def check(s: Session) -> tuple[Event, Grouper]:
            return event_grouper(
                s, self._event_id(event), facilitator_id=self.facilitator_id, tokens=self.tokens
            )

        def with_who(s: Session, found: Event, who: Grouper, *args: Any, **kwargs: Any) -> T:
            return call(s, found, *args, who=who, **kwargs)

        return self._run(check, with_who, args, kwargs)


async def write_as_facilitator(
    session: SessionDep, facilitator: CurrentFacilitator, tokens: ParticipantTokens, publish: PublishDep
) -> RoomWrite:
    return RoomWrite(session, facilitator, tokens, publish)


async def write_as_grouper(
    session: SessionDep, facilitator: OptionalFacilitator, tokens: ParticipantTokens, publish: PublishDep
) -> RoomWrite:
    return RoomWrite(session, facilitator, tokens, publish)


async def write_as_participant(
    session: SessionDep, tokens: ParticipantTokens, publish: PublishDep
) -> RoomWrite:
    # No facilitator is looked up: a participant's write (and the page it answers with) is the same
    # whoever else is signed in on the device.
    return RoomWrite(session, None, tokens, publish)


# Which of the three a route takes decides who it looks up before its body is read: a signed-in
# facilitator (refused with 401 before anything else), anyone, or only the device's participant tokens.
WriteAsFacilitator = Annotated[RoomWrite, Depends(write_as_facilitator)]
WriteAsGrouper = Annotated[RoomWrite, Depends(write_as_grouper)]
WriteAsParticipant = Annotated[RoomWrite, Depends(write_as_participant)]


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


def progress_url(request: Request, settings: Settings, code: str) -> str:
    base = (settings.base_url or str(request.base_url)).rstrip("/")
    return f"{base}/p/{code}"


def board_link_url(request: Request, settings: Settings, token: str) -> str:
    base = (settings.base_url or str(request.base_url)).rstrip("/")
    return f"{base}/board/{token}"


def invitation_url(request: Request, settings: Settings, token: str) -> str:
    base = (settings.base_url or str(request.base_url)).rstrip("/")
    return f"{base}/invitations/{token}"
