"""Backups of the embedded (SQLite) database: a consistent copy taken with SQLite's online backup
API while the app keeps writing, and a restore into a fresh instance. PostgreSQL has pg_dump."""

import datetime as dt
import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url

from app.errors import DomainError

PREFIX = "lenswalk-"
SUFFIX = ".db"


def sqlite_path(database_url: str) -> Path:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database:
        raise DomainError(
            "lenswalk backup and restore are for the embedded SQLite database; "
            "back up PostgreSQL with pg_dump (docs/deploying.md)."
        )
    return Path(url.database)


def backup(database_url: str, target: Path, keep: int | None = None) -> Path:
    """Copy the database to `target` (a file, or a folder for dated copies of which the newest
    `keep` are kept). Returns the file written."""
    source = sqlite_path(database_url)
    if not source.exists():
        raise DomainError(f"There is no database at {source} to back up.")
    if target.is_dir():
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S-%f")
        target = target / f"{PREFIX}{stamp}{SUFFIX}"
    partial = target.with_name(target.name + ".partial")
    # The online backup API copies a consistent snapshot page by page while others write; a
    # half-written copy never takes the final name.
    with sqlite3.connect(source, timeout=15) as src, sqlite3.connect(partial) as dst:
        src.backup(dst, pages=1024)
    src.close()
    dst.close()
    partial.chmod(0o600)
    partial.replace(target)
    if keep is not None:
        copies = sorted(target.parent.glob(f"{PREFIX}*{SUFFIX}"))
        for old in copies[:-keep] if keep > 0 else []:
            old.unlink()
    return target


def restore(database_url: str, source: Path, *, replace: bool = False) -> Path:
    """Copy a backup into the configured database. Refuses to overwrite a database that exists
    unless `replace`; the app must be stopped while it runs."""
    target = sqlite_path(database_url)
    if not source.is_file():
        raise DomainError(f"There is no backup at {source}.")
    try:
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as check:
            ok = check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            has_schema = check.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
            ).fetchone()
        check.close()
    except sqlite3.DatabaseError:
        ok, has_schema = False, None
    if not ok or not has_schema:
        raise DomainError(f"{source} is not a Lenswalk backup (or it is damaged).")
    if target.exists() and target.stat().st_size > 0 and not replace:
        raise DomainError(f"{target} already holds a database. Add --replace to overwrite it.")
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target, timeout=15) as dst:
        src.backup(dst)
    src.close()
    dst.close()
    return target
