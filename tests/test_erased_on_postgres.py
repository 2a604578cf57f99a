"""Withdrawn means erased on PostgreSQL too: a deleted or edited row stays in the table's files as
a dead tuple until the table is rewritten, so after a withdrawal or an edit a background task
rewrites it. These tests read the table's own files, as someone with the disk would."""

import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import TEST_DATABASE_URL, LiveServer, annotate, create_event, join, signed_in

pytestmark = pytest.mark.skipif(not TEST_DATABASE_URL, reason="PostgreSQL only (LENSWALK_TEST_DATABASE_URL)")


def _table_bytes() -> bytes:
    """Every file of the annotation table and its TOAST table, after a checkpoint (so what is in
    shared buffers has reached the files). The test runs as the local superuser, beside the data."""
    engine = create_engine(TEST_DATABASE_URL or "", isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("CHECKPOINT")
            data_dir = Path(conn.execute(text("SHOW data_directory")).scalar_one())
            paths = conn.execute(
                text(
                    "SELECT pg_relation_filepath(c.oid) FROM pg_class c WHERE c.oid = 'annotation'::regclass "
                    "UNION ALL SELECT pg_relation_filepath(c.reltoastrelid) FROM pg_class c "
                    "WHERE c.oid = 'annotation'::regclass AND c.reltoastrelid <> 0 "
                    "UNION ALL SELECT pg_relation_filepath(i.indexrelid) FROM pg_index i "
                    "WHERE i.indrelid = 'annotation'::regclass"
                )
            ).scalars()
            files = [f for p in paths for f in (data_dir / p).parent.glob(Path(p).name + "*")]
    finally:
        engine.dispose()
    assert files
    return b"".join(f.read_bytes() for f in files)


def _gone_within_a_minute(markers: list[bytes]) -> None:
    deadline = time.monotonic() + 60
    while any(m in _table_bytes() for m in markers):
        assert time.monotonic() < deadline, "withdrawn words still in the table's files after 60 s"
        time.sleep(1)


@pytest.mark.timeout(120)
def test_withdrawn_and_edited_words_leave_no_byte_in_the_table_files(server: LiveServer) -> None:
    event = create_event(signed_in(server))
    phone = join(server, event)
    withdrawn = f"withdrawn-{uuid.uuid4().hex}"
    edited = f"before-edit-{uuid.uuid4().hex}"
    kept = f"kept-{uuid.uuid4().hex}"
    first = annotate(phone, event, text=f"The wait was long {withdrawn}").json()
    second = annotate(phone, event, text=f"Nobody said hello {edited}").json()
    assert annotate(phone, event, text=f"Signs were clear {kept}").status_code == 201
    # The test can see words in the files: before anything is withdrawn, all three are there.
    before = _table_bytes()
    assert withdrawn.encode() in before and edited.encode() in before

    assert phone.delete(f"/api/v1/annotations/{first['id']}").status_code == 204
    changed = phone.patch(f"/api/v1/annotations/{second['id']}", json={"text": "Nobody said hello."})
    assert changed.status_code == 200, changed.text

    _gone_within_a_minute([withdrawn.encode(), edited.encode()])
    # What was not withdrawn is still there, readable as before.
    assert kept.encode() in _table_bytes()
    texts = [a["text"] for a in signed_in(server).get(f"/api/v1/events/{event['id']}/annotations").json()]
    assert any(kept in t for t in texts) and not any(withdrawn in t for t in texts)
