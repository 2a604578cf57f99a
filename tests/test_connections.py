"""Every request gives its database connection back: a leak would leave a busy room's requests
queueing for a pool that never refills, until the server stopped answering."""

import time
from typing import Any

import httpx

from app.settings import Settings
from tests.conftest import annotate, create_event, join, signed_in, start_server


def _checked_out(engine: Any) -> int:
    # The cleanup of a request's session may finish just after its response: allow a moment.
    deadline = time.monotonic() + 3
    while engine.pool.checkedout() and time.monotonic() < deadline:
        time.sleep(0.02)
    return engine.pool.checkedout()


def test_reads_writes_and_refusals_all_return_their_connection(settings: Settings) -> None:
    live = start_server(settings)
    try:
        engine = live.server.config.app.state.engine
        facilitator = signed_in(live)
        event = create_event(facilitator)
        alice = join(live, event)
        other_map = create_event(facilitator)["stages"][0]["touchpoints"][0]["id"]
        base = f"/api/v1/events/{event['id']}"
        for _ in range(3):
            assert annotate(alice, event).status_code == 201
            assert alice.get(f"{base}/annotations").status_code == 200
            assert alice.get(f"/events/{event['id']}/journey").status_code == 200
            assert facilitator.get(base).status_code == 200
            assert alice.get("/api/v1/events/987654").status_code == 404
            assert annotate(alice, event, touchpoint_id=other_map + 10_000).status_code in (404, 422)
            assert httpx.get(f"{live.base_url}{base}/annotations").status_code in (401, 403)
        assert _checked_out(engine) == 0
    finally:
        live.stop()
