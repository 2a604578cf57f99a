"""Engine, sessions and transactions.

Routes decide where a transaction starts and ends (`transaction`); services only flush, so two
service calls can share one commit and room events are published only after it.
"""

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, create_engine

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata

_write_locks: dict[int, threading.Lock] = {}
_scrubs_pending: set[int] = set()
_scrubs_lock = threading.Lock()
log = logging.getLogger("lenswalk.db")

# Withdrawals within this many seconds share one table rewrite: the promise is "gone within 60 s",
# and each rewrite holds the table's lock for a moment.
SCRUB_DELAY_SECONDS = 5.0
SCRUB_RETRY_SECONDS = 10.0
# The tables that hold what participants wrote.
WORDS_TABLES = ("annotation", "improvement")


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 15},
            pool_size=20,
            max_overflow=20,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_size=20, max_overflow=20, pool_pre_ping=True)
    _write_locks[id(engine)] = threading.Lock()
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # NORMAL in WAL mode: a crash of the process loses no committed write (tests/test_nothing_lost.py);
    # a power cut may lose the last few. FULL would close that at several times the cost of a write,
    # which a room of phones joining at once cannot afford on a laptop (docs/security.md).
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    # Withdrawn words must not linger in free pages of the database file.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


@contextmanager
def transaction(session: Session) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error.

    SQLite allows one writer at a time; taking a process lock first means a transaction never
    starts reading and then fails to upgrade to a write lock (SQLITE_BUSY) under load.
    """
    engine = session.get_bind()
    lock = _write_locks.get(id(engine)) if engine.dialect.name == "sqlite" else None
    if lock is not None:
        lock.acquire()
    try:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
    finally:
        if lock is not None:
            lock.release()


def scrub_deleted(session: Session, *, everything: bool = False, wait: bool = False) -> None:
    """After words are withdrawn, changed or deleted, erase the earlier copies from the files.

    SQLite: fold the write-ahead log into the database and empty it (secure_delete already zeroes
    the words in the database file itself). PostgreSQL keeps a deleted or updated row in the
    table's files as a dead tuple until the table is rewritten, so a background task outside the
    request's transaction runs VACUUM FULL on the tables holding words (`everything`: the whole
    database) a few seconds later; `wait` does it now (the CLI, which exits straight after)."""
    engine = session.get_bind()
    if not isinstance(engine, Engine):
        return
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return
    tables = () if everything else WORDS_TABLES
    if wait:
        _vacuum_full(engine, tables)
        return
    with _scrubs_lock:
        if id(engine) in _scrubs_pending and not everything:
            return  # the rewrite already scheduled will erase these words too
        _scrubs_pending.add(id(engine))
    _schedule_vacuum(engine, tables, SCRUB_DELAY_SECONDS)


def _schedule_vacuum(engine: Engine, tables: tuple[str, ...], delay: float) -> None:
    # Not a daemon: a withdrawal just before the server stops is still erased before it exits.
    timer = threading.Timer(delay, _vacuum_in_background, args=(engine, tables))
    timer.name = "lenswalk-scrub"
    timer.start()


def _vacuum_in_background(engine: Engine, tables: tuple[str, ...]) -> None:
    with _scrubs_lock:
        _scrubs_pending.discard(id(engine))
    try:
        _vacuum_full(engine, tables)
    except Exception:
        log.warning("could not rewrite the tables holding withdrawn words yet; trying again")
        with _scrubs_lock:
            _scrubs_pending.add(id(engine))
        _schedule_vacuum(engine, tables, SCRUB_RETRY_SECONDS)


def _vacuum_full(engine: Engine, tables: tuple[str, ...]) -> None:
    """VACUUM FULL writes a new copy of each table (and its TOAST table) holding only live rows and
    removes the old files. It cannot run inside a transaction, and holds an exclusive lock on the
    table while it copies (well under a second for an event's annotations); writes wait for it."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        # Never queue behind a long reader for long: give up and try again shortly instead.
        connection.exec_driver_sql("SET lock_timeout = '3s'")
        if not tables:
            connection.exec_driver_sql("VACUUM FULL")
        for table in tables:
            connection.exec_driver_sql(f'VACUUM FULL "{table}"')
        # Closed, not returned to the pool: this runs on its own thread, possibly after the app has
        # disposed of the engine, which would leave a pooled connection open behind it.
        connection.invalidate()
