"""Helpers for the security and resilience tests: servers of their own, page tokens, clients
from other loopback addresses (so per-client limits can be told apart without other machines)."""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from app.setup import prepare
from tests.conftest import LiveServer, _open_clients, make_settings, start_server

META_TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]*)">')
FIELD_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@contextmanager
def own_server(tmp: Path, **overrides: Any) -> Iterator[LiveServer]:
    """A server with its own database and its own rate-limit counters."""
    settings = make_settings(tmp, **overrides)
    prepare(settings)
    live = start_server(settings)
    try:
        yield live
    finally:
        live.stop()


def client_from(server: LiveServer, address: str = "127.0.0.1", **kwargs: Any) -> httpx.Client:
    """A client whose connections come from `address` (any 127.x.y.z reaches the server on Linux)."""
    c = httpx.Client(
        base_url=server.base_url,
        timeout=kwargs.pop("timeout", 10),
        follow_redirects=False,
        transport=httpx.HTTPTransport(local_address=address),
        **kwargs,
    )
    _open_clients.append(c)
    return c


def page_token(c: httpx.Client, path: str = "/join") -> str:
    """The CSRF token a page gives this client's session (what a browser's form would carry)."""
    response = c.get(path)
    assert response.status_code == 200, response.text
    found = META_TOKEN.search(response.text)
    assert found and found.group(1), "the page carries no csrf-token meta tag"
    return found.group(1)


def post_form(c: httpx.Client, path: str, data: dict[str, Any], token_from: str = "/join") -> httpx.Response:
    return c.post(path, data={**data, "csrf_token": page_token(c, token_from)})
