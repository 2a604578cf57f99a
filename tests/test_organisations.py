"""Organisations: an instance's accounts and events move into one organisation, organisers manage
members and make one-time invitation links, and a used or expired link changes nothing."""

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

import httpx
from alembic import command
from sqlalchemy import create_engine, text
from sqlmodel import Session, select

from app.db import make_engine, transaction
from app.facilitators import service as facilitators
from app.organisations import service as organisations
from app.organisations.models import Invitation, Membership, Role
from app.settings import Settings
from app.setup import alembic_config
from tests.conftest import ADMIN_EMAIL, LiveServer, client, create_event, signed_in

PASSWORD = "a long password for organisations"


def _email(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}@example.org"


def _organiser(server: LiveServer) -> tuple[httpx.Client, int]:
    """A new organisation with a new organiser, signed in."""
    email = _email("organiser")
    engine = make_engine(server.settings.database_url)
    try:
        with Session(engine) as session, transaction(session):
            account = facilitators.add_facilitator(
                session, email=email, password=PASSWORD, join_default=False
            )
            org_id = organisations.create_organisation(
                session, name=f"Harbour Health {email[:14]}", organiser_id=account.id or 0
            ).id
    finally:
        engine.dispose()
    return signed_in(server, email, PASSWORD), org_id or 0


def _rows(server: LiveServer) -> dict[str, list[Any]]:
    engine = make_engine(server.settings.database_url)
    try:
        with Session(engine) as session:
            return {
                "memberships": sorted(
                    (m.organisation_id, m.facilitator_id, m.role) for m in session.exec(select(Membership))
                ),
                "invitations": sorted((i.id, i.used_at) for i in session.exec(select(Invitation))),
                "accounts": [facilitators.count_facilitators(session)],
            }
    finally:
        engine.dispose()


def test_the_admin_account_organises_the_instance_s_organisation(server: LiveServer) -> None:
    admin = signed_in(server)
    mine = admin.get("/api/v1/organisations").json()
    assert any(set(o["roles"]) >= {"organiser", "facilitator"} for o in mine), mine
    page = admin.get("/organisations")
    assert page.status_code == 200
    assert "Make an invitation link" in page.text


def test_an_invitation_link_works_once_and_makes_a_member(server: LiveServer) -> None:
    organiser, org_id = _organiser(server)
    made = organiser.post(f"/api/v1/organisations/{org_id}/invitations", json={"role": "implementation"})
    assert made.status_code == 201, made.text
    url = made.json()["url"]
    assert url.startswith(server.base_url + "/invitations/")
    path = url.removeprefix(server.base_url)
    # Only the hash is kept.
    assert path.rsplit("/", 1)[1] not in str(_rows(server)["invitations"])

    newcomer = client(server)
    invited = newcomer.get(path)
    assert invited.status_code == 200
    assert "Implementation group member" in invited.text
    email = _email("member")
    joined = newcomer.post(path, data={"email": email, "password": PASSWORD})
    assert joined.status_code == 303, joined.text
    members = organiser.get(f"/api/v1/organisations/{org_id}/members").json()
    assert {m["email"]: m["roles"] for m in members}[email] == ["implementation"]
    # Invited elsewhere, the new account is not in the instance's organisation and cannot run events.
    assert [o["id"] for o in newcomer.get("/api/v1/organisations").json()] == [org_id]
    maps = newcomer.get("/api/v1/journey-maps").json()
    refused = newcomer.post("/api/v1/events", json={"title": "Mine", "journey_map_id": maps[0]["id"]})
    assert refused.status_code == 403

    # The same link again: a clear refusal, and nothing changes.
    before = _rows(server)
    again = client(server)
    assert again.get(path).status_code == 409
    reused = again.post(path, data={"email": _email("late"), "password": PASSWORD})
    assert reused.status_code == 409
    assert "used already" in reused.text
    signed = signed_in(server)
    assert signed.post(path).status_code == 409
    assert _rows(server) == before


def test_an_expired_or_unknown_link_changes_nothing(server: LiveServer) -> None:
    organiser, org_id = _organiser(server)
    url = organiser.post(f"/api/v1/organisations/{org_id}/invitations", json={"role": "facilitator"}).json()[
        "url"
    ]
    path = url.removeprefix(server.base_url)
    engine = make_engine(server.settings.database_url)
    try:
        with Session(engine) as session, transaction(session):
            for invitation in session.exec(select(Invitation).where(Invitation.organisation_id == org_id)):
                invitation.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
                session.add(invitation)
    finally:
        engine.dispose()
    before = _rows(server)
    newcomer = client(server)
    expired = newcomer.post(path, data={"email": _email("late"), "password": PASSWORD})
    assert expired.status_code == 409
    assert "expired" in expired.text
    assert newcomer.get("/invitations/" + "x" * 32).status_code == 404
    assert newcomer.get("/invitations/short").status_code == 404
    assert _rows(server) == before


