"""Keep participants' addresses and devices out of the logs.

uvicorn's access log is switched off in `lenswalk serve`; this also drops the per-connection
websocket lines uvicorn writes (they carry the client's IP address and port), and its "connection
open" and "connection closed" lines: two for every phone and every reconnect, which say nothing an
operator can act on."""

import logging
import re

_PER_CONNECTION = frozenset({"connection open", "connection closed"})
_ADDRESS = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}:\d+\b|\[[0-9a-fA-F:]+\]:\d+")


class NoClientAddresses(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.msg if isinstance(record.msg, str) else ""
        if '"WebSocket ' in message or message in _PER_CONNECTION:
            return False
        try:
            rendered = record.getMessage()
        except Exception:
            return True
        return not _ADDRESS.search(rendered)


def install() -> None:
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "websockets", "websockets.server"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, NoClientAddresses) for f in logger.filters):
            logger.addFilter(NoClientAddresses())
