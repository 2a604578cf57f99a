"""Each message framed once: the one place that reaches into the websocket server.

A room message is encoded once per audience (`Outgoing`), framed once as a websocket text frame, and
the same bytes are written to every connection's transport. Framing through the ASGI `send` would
build the frame again for every phone (uvicorn's `WebSocketsSansIOProtocol.send` was half the
server's time in a room of 1,000).

Only uvicorn's Sans-I/O websocket protocol is known here (`lenswalk serve` uses it: uvicorn picks it
whenever `websockets` is installed), and only while a connection has negotiated no extension, since
the frame is written as is. For any other server or connection, `direct_writer` answers None and the
caller sends `Outgoing.text` through the plain ASGI send, which delivers the same message.
"""

from typing import Any

from websockets.frames import Frame, Opcode
from websockets.protocol import State

try:
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
except ImportError:  # pragma: no cover - uvicorn without websockets: everything takes the ASGI path
    WebSocketsSansIOProtocol = None  # type: ignore[assignment,misc]


class Gone(Exception):
    """The connection is closed or closing: nothing more can be written to it."""


class Outgoing:
    """One message for one audience, as text (for the ASGI send) and as a frame (for the transport),
    each made once, when first needed, and shared by every connection."""

    __slots__ = ("_data", "_frame", "_text")

    def __init__(self, payload: str | bytes) -> None:
        # bytes: UTF-8 text (orjson's output), never binary data.
        self._text: str | None = payload if isinstance(payload, str) else None
        self._data: bytes | None = payload if isinstance(payload, bytes) else None
        self._frame: bytes | None = None

    @property
    def text(self) -> str:
        if self._text is None:
            assert self._data is not None
            self._text = self._data.decode()
        return self._text

    @property
    def data(self) -> bytes:
        if self._data is None:
            assert self._text is not None
            self._data = self._text.encode()
        return self._data

    @property
    def frame(self) -> bytes:
        """An unmasked, unfragmented text frame, as a server sends it (RFC 6455, 5.1)."""
        if self._frame is None:
            self._frame = Frame(Opcode.TEXT, self.data).serialize(mask=False)
        return self._frame


class DirectWriter:
    """Writes ready-made frames to one connection's transport, as uvicorn's own `send` would after
    framing them, and with the same checks: nothing after a close, and nothing while the transport
    has asked its writer to pause (a phone that is not reading)."""

    __slots__ = ("_protocol",)

    def __init__(self, protocol: Any) -> None:
        self._protocol = protocol

    def write(self, frame: bytes) -> bool:
        """True once written; False if the transport is paused (nothing written: `await
        writable()`, then write again). Raises `Gone` once the connection is closed or closing."""
        p = self._protocol
        if p.disconnected or p.close_sent or p.conn.state is not State.OPEN or p.transport.is_closing():
            raise Gone
        if not p.writable.is_set():
            return False
        p.transport.write(frame)
        return True

    async def writable(self) -> None:
        """Until the transport can take more (or the connection is lost, which `write` then says)."""
        await self._protocol.writable.wait()


def direct_writer(send: Any) -> DirectWriter | None:
    """A writer for the connection whose server `send` this is, or None to use `send` itself."""
    protocol = getattr(send, "__self__", None)
    if WebSocketsSansIOProtocol is None or type(protocol) is not WebSocketsSansIOProtocol:
        return None
    conn = getattr(protocol, "conn", None)
    if (
        conn is None
        or conn.extensions  # e.g. permessage-deflate: every frame would have to be compressed
        or not protocol.handshake_complete
        or protocol.initial_response is not None
        or getattr(protocol, "transport", None) is None
    ):
        return None
    # The handshake's response (and its headers) is only read while accepting: an idle phone in a
    # room of thousands need not keep it.
    protocol.response = None  # type: ignore[assignment]  # uvicorn types it as always set
    return DirectWriter(protocol)
