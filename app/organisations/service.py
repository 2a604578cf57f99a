"""Organisations and roles: who belongs where, who may manage members, who may open and update an
event's plan, and the one-time invitation links.

The rules of who may do what across an organisation live here, once:

- an *organiser* manages the organisation's members (list, change roles, remove, invite);
- a *facilitator* runs events: creates them in an organisation where they hold the role, and runs
  the events they facilitate (app/events.is_facilitator), as before organisations;
- an *implementation group member* opens the report and action plan of the organisation's events
  and updates their actions; never the room itself (attendance, calls for help, hidden words).
"""

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, col, or_, select

from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.events.models import Event, EventFacilitator
from app.facilitators.models import Facilitator
from app.organisations.models import Invitation, Membership, Organisation, Role
from app.timeutil import utcnow

DEFAULT_NAME = "Our organisation"
INVITATION_DAYS = 14
TOKEN_MIN = 16
TOKEN_MAX = 64
UNKNOWN_INVITATION = "This invitation link does not work. Ask your organiser for a new one."


class InvitationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role


class RolesUpdate(BaseModel):
    """A member's roles as they should be; none removes them from the organisation."""

    model_config = ConfigDict(extra="forbid")
    roles: list[Role] = Field(max_length=3)


@dataclass
class Member:
    facilitator_id: int
    email: str
    roles: set[Role]


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _as_utc(value: dt.datetime) -> dt.datetime:
    # SQLite hands datetimes back without their zone; every stored one is UTC.
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def default_organisation(session: Session) -> Organisation:
    """The instance's own organisation (made by migration 0013; made here on a database without it)."""
    found = session.exec(select(Organisation).where(col(Organisation.is_default).is_(True))).first()
    if found is None:
        found = Organisation(name=DEFAULT_NAME, is_default=True)
        session.add(found)
        session.flush()
    return found


def get_organisation(session: Session, organisation_id: int) -> Organisation:
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound("There is no such organisation.")
    return organisation


def organisation_name(session: Session, organisation_id: int | None) -> str | None:
    organisation = session.get(Organisation, organisation_id) if organisation_id is not None else None
    return organisation.name if organisation else None


def create_organisation(session: Session, *, name: str, organiser_id: int) -> Organisation:
    name = name.strip()
    if not 1 <= len(name) <= 120:
        raise Invalid("Give the organisation a name of at most 120 characters.")
    organisation = Organisation(name=name)
    session.add(organisation)
    session.flush()
    _add_roles(session, organisation.id or 0, organiser_id, {Role.organiser, Role.facilitator})
    return organisation


def roles_of(session: Session, organisation_id: int, facilitator_id: int | None) -> set[Role]:
    if facilitator_id is None:
        return set()
    return {
        Role(role)
        for role in session.exec(
            select(Membership.role).where(
                Membership.organisation_id == organisation_id, Membership.facilitator_id == facilitator_id
            )
        )
    }


def _add_roles(session: Session, organisation_id: int, facilitator_id: int, roles: set[Role]) -> None:
    for role in sorted(roles - roles_of(session, organisation_id, facilitator_id)):
        session.add(Membership(organisation_id=organisation_id, facilitator_id=facilitator_id, role=role))
    session.flush()


def join_default(session: Session, facilitator_id: int) -> Organisation:
    """A new account (sign-up, the CLI, the admin account) joins the instance's organisation as a
    facilitator, as every account could run events before organisations; the first one in an
    organisation without an organiser also becomes its organiser."""
    organisation = default_organisation(session)
    roles = {Role.facilitator}
    if not _organisers(session, organisation.id or 0):
        roles.add(Role.organiser)
    _add_roles(session, organisation.id or 0, facilitator_id, roles)
    return organisation


def _organisers(session: Session, organisation_id: int) -> list[int]:
    return list(
        session.exec(
            select(Membership.facilitator_id).where(
                Membership.organisation_id == organisation_id, Membership.role == Role.organiser
            )
        )
    )


def memberships(session: Session, facilitator_id: int) -> list[tuple[Organisation, set[Role]]]:
    """The organisations this account belongs to, with its roles in each."""
    rows = session.exec(
        select(Organisation, Membership.role)
        .join(Membership, col(Membership.organisation_id) == Organisation.id)
        .where(Membership.facilitator_id == facilitator_id)
        .order_by(col(Organisation.id))
    )
    found: dict[int, tuple[Organisation, set[Role]]] = {}
    for organisation, role in rows:
        found.setdefault(organisation.id or 0, (organisation, set()))[1].add(Role(role))
    return list(found.values())


def require_organiser(session: Session, organisation_id: int, facilitator_id: int | None) -> Organisation:
    """The one check for managing members: a non-member is told nothing exists (404)."""
    organisation = get_organisation(session, organisation_id)
    roles = roles_of(session, organisation_id, facilitator_id)
    if not roles:
        raise NotFound("There is no such organisation.")
    if Role.organiser not in roles:
        raise Forbidden("Only this organisation's organisers can manage its members.")
    return organisation


def members(session: Session, organisation: Organisation) -> list[Member]:
    rows = session.exec(
        select(Facilitator.id, Facilitator.email, Membership.role)
        .join(Membership, col(Membership.facilitator_id) == Facilitator.id)
        .where(Membership.organisation_id == organisation.id)
        .order_by(col(Facilitator.email))
    )
    found: dict[int, Member] = {}
    for facilitator_id, email, role in rows:
        found.setdefault(facilitator_id or 0, Member(facilitator_id or 0, email, set())).roles.add(Role(role))
    return list(found.values())


