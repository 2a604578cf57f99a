"""Time to first contribution, in a real browser: a phone opens the QR link and posts its first
annotation. Counts taps from the loaded page to the accepted annotation (typing aside: tapping into
the text box counts as a tap, the letters do not), and records every host and byte the browser
fetched on the way."""

import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from bench.harness import Room

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
PHONE = {
    "viewport": {"width": 360, "height": 640},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
    "locale": "en-GB",
}
WORDS = "Reception asked why I was here in front of everyone in the queue."


def unavailable() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    if not CHROMIUM.exists():
        return f"Chromium is not installed at {CHROMIUM}"
    return None


def run(room: Room) -> dict[str, Any]:
    if reason := unavailable():
        return {"available": False, "reason": reason}
    from playwright.sync_api import expect, sync_playwright

    host = urlsplit(room.base_url).netloc
    requests: list[dict[str, Any]] = []
    taps: list[str] = []

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(**PHONE)
            context.set_default_timeout(15_000)
            page = context.new_page()

            def finished(request: Any) -> None:
                sizes = request.sizes()
                requests.append(
                    {
                        "url": request.url,
                        "host": urlsplit(request.url).netloc,
                        "bytes": sizes["responseBodySize"] + sizes["responseHeadersSize"],
                    }
                )

            page.on("requestfinished", finished)
            page.on("websocket", lambda ws: requests.append({"url": ws.url, "host": urlsplit(ws.url).netloc}))

            def tap(locator: Any, what: str) -> None:
                locator.tap()
                taps.append(what)

            started = time.monotonic()
            page.goto(f"{room.base_url}/join?code={room.event['join_code']}", wait_until="load")
            tap(page.get_by_role("button", name=re.compile(r"^Join ")).first, "join a team")
            expect(page.get_by_role("heading", name="The journey")).to_be_visible()
            page.wait_for_load_state("load")
            expect(page.locator(".live-status").first).to_have_text("Live")
            reached = sum(r.get("bytes", 0) for r in requests)
            touchpoint = page.locator("section.touchpoint").first
            tap(touchpoint.locator("details.add-annotation > summary"), "open 'Add to ...'")
            form = touchpoint.locator("form.annotation-form")
            tap(form.get_by_label("What you noticed"), "tap into the text box")
            page.keyboard.type(WORDS)
            tap(form.get_by_role("checkbox", name="Trust"), "choose a principle")
            tap(form.get_by_role("button", name="Barrier", exact=True), "add it as a barrier")
            expect(page.locator("#messages")).to_contain_text("Added to")
            seconds = time.monotonic() - started
        finally:
            browser.close()

    with httpx.Client(base_url=room.base_url, cookies=room.facilitator_cookies, timeout=30) as c:
        saved = [a["text"] for a in c.get(f"/api/v1/events/{room.id}/annotations").json()]
    return {
        "available": True,
        "taps": len(taps),
        "tap_steps": taps,
        "accepted": WORDS in saved,
        "seconds_including_typing": round(seconds, 1),
        "browser_bytes_to_annotate_screen": reached,
        "browser_kb_to_annotate_screen": round(reached / 1024, 1),
        "hosts": sorted({r["host"] for r in requests}),
        "other_hosts": sorted({r["host"] for r in requests if r["host"] != host}),
    }
