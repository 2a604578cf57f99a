"""Getting a database ready: migrations, the content files, the first facilitator."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlmodel import Session

from app.db import make_engine, transaction
from app.facilitators import service as facilitators
from app.journeys import service as journeys
from app.settings import CONTENT, Settings
from app.vignettes import service as vignettes


def alembic_config(database_url: str) -> Config:
    config = Config(str(CONTENT / "alembic.ini"))
    config.set_main_option("script_location", str(CONTENT / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def migrate(settings: Settings) -> None:
    if settings.is_sqlite:
        path = settings.database_url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(settings.database_url), "head")


def load_content(settings: Settings) -> tuple[int, int]:
    engine = make_engine(settings.database_url)
    try:
        with Session(engine) as session, transaction(session):
            n_vignettes = vignettes.load_catalogue(session, settings.vignettes_dir)
            n_maps = journeys.load_templates(session, settings.journey_maps_dir)
            if settings.admin_email and settings.admin_password:
                facilitators.ensure_facilitator(
                    session, email=settings.admin_email, password=settings.admin_password
                )
    finally:
        engine.dispose()
    return n_vignettes, n_maps


def prepare(settings: Settings) -> None:
    migrate(settings)
    load_content(settings)
