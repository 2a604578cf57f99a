"""The room hub with its real broker and stand-in sockets: every JSON message reaches every screen
once and in order, a burst is rendered once per HTML audience, and a phone that stops reading is
let go without holding up the room."""

import asyncio
from typing import Any

import pytest
from starlette.websockets import WebSocketState

from app.realtime.broker import MemoryBroker
from app.realtime.hub import CLOSE_TOO_SLOW, Hub
from app.roomlog.service import RoomMessage
from tests.support import run_async


class Phone:
    """A socket whose reader can stall (`stalled`) and resume (`resume()`)."""

    def __init__(self, *, stalled: bool = False, yields: bool = False) -> None:
        self.yields = yields
        self.scope: dict[str, Any] = {}
        self.received: list[str] = []
        self.closed_with: int | None = None
        self.application_state = WebSocketState.CONNECTED
        self._open = asyncio.Event()
        if not stalled:
            self._open.set()

    def resume(self) -> None:
        self._open.set()

    async def send_text(self, payload: str) -> None:
        if self.yields:
            await asyncio.sleep(0)  # a bare yield to the loop, as some servers do on every send
        await self._open.wait()
        self.received.append(payload)

    async def close(self, code: int) -> None:
        self.closed_with = code
        self.application_state = WebSocketState.DISCONNECTED


def make_hub(renders: list[list[int]], queue_size: int = 8) -> Hub:
    async def as_json(message: RoomMessage) -> str:
        return f"json:{message.seq}"

    async def as_html(messages: Any) -> str:
        renders.append([m.seq for m in messages])
        await asyncio.sleep(0.01)  # rendering takes a while: more messages arrive meanwhile
        return f"html:{messages[-1].seq}"

    async def no_history(_event: int, _after: int, _upto: int | None) -> list[RoomMessage]:
        return []

    async def seq_zero(_event: int) -> int:
        return 0

    return Hub(
        MemoryBroker(),
        renderers={"json:participant": as_json},
        batch_renderers={"html:board": as_html},
        load_history=no_history,
        read_seq=seq_zero,
        queue_size=queue_size,
    )


def added(seq: int) -> RoomMessage:
    return RoomMessage(1, seq, "annotation.added", seq, {"touchpoint_id": 1})


async def settle(condition: Any) -> None:
    for _ in range(300):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("timed out")


def test_a_burst_reaches_every_phone_in_order_and_each_board_render_covers_many() -> None:
    async def scenario() -> None:
        renders: list[list[int]] = []
        hub = make_hub(renders)
        await hub.start()
        phones = [Phone() for _ in range(3)]
        board = Phone()
        for phone in phones:
            (await hub.join(1, phone, "json:participant"))[1].start()  # type: ignore[arg-type]
        (await hub.join(1, board, "html:board"))[1].start()  # type: ignore[arg-type]
        for seq in range(1, 21):
            await hub.publish([added(seq)])
            if seq % 5 == 0:
                await asyncio.sleep(0)
        await settle(lambda: board.received and board.received[-1] == "html:20")
        await settle(lambda: all(len(p.received) == 20 for p in phones))
        for phone in phones:
            assert phone.received == [f"json:{seq}" for seq in range(1, 21)]
        # Fewer board renders than messages, each covering a run of seqs, together all of them once.
        assert len(renders) < 20
        assert [seq for run in renders for seq in run] == list(range(1, 21))
        await hub.stop()

    run_async(scenario)


def test_a_phone_that_stops_reading_is_let_go_and_the_room_carries_on() -> None:
    async def scenario() -> None:
        hub = make_hub([], queue_size=4)
        await hub.start()
        reading, stalled = Phone(), Phone(stalled=True)
        for phone in (reading, stalled):
            (await hub.join(1, phone, "json:participant"))[1].start()  # type: ignore[arg-type]
        for seq in range(1, 11):
            await hub.publish([added(seq)])
        await settle(lambda: len(reading.received) == 10)
        await settle(lambda: stalled.closed_with is not None)
        assert stalled.closed_with == CLOSE_TOO_SLOW
        await hub.stop()

    run_async(scenario)


@pytest.mark.parametrize("yields", [False, True])
def test_a_phone_that_pauses_briefly_catches_up_in_order_without_repeats(yields: bool) -> None:
    async def scenario() -> None:
        hub = make_hub([], queue_size=16)
        await hub.start()
        slow = Phone(stalled=True, yields=yields)
        (await hub.join(1, slow, "json:participant"))[1].start()  # type: ignore[arg-type]
        for seq in range(1, 6):
            await hub.publish([added(seq)])
        await asyncio.sleep(0.05)
        slow.resume()
        for seq in range(6, 11):
            await hub.publish([added(seq)])
        await settle(lambda: len(slow.received) == 10)
        await asyncio.sleep(0.05)
        assert slow.received == [f"json:{seq}" for seq in range(1, 11)]
        assert slow.closed_with is None
        await hub.stop()

    run_async(scenario)


def test_messages_wait_until_the_endpoint_has_sent_its_replay() -> None:
    async def scenario() -> None:
        hub = make_hub([])
        await hub.start()
        phone = Phone()
        _room, connection = await hub.join(1, phone, "json:participant")  # type: ignore[arg-type]
        await hub.publish([added(1), added(2), added(3)])
        await asyncio.sleep(0.05)
        assert phone.received == []  # still replaying history
        await connection.send_direct(1, "json:1")  # the replay covered seq 1
        connection.start()
        await settle(lambda: len(phone.received) == 3)
        assert phone.received == ["json:1", "json:2", "json:3"]
        await hub.stop()

    run_async(scenario)
