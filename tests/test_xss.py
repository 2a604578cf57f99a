"""Every text a person can type comes back escaped on every page and fragment that shows it:
annotation text, event title, team, stage and touchpoint names and prompts, vignette fields."""

import json
from html.parser import HTMLParser

import httpx
from markupsafe import escape
from websockets.sync.client import connect

from tests.conftest import LiveServer, annotate, cookie_header, join
from tests.support import post_form

PAYLOADS = [
    '<script>alert("{f}")</script>',
    '"><img src=x onerror=alert("{f}")>',
    "'><svg/onload=alert('{f}')>",
    '</textarea></title><script>alert("{f}")</script>',
    "<a href=\"javascript:alert('{f}')\">{f}</a>",
    '" autofocus onfocus=alert("{f}") x="',
    "<iframe srcdoc='<script>alert(1)</script>'>{f}",
    "{{{{7*7}}}}<style>body{{display:none}}</style>{f}",
]


def payload(field: str, n: int) -> str:
    return PAYLOADS[n % len(PAYLOADS)].format(f=field)


class _Markup(HTMLParser):
    """Collects what the browser would actually build from a page: elements and attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and not (values.get("src") or "").startswith("/static/"):
            self.problems.append("inline <script>")
        if tag in ("img", "iframe", "style", "object", "embed", "base"):
            self.problems.append(f"<{tag}>")
        # The QR code and the server-made charts are ours.
        if tag == "svg" and (values.get("class") or "").split()[:1] not in (
            ["segno"],
            ["chart"],
            ["vote-chart"],
        ):
            self.problems.append("<svg>")
        for name, value in attrs:
            if name.startswith("on") or name in ("autofocus", "srcdoc"):
                self.problems.append(f"{tag} {name}=")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"{tag} {name}=javascript:")


def _assert_escaped(body: str, shown: list[str], where: str) -> None:
    for text in shown:
        assert str(escape(text)) in body, f"{where}: {text!r} is not shown escaped (or not at all)"
    parser = _Markup()
    parser.feed(body)
    assert parser.problems == [], f"{where}: {parser.problems}"


def test_payloads_in_every_field_are_escaped_everywhere(
    server: LiveServer, facilitator: httpx.Client
) -> None:
    f = {
        name: payload(name, n)
        for n, name in enumerate(
            [
                "title",
                "team",
                "stage",
                "stagedesc",
                "touchpoint",
                "prompt",
                "vname",
                "summary",
                "story",
                "route",
                "purpose",
                "note",
            ]
        )
    }
    created = post_form(
        facilitator,
        "/vignettes/new",
        {
            "name": f["vname"],
            "summary": f["summary"],
            "story": f["story"],
            "referral_route": f["route"],
            "discussion_purpose": f["purpose"],
            "content_notes": f["note"].replace(",", ";"),
        },
        token_from="/vignettes/new",
    )
    assert created.status_code == 303, created.text
    f["note"] = f["note"].replace(",", ";").strip()
    slug = next(v["slug"] for v in facilitator.get("/api/v1/vignettes").json() if v["name"] == f["vname"])
    maps = facilitator.get("/api/v1/journey-maps").json()
    event = facilitator.post(
        "/api/v1/events",
        json={
            "title": f["title"],
            "journey_map_id": maps[0]["id"],
            "open": False,
            "teams": [{"name": f["team"], "vignette_slugs": [slug]}],
        },
    ).json()
    eid = event["id"]
    stage, tp = event["stages"][0]["id"], event["stages"][0]["touchpoints"][0]["id"]
    manage = f"/events/{eid}"
    for path, data in (
        (
            f"/events/{eid}/stages/{stage}",
            {"action": "rename", "name": f["stage"], "description": f["stagedesc"]},
        ),
        (
            f"/events/{eid}/touchpoints/{tp}",
            {"action": "rename", "name": f["touchpoint"], "description": f["prompt"]},
        ),
    ):
        assert post_form(facilitator, path, data, token_from=manage).status_code == 303
    assert (
        _assert_escaped(facilitator.get(manage).text, [f["title"], f["stage"], f["touchpoint"]], "manage")
        is None
    )
    assert (
        post_form(facilitator, f"/events/{eid}/status", {"status": "open"}, token_from=manage).status_code
        == 303
    )
    event = facilitator.get(f"/api/v1/events/{eid}").json()

    alice = join(server, event)
    texts = [p.format(f=f"annotation{n}") for n, p in enumerate(PAYLOADS)]
    texts = [t[:280] for t in texts]
    for text in texts:
        assert annotate(alice, event, touchpoint_id=tp, text=text, vignette_slug=slug).status_code == 201

    vignette_fields = [f[k] for k in ("vname", "summary", "story", "route", "note")]
    journey_fields = [f[k] for k in ("title", "team", "stage", "stagedesc", "touchpoint", "prompt")]
    journey_fields += [*vignette_fields, *texts]
    pages = [
        (
            alice,
            f"/events/{eid}/journey",
            journey_fields,
        ),
        (facilitator, f"/events/{eid}/board", [f["title"], f["touchpoint"], *texts]),
        (facilitator, f"/events/{eid}/console", [f["title"], *texts]),
        (facilitator, "/vignettes", [f["vname"], f["summary"], f["story"], f["purpose"], f["note"]]),
        (facilitator, "/", [f["title"]]),
        (alice, f"/events/{eid}/live/poll?view=participant", texts),
        (facilitator, f"/events/{eid}/live/poll?view=console", texts),
    ]
    for c, path, shown in pages:
        response = c.get(path)
        assert response.status_code == 200, (path, response.status_code)
        _assert_escaped(response.text, shown, path)

    # The pages' websocket: the snapshot on connect and a pushed update.
    for c, view in ((alice, "participant"), (facilitator, "board"), (facilitator, "console")):
        url = f"{server.ws_url}/events/{eid}/live?view={view}&seq=-1"
        with connect(url, additional_headers=cookie_header(c), open_timeout=5) as ws:
            _assert_escaped(ws.recv(timeout=5), texts[-3:], f"ws {view} snapshot")
            extra = payload(f"pushed-{view}", 0)
            assert annotate(alice, event, touchpoint_id=tp, text=extra).status_code == 201
            _assert_escaped(ws.recv(timeout=5), [extra], f"ws {view} update")

    # The report page and the Markdown and HTML exports: an improvement grouped from the payloads,
    # a vote for it and an action, all in hostile words.
    f["improvement"], f["what"], f["owner"] = (
        payload(name, n) for n, name in enumerate(("improvement", "what", "owner"))
    )
    ids = [a["id"] for a in alice.get(f"/api/v1/events/{eid}/annotations").json() if a["text"] in texts]
    improvement = facilitator.post(
        f"/api/v1/events/{eid}/improvements",
        json={"title": f["improvement"][:120], "annotation_ids": ids, "driver": "leadership"},
    )
    assert improvement.status_code == 201, improvement.text
    iid = improvement.json()["id"]
    assert facilitator.patch(f"/api/v1/events/{eid}/voting", json={"status": "open"}).status_code == 200
    assert alice.put(f"/api/v1/improvements/{iid}/vote", json={"dots": 1}).status_code == 200
    action = facilitator.post(
        f"/api/v1/improvements/{iid}/actions",
        json={"what": f["what"], "owner": f["owner"][:120], "due": "2030-01-31"},
    )
    assert action.status_code == 201, action.text
    reported = [f["title"], f["stage"], f["vname"], f["summary"], f["improvement"][:120], f["what"], *texts]
    page = facilitator.get(f"/events/{eid}/report")
    assert page.status_code == 200 and 'class="vote-chart"' in page.text
    _assert_escaped(page.text, [*reported, f["owner"][:120]], "report")
    document = facilitator.get(f"/api/v1/events/{eid}/export/html")
    _assert_escaped(document.text.replace("<style>", "").replace("</style>", ""), reported, "html export")
    markdown = facilitator.get(f"/api/v1/events/{eid}/export/md").text
    parser = _Markup()
    parser.feed(markdown)
    assert parser.problems == [], f"md export: {parser.problems}"
    assert "<" not in markdown.replace("&lt;", "")

    # The JSON API returns the text as data, exactly as written (escaping is the page's job).
    listed = alice.get(f"/api/v1/events/{eid}/annotations").json()
    assert set(texts) <= {a["text"] for a in listed}
    assert json.loads(json.dumps(texts)) == texts
