"""Security headers on every response; pages that work under the strict CSP (no inline script,
no inline style, nothing from another host); a self-hosted /docs."""

import re
from pathlib import Path
from typing import Any

import httpx

from app.main import create_app
from app.security.headers import CSP
from tests.conftest import LiveServer, client, join, make_settings
from tests.support import run_async

EXPECTED_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


def _assert_headers(response: httpx.Response) -> None:
    h = response.headers
    assert h["content-security-policy"].startswith(EXPECTED_CSP), response.url
    assert h["referrer-policy"] == "no-referrer"
    assert h["x-content-type-options"] == "nosniff"
    assert "camera=()" in h["permissions-policy"] and "geolocation=()" in h["permissions-policy"]
    assert "microphone=()" in h["permissions-policy"]


def _assert_csp_clean(html: str, where: str) -> None:
    """What the CSP would block must not be in the page: inline scripts, event handler attributes,
    style attributes or elements, javascript: URLs, anything from another host."""
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert re.search(r'\ssrc="/static/', tag), f"{where}: inline or foreign script {tag}"
    assert not re.search(r"<script\b[^>]*>\s*[^<\s]", html), f"{where}: inline script body"
    assert not re.search(r"\son[a-z]+\s*=", html), f"{where}: inline event handler"
    assert not re.search(r"\sstyle\s*=", html), f"{where}: style attribute"
    assert "<style" not in html, f"{where}: style element"
    assert "javascript:" not in html.lower(), where
    assert not re.search(r'(src|href|action)="(https?:)?//', html), f"{where}: another host"


def test_every_kind_of_response_has_the_headers(
    server: LiveServer, facilitator: httpx.Client, event: dict[str, Any]
) -> None:
    alice = join(server, event)
    eid = event["id"]
    anonymous = client(server)
    for c, path in [
        (anonymous, "/join"),
        (anonymous, "/signin"),
        (anonymous, "/safe"),
        (anonymous, "/api/v1/vignettes"),
        (anonymous, "/no-such-page"),
        (anonymous, f"/events/{eid}/board"),  # 401 error page
        (alice, f"/events/{eid}/journey"),
        (facilitator, "/"),
        (facilitator, f"/events/{eid}"),
        (facilitator, f"/events/{eid}/board"),
        (facilitator, f"/events/{eid}/console"),
        (facilitator, "/vignettes"),
        (facilitator, "/events/new"),
        (facilitator, "/docs"),
        (facilitator, "/openapi.json"),
    ]:
        response = c.get(path)
        _assert_headers(response)
        if response.headers.get("content-type", "").startswith("text/html"):
            _assert_csp_clean(response.text, path)
    # Scripts and stylesheets are governed by the page's policy; they carry what guards a subresource.
    for path in ("/static/js/lenswalk.js", "/static/css/lenswalk.css", "/static/vendor/htmx-2.0.8.min.js"):
        h = anonymous.get(path).headers
        assert h["x-content-type-options"] == "nosniff", path
        assert h["cross-origin-resource-policy"] == "same-origin", path


def test_pages_work_under_the_csp(
    server: LiveServer, facilitator: httpx.Client, event: dict[str, Any]
) -> None:
    board = facilitator.get(f"/events/{event['id']}/board").text
    assert "<svg" in board and "QR code" in board  # the QR code is inline SVG, allowed by img/default-src
    assert '<meta name="htmx-config"' in board and '"allowEval":false' in board
    assert '"includeIndicatorStyles":false' in board  # htmx would otherwise inject a <style>
    assert re.search(r'<meta name="csrf-token" content="[^"]+">', board)
    error = client(server).get(f"/events/{event['id']}/console")
    assert error.status_code == 401 and "error-message" in error.text


def test_docs_are_served_from_here(server: LiveServer) -> None:
    docs = client(server).get("/docs")
    assert docs.status_code == 200
    assert "/api/v1/events/{event_id}/annotations" in docs.text and "/openapi.json" in docs.text
    _assert_csp_clean(docs.text, "/docs")
    assert client(server).get("/redoc").status_code == 404
    assert client(server).get("/openapi.json").json()["info"]["title"] == "Lenswalk"


def test_csp_is_the_documented_one() -> None:
    assert CSP.startswith(EXPECTED_CSP)


def test_cookies_on_https_requests_are_secure_without_configuration(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path))

    async def fetch() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://lenswalk.test") as c:
            return await c.get("/signin")

    response = run_async(fetch)
    cookies = response.headers.get_list("set-cookie")
    assert cookies and all("; secure" in c.lower() for c in cookies)
    assert response.headers["strict-transport-security"].startswith("max-age=")