def test_only_organisers_manage_members(server: LiveServer) -> None:
    organiser, org_id = _organiser(server)
    path = (
        organiser.post(f"/api/v1/organisations/{org_id}/invitations", json={"role": "facilitator"})
        .json()["url"]
        .removeprefix(server.base_url)
    )
    member = client(server)
    email = _email("facilitator")
    assert member.post(path, data={"email": email, "password": PASSWORD}).status_code == 303
    member_id = next(
        m["id"]
        for m in organiser.get(f"/api/v1/organisations/{org_id}/members").json()
        if m["email"] == email
    )
    before = _rows(server)
    # A member who is not an organiser is refused; an outsider is told nothing is there.
    assert member.get(f"/api/v1/organisations/{org_id}/members").status_code == 403
    assert (
        member.post(f"/api/v1/organisations/{org_id}/invitations", json={"role": "organiser"}).status_code
        == 403
    )
    assert (
        member.put(
            f"/api/v1/organisations/{org_id}/members/{member_id}", json={"roles": ["organiser"]}
        ).status_code
        == 403
    )
    outsider = signed_in(server)
    assert outsider.get(f"/api/v1/organisations/{org_id}/members").status_code in (403, 404)
    assert outsider.delete(f"/api/v1/organisations/{org_id}/members/{member_id}").status_code in (403, 404)
    assert client(server).get(f"/api/v1/organisations/{org_id}/members").status_code == 401
    # The pages' forms refuse the same people.
    assert member.post(f"/organisations/{org_id}/invitations", data={"role": "organiser"}).status_code == 403
    assert (
        member.post(f"/organisations/{org_id}/members/{member_id}", data={"roles": "organiser"}).status_code
        == 403
    )
    assert outsider.post(f"/organisations/{org_id}/members/{member_id}/remove").status_code in (403, 404)
    assert "Make an invitation link" not in member.get("/organisations").text
    # Bad input: a role not in the list.
    bad = organiser.put(f"/api/v1/organisations/{org_id}/members/{member_id}", json={"roles": ["boss"]})
    assert bad.status_code == 422
    assert (
        organiser.post(f"/api/v1/organisations/{org_id}/invitations", json={"role": "boss"}).status_code
        == 422
    )
    assert _rows(server) == before

    # The organiser changes the role, and the last organiser cannot step down.
    changed = organiser.put(
        f"/api/v1/organisations/{org_id}/members/{member_id}", json={"roles": ["implementation"]}
    )
    assert changed.status_code == 200
    assert changed.json()["roles"] == ["implementation"]
    me = next(
        m["id"]
        for m in organiser.get(f"/api/v1/organisations/{org_id}/members").json()
        if "organiser" in m["roles"]
    )
    assert (
        organiser.put(
            f"/api/v1/organisations/{org_id}/members/{me}", json={"roles": ["facilitator"]}
        ).status_code
        == 409
    )
    assert organiser.delete(f"/api/v1/organisations/{org_id}/members/{member_id}").status_code == 204
    assert email not in {m["email"] for m in organiser.get(f"/api/v1/organisations/{org_id}/members").json()}


def test_a_facilitator_s_new_event_belongs_to_their_organisation(server: LiveServer) -> None:
    runs = signed_in(server)
    event = create_event(runs)
    engine = make_engine(server.settings.database_url)
    try:
        with Session(engine) as session:
            admin = session.exec(
                select(facilitators.Facilitator).where(facilitators.Facilitator.email == ADMIN_EMAIL)
            ).one()
            home = organisations.home_organisation_id(session, admin.id or 0)
            plans = organisations.plan_events(session, admin.id or 0)
    finally:
        engine.dispose()
    assert event["id"] in [e.id for e in plans]
    archive = runs.get(f"/api/v1/events/{event['id']}/export/json").json()
    assert archive["event"]["organisation"] == organisations.DEFAULT_NAME
    assert all(e.organisation_id == home for e in plans if e.id == event["id"])


def test_migration_moves_accounts_and_events_into_one_organisation(
    tmp_path: Path, settings: Settings
) -> None:
    if not settings.is_sqlite:
        return  # the data move is the same SQL; tests/test_migrations.py runs it on PostgreSQL
    url = f"sqlite:///{tmp_path / 'before.db'}"
    config = alembic_config(url)
    command.upgrade(config, "0012")
    engine = create_engine(url)
    with engine.begin() as conn:
        for n in (1, 2):
            conn.execute(
                text(
                    "INSERT INTO facilitator (email, password_hash, session_version, created_at) "
                    "VALUES (:e, 'x', 0, CURRENT_TIMESTAMP)"
                ),
                {"e": f"f{n}@example.org"},
            )
        conn.execute(text("INSERT INTO journey_map (name, description, is_template) VALUES ('Map', '', 0)"))
        conn.execute(
            text(
                "INSERT INTO event (title, journey_map_id, join_code, status, phase, dots_per_participant, "
                "max_dots_per_improvement, voting_status, votes_revealed, participants_may_group, support_info, "
                "changes_close_days, retention_days, retention_done, timer_remaining_seconds, timer_running, "
                "board_view, board_link_version, last_seq, created_at) VALUES ('Old walk', 1, 'ABCDEF', 'open', "
                "'welcome', 3, 2, 'not_open', 0, 0, '', 7, 30, 0, 0, 0, 'journey', 0, 0, CURRENT_TIMESTAMP)"
            )
        )
    command.upgrade(config, "head")
    with engine.connect() as conn:
        organisations_rows = conn.execute(text("SELECT id, is_default FROM organisation")).all()
        roles = conn.execute(text("SELECT facilitator_id, role FROM membership ORDER BY 1, 2")).all()
        events = conn.execute(text("SELECT organisation_id FROM event")).all()
    engine.dispose()
    assert len(organisations_rows) == 1 and organisations_rows[0][1]
    org_id = organisations_rows[0][0]
    assert roles == [(1, Role.facilitator), (1, Role.organiser), (2, Role.facilitator), (2, Role.organiser)]
    assert events == [(org_id,)]
