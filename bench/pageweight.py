"""Participant page weight: every byte a phone downloads, compressed as sent, from opening the QR link
(`/join?code=...`) to the annotate screen, each asset fetched once (as a browser cache would), and
every URL on the way checked to be on this host."""

import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from bench.harness import Room

PHONE_HEADERS = {
    "User-Agent": "Mozilla/5.0 (Linux; Android 14) Mobile",
    "Accept": "text/html,application/xhtml+xml,*/*;q=0.8",
    "Accept-Encoding": "gzip, deflate, br",
    "Accept-Language": "en-GB",
}
URL_ATTRS = {"src", "href", "action", "ws-connect", "hx-post", "hx-get"}


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.assets: list[str] = []
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, value in attrs:
            if name in URL_ATTRS and value:
                self.urls.append(value)
        if tag == "script" and values.get("src"):
            self.assets.append(values["src"] or "")
        if (
            tag == "link"
            and values.get("href")
            and (values.get("rel") or "") in ("stylesheet", "icon", "preload")
        ):
            self.assets.append(values["href"] or "")
        if tag == "img" and values.get("src"):
            self.assets.append(values["src"] or "")


def _wire_bytes(response: httpx.Response) -> int:
    """Status line, headers and the body as it came over the socket (still compressed)."""
    head = len(f"HTTP/1.1 {response.status_code} {response.reason_phrase}\r\n")
    head += sum(len(k) + len(v) + 4 for k, v in response.headers.raw) + 2
    response.read()
    return head + response.num_bytes_downloaded


def run(room: Room) -> dict[str, Any]:
    host = urlsplit(room.base_url).netloc
    steps: list[dict[str, Any]] = []
    seen_assets: set[str] = set()
    foreign: list[str] = []

    with httpx.Client(base_url=room.base_url, headers=PHONE_HEADERS, timeout=30) as c:

        def fetch(method: str, url: str, **kwargs: Any) -> httpx.Response:
            response = c.request(method, url, **kwargs)
            steps.append(
                {
                    "request": f"{method} {url.split('?')[0]}",
                    "status": response.status_code,
                    "bytes": _wire_bytes(response),
                    "encoding": response.headers.get("content-encoding", "identity"),
                    "cache_control": response.headers.get("cache-control", ""),
                }
            )
            return response

        def page(response: httpx.Response) -> None:
            links = _Links()
            links.feed(response.text)
            for url in links.urls:
                netloc = urlsplit(urljoin(room.base_url + "/", url)).netloc
                if netloc and netloc != host:
                    foreign.append(url)
            for asset in links.assets:
                if asset not in seen_assets:
                    seen_assets.add(asset)
                    fetch("GET", asset)

        landing = fetch("GET", f"/join?code={room.event['join_code']}")
        page(landing)
        # What the browser would send: the form's hidden fields (whatever they are), the default
        # "I'm here as", and the first team's button.
        join_form = landing.text[landing.text.index('action="/join"') :]
        form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', join_form))
        form["here_as"] = "prefer_not_to_say"
        team = re.search(r'name="team_id" value="(\d+)"', join_form)
        if team:
            form["team_id"] = team.group(1)
        joined = fetch("POST", "/join", data=form)
        location = joined.headers.get("location", "")
        journey = fetch("GET", location)
        page(journey)
        reached = journey.status_code == 200 and "annotation-form" in journey.text

    total = sum(s["bytes"] for s in steps)
    return {
        "reached_annotate_screen": reached,
        "requests": len(steps),
        "total_bytes": total,
        "total_kb": round(total / 1024, 1),
        "other_hosts": sorted(set(foreign)),
        "steps": steps,
    }
