"""Organisations over JSON: the caller's organisations, and for organisers the members, their roles
and one-time invitation links."""

from fastapi import APIRouter, Request

from app.deps import CurrentFacilitator, SessionDep, SettingsDep, WriteAsFacilitator, invitation_url
from app.organisations import service
from app.organisations.models import InvitationLink, MemberPublic, OrganisationPublic

router = APIRouter(prefix="/api/v1", tags=["organisations"])


@router.get("/organisations")
def my_organisations(session: SessionDep, facilitator: CurrentFacilitator) -> list[OrganisationPublic]:
    """The organisations you belong to, with your roles in each."""
    return [
        OrganisationPublic(id=o.id or 0, name=o.name, roles=sorted(roles))
        for o, roles in service.memberships(session, facilitator.id or 0)
    ]


@router.get("/organisations/{organisation_id}/members")
def list_members(
    organisation_id: int, session: SessionDep, facilitator: CurrentFacilitator
) -> list[MemberPublic]:
    """For organisers: every member and their roles."""
    organisation = service.require_organiser(session, organisation_id, facilitator.id)
    return [
        MemberPublic(id=m.facilitator_id, email=m.email, roles=sorted(m.roles))
        for m in service.members(session, organisation)
    ]


@router.put("/organisations/{organisation_id}/members/{account_id}")
def change_roles(
    organisation_id: int, account_id: int, body: service.RolesUpdate, write: WriteAsFacilitator
) -> MemberPublic:
    """For organisers: a member's roles as they should be (an empty list removes them). The last
    organiser cannot give up that role."""
    member = write.account(
        service.set_roles, organisation_id, by=write.signed_in_id, facilitator_id=account_id, roles=body.roles
    )
    return MemberPublic(id=member.facilitator_id, email=member.email, roles=sorted(member.roles))


@router.delete("/organisations/{organisation_id}/members/{account_id}", status_code=204)
def remove_member(organisation_id: int, account_id: int, write: WriteAsFacilitator) -> None:
    """For organisers: the account leaves the organisation (its events stay where they are)."""
    write.account(service.remove_member, organisation_id, by=write.signed_in_id, facilitator_id=account_id)


@router.post("/organisations/{organisation_id}/invitations", status_code=201)
def invite(
    organisation_id: int,
    body: service.InvitationCreate,
    request: Request,
    settings: SettingsDep,
    write: WriteAsFacilitator,
) -> InvitationLink:
    """For organisers: a one-time link that makes whoever opens it a member in `role`. It works once,
    for 14 days; only a hash of it is kept, so copy it now."""
    token = write.account(service.create_invitation, organisation_id, by=write.signed_in_id, role=body.role)
    return InvitationLink(url=invitation_url(request, settings, token))