def set_roles(
    session: Session, organisation_id: int, *, by: int, facilitator_id: int, roles: list[Role]
) -> Member:
    """An organiser makes a member's roles `roles`; with none they leave the organisation. The last
    organiser keeps that role, so the organisation can always be managed."""
    require_organiser(session, organisation_id, by)
    had = roles_of(session, organisation_id, facilitator_id)
    if not had:
        raise NotFound("That account is not a member of this organisation.")
    wanted = set(roles)
    if (
        Role.organiser in had
        and Role.organiser not in wanted
        and _organisers(session, organisation_id) == [facilitator_id]
    ):
        raise Conflict("Every organisation needs an organiser: make someone else an organiser first.")
    for membership in session.exec(
        select(Membership).where(
            Membership.organisation_id == organisation_id,
            Membership.facilitator_id == facilitator_id,
            col(Membership.role).not_in(wanted),
        )
    ):
        session.delete(membership)
    _add_roles(session, organisation_id, facilitator_id, wanted)
    account = session.get(Facilitator, facilitator_id)
    return Member(facilitator_id, account.email if account else "", wanted)


def remove_member(session: Session, organisation_id: int, *, by: int, facilitator_id: int) -> Member:
    return set_roles(session, organisation_id, by=by, facilitator_id=facilitator_id, roles=[])


def create_invitation(session: Session, organisation_id: int, *, by: int, role: Role) -> str:
    """An organiser's new one-time link: its secret (shown once; only its hash is kept), good for
    INVITATION_DAYS."""
    require_organiser(session, organisation_id, by)
    token = secrets.token_urlsafe(24)
    session.add(
        Invitation(
            organisation_id=organisation_id,
            role=role,
            token_hash=_hash(token),
            expires_at=utcnow() + dt.timedelta(days=INVITATION_DAYS),
        )
    )
    session.flush()
    return token


def open_invitation(session: Session, token: str) -> tuple[Invitation, Organisation]:
    """The invitation behind a link, while it can still be used."""
    if not TOKEN_MIN <= len(token) <= TOKEN_MAX:
        raise NotFound(UNKNOWN_INVITATION)
    invitation = session.exec(select(Invitation).where(Invitation.token_hash == _hash(token))).first()
    if invitation is None:
        raise NotFound(UNKNOWN_INVITATION)
    if invitation.used_at is not None:
        raise Conflict("This invitation link has been used already. Ask your organiser for a new one.")
    if _as_utc(invitation.expires_at) <= utcnow():
        raise Conflict("This invitation link has expired. Ask your organiser for a new one.")
    return invitation, get_organisation(session, invitation.organisation_id)


def accept_invitation(session: Session, token: str, *, facilitator_id: int) -> Organisation:
    """The account joins the organisation in the invited role; the link stops working."""
    invitation, organisation = open_invitation(session, token)
    invitation.used_at = utcnow()
    session.add(invitation)
    _add_roles(session, organisation.id or 0, facilitator_id, {invitation.role})
    return organisation


def home_organisation_id(session: Session, facilitator_id: int) -> int:
    """The organisation a new event of this account belongs to: the first where it is a facilitator."""
    found = session.exec(
        select(Membership.organisation_id)
        .where(Membership.facilitator_id == facilitator_id, Membership.role == Role.facilitator)
        .order_by(col(Membership.organisation_id))
    ).first()
    if found is None:
        raise Forbidden("Only facilitators can create events. Ask your organiser for the facilitator role.")
    return found


def facilitates(session: Session, event_id: int, facilitator_id: int | None) -> bool:
    """Whether the account facilitates the event (its creator or a co-facilitator)."""
    if facilitator_id is None:
        return False
    link = session.exec(
        select(EventFacilitator.id).where(
            EventFacilitator.event_id == event_id, EventFacilitator.facilitator_id == facilitator_id
        )
    ).first()
    return link is not None


def is_implementation_member(session: Session, event: Event, facilitator_id: int | None) -> bool:
    if facilitator_id is None or event.organisation_id is None:
        return False
    return Role.implementation in roles_of(session, event.organisation_id, facilitator_id)


def may_open_plan(session: Session, event: Event, facilitator_id: int | None) -> bool:
    """The event's report and action plan: its facilitators and its organisation's implementation
    group. The same people may update its actions."""
    return facilitates(session, event.id or 0, facilitator_id) or is_implementation_member(
        session, event, facilitator_id
    )


def implementation_only(session: Session, event_id: int, facilitator_id: int | None) -> bool:
    """An implementation group member of the event's organisation who does not facilitate it: they
    see the plan as participants do, and update its actions."""
    event = session.get(Event, event_id)
    return (
        event is not None
        and is_implementation_member(session, event, facilitator_id)
        and not facilitates(session, event_id, facilitator_id)
    )


def require_plan_reader(session: Session, event_id: int, facilitator_id: int | None) -> Event:
    """The one check for the report, the exports and updating the plan's actions."""
    event = session.get(Event, event_id)
    if event is None:
        raise NotFound("There is no such event.")
    if not may_open_plan(session, event, facilitator_id):
        raise Forbidden("Only this event's facilitators and its implementation group can open its plan.")
    return event


def plan_events(session: Session, facilitator_id: int) -> list[Event]:
    """Every event whose plan this account may open, newest first ("My organisation's plans")."""
    implementation = select(Membership.organisation_id).where(
        Membership.facilitator_id == facilitator_id, Membership.role == Role.implementation
    )
    facilitated = select(EventFacilitator.event_id).where(EventFacilitator.facilitator_id == facilitator_id)
    return list(
        session.exec(
            select(Event)
            .where(
                or_(
                    col(Event.organisation_id).in_(implementation),
                    col(Event.id).in_(facilitated),
                )
            )
            .order_by(col(Event.created_at).desc(), col(Event.id).desc())
        )
    )
