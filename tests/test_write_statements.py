"""A phone's annotation is written in as few statements as the database allows: one on PostgreSQL
(the insert, the room's seq and its log row together), three on SQLite, and on PostgreSQL the
statement is prepared on each pooled connection (psycopg prepares a statement at its sixth run on a
connection; a rollback, such as the end of a read, forgets them all)."""

from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import text
from sqlmodel import Session

from app.annotations import service
from app.db import make_engine, transaction
from app.errors import NotFound
from app.participants.service import parse_tokens
from app.settings import Settings
from tests.conftest import LiveServer, create_event, first_touchpoint, join, signed_in
from tests.support import own_server


def _phone_tokens(phone: httpx.Client) -> list[str]:
    return parse_tokens(phone.cookies.get("lenswalk_participant"))


def test_a_post_is_one_statement_on_postgresql_and_three_on_sqlite_and_a_refusal_says_why(
    tmp_path: Path,
) -> None:
    # A server of its own: this test opens a second engine beside the server's, on a database file
    # no other test has opened files on in this process (see tests/test_safety.py: sqlite_bytes).
    with own_server(tmp_path) as server:
        _count_statements(server)


def _count_statements(server: LiveServer) -> None:
    event = create_event(signed_in(server))
    tokens = _phone_tokens(join(server, event))
    engine = make_engine(server.settings.database_url)
    statements: list[str] = []
    sa_event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    try:
        data = service.AnnotationCreate(
            touchpoint_id=first_touchpoint(event), kind="barrier", principles=["trust"], text="Too loud."
        )
        with Session(engine) as session, transaction(session):
            answer, messages = service.post_annotation(session, event["id"], tokens, data)
        writes = [s for s in statements if not s.lstrip().upper().startswith(("PRAGMA", "SELECT 1"))]
        assert len(writes) == (1 if engine.dialect.name == "postgresql" else 3), writes
        assert answer["text"] == "Too loud." and messages[0].data == answer

        # A touchpoint of another map: nothing written, and the refusal of the usual path.
        wrong = data.model_copy(update={"touchpoint_id": 10**6})
        with (
            Session(engine) as session,
            pytest.raises(NotFound, match="not part of this event's journey map"),
            transaction(session),
        ):
            service.post_annotation(session, event["id"], tokens, wrong)
    finally:
        engine.dispose()


def test_postgresql_prepares_the_post_statement_after_five_runs_on_a_connection(
    server: LiveServer, settings: Settings, event: dict[str, Any]
) -> None:
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: SQLite has no server-side prepared statements (sqlite3 caches its own)")
    tokens = _phone_tokens(join(server, event))
    engine = make_engine(settings.database_url)
    try:
        # As the app posts: a session and a transaction each time, the connection back to the pool
        # in between (a single thread gets the same one back).
        for n in range(6):
            data = service.AnnotationCreate(
                touchpoint_id=first_touchpoint(event), kind="idea", principles=["choice"], text=f"#{n}"
            )
            with Session(engine) as session, transaction(session):
                service.post_annotation(session, event["id"], tokens, data)
        assert engine.pool.checkedin() == 1, "the posts shared one connection"
        with engine.connect() as connection:
            prepared = (
                connection.execute(text("SELECT statement FROM pg_prepared_statements")).scalars().all()
            )
        assert any("INSERT INTO annotation" in s and "room_event" in s for s in prepared), prepared
    finally:
        engine.dispose()
