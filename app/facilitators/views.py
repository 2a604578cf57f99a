"""Facilitator pages: first-run set-up, sign in and out, the list of their events, and adding a
co-facilitator to an event."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.db import transaction
from app.deps import LimiterDep, OptionalFacilitator, SessionDep, WriteAsFacilitator
from app.errors import NotSignedIn
from app.events import service as events
from app.facilitators import service
from app.facilitators.models import Facilitator
from app.forms import validate
from app.security.limits import client_key
from app.templating import render, template_page

router = APIRouter(include_in_schema=False)
EmailField = Annotated[str, Form(max_length=254)]


@dataclass(frozen=True)
class Credentials:
    email: str
    password: str


def _credentials(
    email: EmailField, password: Annotated[str, Form(max_length=service.PASSWORD_MAX)]
) -> Credentials:
    return Credentials(email, password)


# What the set-up and sign-in forms send.
CredentialsForm = Annotated[Credentials, Depends(_credentials)]


def _signed_in(request: Request, facilitator: Facilitator) -> RedirectResponse:
    service.start_session(request.session, facilitator)
    return RedirectResponse("/", status_code=303)


@router.get("/")
def home(request: Request, session: SessionDep, facilitator: OptionalFacilitator) -> Response:
    if facilitator is None and service.count_facilitators(session) == 0:
        return RedirectResponse("/setup", status_code=303)
    mine = events.events_for_facilitator(session, facilitator.id or 0) if facilitator else []
    return render(request, "home.html", {"events": mine})


@router.get("/setup")
def setup_page(request: Request, session: SessionDep) -> Response:
    if service.count_facilitators(session) > 0:
        return RedirectResponse("/signin", status_code=303)
    return render(request, "facilitators/setup.html", {"password_min": service.PASSWORD_MIN})


@router.post("/setup")
def setup(request: Request, session: SessionDep, sent: CredentialsForm) -> Response:
    with transaction(session):
        if service.count_facilitators(session) > 0:
            return RedirectResponse("/signin", status_code=303)
        facilitator = service.add_facilitator(session, email=sent.email, password=sent.password)
    return _signed_in(request, facilitator)


signin_page = router.get("/signin")(template_page("facilitators/signin.html"))


@router.post("/signin")
def signin(request: Request, session: SessionDep, sent: CredentialsForm, limiter: LimiterDep) -> Response:
    facilitator = limiter.count_failures(
        limiter.signin_checks(client_key(request), sent.email),
        NotSignedIn,
        lambda: service.authenticate(session, email=sent.email, password=sent.password),
    )
    return _signed_in(request, facilitator)


@router.post("/signout")
def signout(request: Request, session: SessionDep) -> Response:
    with transaction(session):
        service.end_sessions(session, request.session)
    return RedirectResponse("/", status_code=303)


@router.post("/events/{event_id}/facilitators")
def add_facilitator(event_id: int, write: WriteAsFacilitator, email: EmailField) -> Response:
    data = validate(events.FacilitatorAdd, {"email": email})
    write.facilitator(event_id, events.add_facilitator, email=data.email)
    return RedirectResponse(f"/events/{event_id}/agenda#facilitators", status_code=303)
