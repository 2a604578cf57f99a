"""When the websocket cannot open: the polling endpoint the pages fall back to. (The outbox and the
fallback in a real browser: tests/browser/test_offline.py.)"""

from typing import Any

import httpx

from tests.conftest import LiveServer, annotate, join


def test_poll_returns_the_live_regions_only_when_something_changed(
    server: LiveServer, facilitator: httpx.Client, event: dict[str, Any]
) -> None:
    alice = join(server, event)
    url = f"/events/{event['id']}/live/poll"
    first = alice.get(url, params={"view": "participant", "seq": -1})
    assert first.status_code == 200 and 'id="event-status"' in first.text
    seq = int(first.headers["x-lenswalk-seq"])
    assert first.headers["cache-control"] == "no-store"
    unchanged = alice.get(url, params={"view": "participant", "seq": seq})
    assert unchanged.status_code == 204 and unchanged.text == ""

    annotate(alice, event, text="Seen by polling")
    changed = alice.get(url, params={"view": "participant", "seq": seq})
    assert changed.status_code == 200 and "Seen by polling" in changed.text
    assert int(changed.headers["x-lenswalk-seq"]) == seq + 1
    board = facilitator.get(url, params={"view": "board", "seq": seq})
    assert board.status_code == 200 and "Seen by polling" in board.text
    # Hidden words never reach participants by this path either.
    note = annotate(alice, event, text="Hidden from the room").json()
    facilitator.post(f"/api/v1/annotations/{note['id']}/hide")
    assert "Hidden from the room" not in alice.get(url, params={"view": "participant"}).text
    assert "Hidden from the room" in facilitator.get(url, params={"view": "console"}).text
