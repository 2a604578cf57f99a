"""The floor the fan-out is measured against: a server on Lenswalk's own stack (uvicorn, the same
websocket implementation and settings) that does nothing but fan out. On each POST it builds one
message, frames it once, and writes the same frame to every open websocket's transport, through the
same module as Lenswalk's hub (app/realtime/frames.py; the plain ASGI send where that cannot); no
database, no rendering, no room log, no backlog. Lenswalk can only be slower than this; how much slower is the cost of
what it does beyond delivery.

The fan-out benchmark talks to it exactly as to Lenswalk (same listeners, same paths, same marks in
the text), so `python -m bench.floor --port P` is a drop-in `Server` for bench/fanout.py."""

import argparse
import contextlib
import json
import subprocess
import sys
import time
from typing import Any

import httpx
import orjson

from app.cli import WEBSOCKET_OPTIONS
from app.realtime.frames import DirectWriter, Outgoing, direct_writer
from bench.harness import ROOT, Room, Server, free_port

Scope = dict[str, Any]
Receive = Any
Send = Any

EVENT_ID = 1
TOUCHPOINT_ID = 1


class Floor:
    def __init__(self) -> None:
        self.sockets: dict[Send, DirectWriter | None] = {}
        self.seq = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        elif scope["type"] == "websocket":
            await self._websocket(receive, send)
        elif scope["method"] == "POST":
            await self._post(receive, send)
        else:
            await _json(send, 200, {"last_seq": self.seq, "id": EVENT_ID})

    async def _websocket(self, receive: Receive, send: Send) -> None:
        if (await receive())["type"] != "websocket.connect":
            return
        await send({"type": "websocket.accept"})
        self.sockets[send] = direct_writer(send)
        try:
            while (await receive())["type"] != "websocket.disconnect":
                pass
        finally:
            self.sockets.pop(send, None)

    async def _post(self, receive: Receive, send: Send) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        text = json.loads(body)["text"]
        self.seq += 1
        # Shaped like Lenswalk's stream message, encoded and framed once for everyone.
        out = Outgoing(orjson.dumps({"seq": self.seq, "type": "annotation.added", "data": {"text": text}}))
        message = None
        for socket, direct in list(self.sockets.items()):
            with contextlib.suppress(Exception):  # a socket that closed meanwhile
                if direct is None or not direct.write(out.frame):
                    message = message or {"type": "websocket.send", "text": out.text}
                    await socket(message)
        await _json(send, 201, {"seq": self.seq})


async def _json(send: Send, status: int, body: dict[str, Any]) -> None:
    await send(
        {"type": "http.response.start", "status": status, "headers": [(b"content-type", b"application/json")]}
    )
    await send({"type": "http.response.body", "body": json.dumps(body).encode()})


def start_floor(data_dir: Any) -> Server:
    port = free_port()
    log = data_dir / f"floor-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.floor", "--port", str(port)],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the floor server exited: {log.read_text()[-2000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{server.base_url}/readyz", timeout=2).status_code == 200:
                return server
        time.sleep(0.1)
    server.stop()
    raise RuntimeError("the floor server did not become ready")


def floor_room(server: Server, participants: int) -> Room:
    """A room as bench/fanout.py expects one: the floor needs no joins, so the cookies are empty."""
    event = {"id": EVENT_ID, "stages": [{"touchpoints": [{"id": TOUCHPOINT_ID}]}], "teams": []}
    return Room(server.base_url, event, {}, [{} for _ in range(participants)])


def main(argv: list[str] | None = None) -> int:
    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m bench.floor")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    # The websocket settings of `lenswalk serve` (app/cli.py), so only the application differs.
    uvicorn.run(
        Floor(),
        host="127.0.0.1",
        port=args.port,
        access_log=False,
        server_header=False,
        **WEBSOCKET_OPTIONS,
        log_level="warning",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
