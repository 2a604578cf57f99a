"""Engine, sessions and transactions.

Routes decide where a transaction starts and ends (`transaction`); services only flush, so two
service calls can share one commit and room events are published only after it.
"""

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


def scrub_deleted(session: Session) -> None:
    """After words are withdrawn or changed: fold the write-ahead log into the database and empty
    it, so no earlier copy of the words stays in the -wal file (secure_delete already zeroes
    them in the database file itself)."""
    engine = session.get_bind()
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
