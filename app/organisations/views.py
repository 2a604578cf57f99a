"""Organisation pages: an account's organisations and the plans it may open; for organisers the
members, their roles and invitation links; and the page that accepts an invitation."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.db import transaction
from app.deps import (
    CurrentFacilitator,
    OptionalFacilitator,
    SessionDep,
    SettingsDep,
    WriteAsFacilitator,
    invitation_url,
)
from app.facilitators import service as facilitators
from app.facilitators.service import PASSWORD_MAX, PASSWORD_MIN
from app.forms import validate
from app.organisations import service
from app.organisations.models import ROLE_LABELS, Role
from app.templating import render

router = APIRouter(include_in_schema=False)

RoleField = Annotated[str, Form(max_length=40)]


def _organisations_page(
    request: Request, session: SessionDep, account_id: int, *, new_link: tuple[int, str] | None = None
) -> Response:
    mine = service.memberships(session, account_id)
    return render(
        request,
        "organisations/organisations.html",
        {
            "organisations": [
                (o, roles, service.members(session, o) if Role.organiser in roles else [])
                for o, roles in mine
            ],
            "new_link": new_link,
            "ROLE_LABELS": ROLE_LABELS,
            "me": account_id,
        },
    )


@router.get("/organisations")
def organisations_page(request: Request, session: SessionDep, facilitator: CurrentFacilitator) -> Response:
    return _organisations_page(request, session, facilitator.id or 0)


@router.post("/organisations/{organisation_id}/invitations")
def invite(
    organisation_id: int,
    request: Request,
    settings: SettingsDep,
    write: WriteAsFacilitator,
    role: RoleField = "",
) -> Response:
    data = validate(service.InvitationCreate, {"role": role})
    token = write.account(service.create_invitation, organisation_id, by=write.signed_in_id, role=data.role)
    link = (organisation_id, invitation_url(request, settings, token))
    return _organisations_page(request, write.session, write.signed_in_id, new_link=link)


@router.post("/organisations/{organisation_id}/members/{account_id}")
def change_roles(
    organisation_id: int,
    account_id: int,
    write: WriteAsFacilitator,
    roles: Annotated[list[str] | None, Form(max_length=3)] = None,
) -> Response:
    data = validate(service.RolesUpdate, {"roles": roles or []})
    write.account(
        service.set_roles, organisation_id, by=write.signed_in_id, facilitator_id=account_id, roles=data.roles
    )
    return RedirectResponse(f"/organisations#organisation-{organisation_id}", status_code=303)


@router.post("/organisations/{organisation_id}/members/{account_id}/remove")
def remove_member(organisation_id: int, account_id: int, write: WriteAsFacilitator) -> Response:
    write.account(service.remove_member, organisation_id, by=write.signed_in_id, facilitator_id=account_id)
    return RedirectResponse(f"/organisations#organisation-{organisation_id}", status_code=303)


@router.get("/invitations/{token}")
def invitation_page(
    token: str, request: Request, session: SessionDep, facilitator: OptionalFacilitator
) -> Response:
    invitation, organisation = service.open_invitation(session, token)
    return render(
        request,
        "organisations/invitation.html",
        {
            "organisation": organisation,
            "role_label": ROLE_LABELS[invitation.role],
            "token": token,
            "password_min": PASSWORD_MIN,
            "password_max": PASSWORD_MAX,
        },
    )


@router.post("/invitations/{token}")
def accept_invitation(
    token: str,
    request: Request,
    session: SessionDep,
    facilitator: OptionalFacilitator,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=PASSWORD_MAX)] = "",
) -> Response:
    """Signed in: this account joins. Otherwise a new account is made from the form and signed in.
    No room hears of it, so this is a plain transaction, as the first-run set-up is."""
    with transaction(session):
        if facilitator is not None:
            service.accept_invitation(session, token, facilitator_id=facilitator.id or 0)
        else:
            facilitator = facilitators.sign_up_invited(session, token=token, email=email, password=password)
    facilitators.start_session(request.session, facilitator)
    return RedirectResponse("/organisations", status_code=303)
