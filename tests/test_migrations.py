"""The migrations are the only way the schema is made: on SQLite and on PostgreSQL they must build
exactly what the models describe, and go down and up again cleanly."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

import app.models  # noqa: F401  (registers every table)
from app.db import metadata
from app.settings import Settings
from app.setup import alembic_config


@pytest.fixture
def scratch_url(settings: Settings, tmp_path: Path) -> Iterator[str]:
    """An empty database of the kind under test: a new SQLite file, or a new PostgreSQL schema."""
    if settings.is_sqlite:
        yield f"sqlite:///{tmp_path / 'scratch.db'}"
        return
    schema = f"scratch_{uuid.uuid4().hex[:12]}"
    admin = create_engine(settings.database_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(settings.database_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def schema_differences(url: str) -> list[object]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    finally:
        engine.dispose()


def user_tables_and_types(url: str) -> tuple[set[str], set[str]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names()) - {"alembic_version"}
            types: set[str] = set()
            if conn.dialect.name == "postgresql":
                types = set(
                    conn.execute(
                        text(
                            "SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
                            "WHERE t.typtype = 'e' AND n.nspname = current_schema()"
                        )
                    ).scalars()
                )
            return tables, types
    finally:
        engine.dispose()


def test_migrations_build_what_the_models_describe(scratch_url: str) -> None:
    command.upgrade(alembic_config(scratch_url), "head")
    assert schema_differences(scratch_url) == []


def test_migrations_go_down_and_up_again(scratch_url: str) -> None:
    config = alembic_config(scratch_url)
    command.upgrade(config, "head")
    tables, _ = user_tables_and_types(scratch_url)
    assert {"event", "annotation", "room_event", "participant"} <= tables

    command.downgrade(config, "base")
    # Nothing left behind, PostgreSQL's enum types included, or the next upgrade would fail on them.
    assert user_tables_and_types(scratch_url) == (set(), set())

    command.upgrade(config, "head")
    assert schema_differences(scratch_url) == []
