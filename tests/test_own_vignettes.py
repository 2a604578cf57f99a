"""A facilitator's own vignettes: write, change, duplicate (start from Ollie and adapt), archive and
restore them over the API and the pages; every bad input is refused and changes nothing; a vignette
that an event not yet closed uses keeps its content notes, which phones show before the story."""

import re
import uuid
from typing import Any

import httpx
import pytest
from sqlmodel import Session

from app.db import make_engine, transaction
from app.facilitators.service import add_facilitator
from app.settings import Settings
from tests.conftest import LiveServer, client, create_event, join, signed_in

API = "/api/v1/vignettes"


def unique(name: str) -> str:
    return f"{name} {uuid.uuid4().hex[:6]}"


def morag(**extra: Any) -> dict[str, Any]:
    return {
        "name": unique("Morag"),
        "age": 58,
        "summary": "Morag lives on an island; the ferry runs twice a week.",
        "story": "Morag is 58 and cares for her husband.\n\nShe has not left the island for a month.",
        "referral_route": "Referred by the island's nurse",
        "tier": "mid",
        "tier_label": "Mid risk, isolated",
        "discussion_purpose": "Reaching people the ferry timetable keeps away.",
        "content_notes": ["isolation", "bereavement"],
        "prompts": [
            "Choice: could her first appointment be by video?",
            "Trust: does she know who will call?",
        ],
        "source": "Written by the Harbour service team.",
        **extra,
    }


def write(facilitator: httpx.Client, **extra: Any) -> dict[str, Any]:
    response = facilitator.post(API, json=morag(**extra))
    assert response.status_code == 201, response.text
    return response.json()


def every(facilitator: httpx.Client) -> dict[str, dict[str, Any]]:
    return {v["slug"]: v for v in facilitator.get(API, params={"include_archived": "true"}).json()}


def choosable(facilitator: httpx.Client) -> set[str]:
    return {v["slug"] for v in facilitator.get(API).json()}


def second_facilitator(settings: Settings, server: LiveServer) -> httpx.Client:
    email = f"colleague-{uuid.uuid4().hex[:8]}@example.org"
    engine = make_engine(settings.database_url)
    with Session(engine) as session, transaction(session):
        add_facilitator(session, email=email, password="another long password")
    engine.dispose()
    return signed_in(server, email, "another long password")


# The API


def test_a_facilitator_writes_a_vignette_with_every_field(facilitator: httpx.Client) -> None:
    body = morag()
    made = write(facilitator, **body)
    assert {k: made[k] for k in body} == body
    assert made["builtin"] is False and made["archived"] is False
    assert re.fullmatch(r"morag-[0-9a-f]{6}-[0-9a-f]{6}", made["slug"])
    assert every(facilitator)[made["slug"]] == made
    assert made["slug"] in choosable(facilitator)


def test_a_chosen_slug_is_kept_and_a_taken_one_is_refused(facilitator: httpx.Client) -> None:
    slug = f"morag-{uuid.uuid4().hex[:6]}"
    assert write(facilitator, slug=slug)["slug"] == slug
    before = every(facilitator)
    for taken in (slug, "ollie"):
        again = facilitator.post(API, json=morag(slug=taken))
        assert again.status_code == 409
        assert f'slug "{taken}"' in again.json()["detail"]
    assert every(facilitator) == before


def test_the_tier_label_comes_from_the_built_in_vignettes_when_left_empty(facilitator: httpx.Client) -> None:
    made = write(facilitator, tier="higher", tier_label="")
    assert made["tier_label"] == "Higher risk, less stable"  # as vignettes/stuart.toml says it
    changed = facilitator.patch(f"{API}/{made['slug']}", json={"tier": "lower"}).json()
    assert changed["tier_label"] == "Lower risk, more stable"


def test_content_notes_are_tidied_and_kept_once(facilitator: httpx.Client) -> None:
    made = write(facilitator, content_notes=["  eviction ", "Eviction", "money   worries", "eviction"])
    assert made["content_notes"] == ["eviction", "money worries"]


def test_editing_changes_only_what_is_sent(facilitator: httpx.Client) -> None:
    made = write(facilitator)
    response = facilitator.patch(
        f"{API}/{made['slug']}",
        json={"name": "Morven", "age": None, "story": "A new story.", "content_notes": ["isolation", "loss"]},
    )
    assert response.status_code == 200, response.text
    changed = every(facilitator)[made["slug"]]
    assert changed["name"] == "Morven" and changed["age"] is None and changed["story"] == "A new story."
    assert changed["content_notes"] == ["isolation", "loss"]
    untouched = {k: v for k, v in made.items() if k not in ("name", "age", "story", "content_notes")}
    assert {k: changed[k] for k in untouched} == untouched


def test_any_facilitator_of_the_instance_may_edit_an_own_vignette(
    settings: Settings, server: LiveServer, facilitator: httpx.Client
) -> None:
    made = write(facilitator)
    colleague = second_facilitator(settings, server)
    assert colleague.patch(f"{API}/{made['slug']}", json={"age": 59}).status_code == 200
    assert every(facilitator)[made["slug"]]["age"] == 59


def test_start_from_ollie_and_adapt(facilitator: httpx.Client) -> None:
    ollie_before = every(facilitator)["ollie"]
    response = facilitator.post(f"{API}/ollie/duplicate")
    assert response.status_code == 201, response.text
    copy = response.json()
    assert copy["slug"] != "ollie" and copy["builtin"] is False and copy["archived"] is False
    same = ("name", "age", "tier", "tier_label", "referral_route", "summary", "story")
    same += ("discussion_purpose", "content_notes", "prompts", "source")
    assert {k: copy[k] for k in same} == {k: ollie_before[k] for k in same}
    adapted = facilitator.patch(
        f"{API}/{copy['slug']}", json={"name": "Olivia", "referral_route": "Health visitor"}
    )
    assert adapted.status_code == 200 and adapted.json()["name"] == "Olivia"
    assert every(facilitator)["ollie"] == ollie_before  # the built-in one is untouched


def test_an_own_vignette_duplicates_too_with_a_name_and_slug_of_choice(facilitator: httpx.Client) -> None:
    made = write(facilitator)
    slug = f"morag-copy-{uuid.uuid4().hex[:6]}"
    copy = facilitator.post(
        f"{API}/{made['slug']}/duplicate", json={"name": "Morag (island B)", "slug": slug}
    )
    assert copy.status_code == 201, copy.text
    assert copy.json()["slug"] == slug and copy.json()["name"] == "Morag (island B)"
    assert copy.json()["content_notes"] == made["content_notes"]
    taken = facilitator.post(f"{API}/{made['slug']}/duplicate", json={"slug": slug})
    assert taken.status_code == 409
    assert facilitator.post(f"{API}/nobody-here/duplicate").status_code == 404


def test_built_in_vignettes_cannot_be_changed_in_place(facilitator: httpx.Client) -> None:
    before = every(facilitator)["gill"]
    for body in ({"name": "Gillian"}, {"content_notes": []}, {"archived": True}):
        response = facilitator.patch(f"{API}/gill", json=body)
        assert response.status_code == 409
        assert "Duplicate it" in response.json()["detail"]
    assert every(facilitator)["gill"] == before


def test_archiving_hides_a_vignette_from_choices_and_restoring_brings_it_back(
    facilitator: httpx.Client,
) -> None:
    made = write(facilitator)
    slug = made["slug"]
    archived = facilitator.patch(f"{API}/{slug}", json={"archived": True})
    assert archived.status_code == 200 and archived.json()["archived"] is True
    assert slug not in choosable(facilitator)
    assert every(facilitator)[slug]["archived"] is True  # kept
    page = facilitator.get("/vignettes").text
    assert page.index('id="archived-h"') < page.index(f'id="v-{slug}"')
    restored = facilitator.patch(f"{API}/{slug}", json={"archived": False})
    assert restored.json()["archived"] is False and slug in choosable(facilitator)


BAD_BODIES = [
    ({"name": ""}, "name"),
    ({"name": "x" * 81}, "name"),
    ({"age": -1}, "age"),
    ({"age": 121}, "age"),
    ({"age": "thirty"}, "age"),
    ({"summary": ""}, "summary"),
    ({"summary": "x" * 501}, "summary"),
    ({"story": "x" * 6001}, "story"),
    ({"referral_route": "x" * 201}, "referral_route"),
    ({"tier": "extreme"}, "tier"),
    ({"tier_label": "x" * 81}, "tier_label"),
    ({"discussion_purpose": "x" * 1001}, "discussion_purpose"),
    ({"content_notes": [f"note {n}" for n in range(13)]}, "content_notes"),
    ({"content_notes": ["x" * 61]}, "content_notes"),
    ({"content_notes": ["   "]}, "content_notes"),
    ({"content_notes": "suicide"}, "content_notes"),
    ({"prompts": [f"Trust: question {n}?" for n in range(7)]}, "prompts"),
    ({"prompts": ["x" * 301]}, "prompts"),
    ({"source": "x" * 501}, "source"),
    ({"colour": "blue"}, "colour"),
]


@pytest.mark.parametrize(("bad", "field"), BAD_BODIES)
def test_bad_input_is_refused_naming_the_field_and_nothing_changes(
    facilitator: httpx.Client, bad: dict[str, Any], field: str
) -> None:
    made = write(facilitator)
    before = every(facilitator)
    created = facilitator.post(API, json=morag(**bad))
    edited = facilitator.patch(f"{API}/{made['slug']}", json=bad)
    for response in (created, edited):
        assert response.status_code == 422, response.text
        assert field in {str(part) for err in response.json()["detail"] for part in err["loc"]}
    assert every(facilitator) == before


def test_more_bad_input(facilitator: httpx.Client) -> None:
    made = write(facilitator)
    before = every(facilitator)
    assert facilitator.post(API, json=morag(slug="Not A Slug")).status_code == 422
    assert facilitator.post(API, json=morag(slug="x" * 61)).status_code == 422
    assert facilitator.post(API, json={"name": "No summary"}).status_code == 422
    assert facilitator.patch(f"{API}/{made['slug']}", json={"name": None}).status_code == 422
    assert facilitator.patch(f"{API}/{made['slug']}", json={"slug": "renamed"}).status_code == 422
    assert facilitator.patch(f"{API}/{made['slug']}", json={"archived": "perhaps"}).status_code == 422
    assert facilitator.patch(f"{API}/nobody-here", json={"age": 3}).status_code == 404
    assert facilitator.post(f"{API}/{made['slug']}/duplicate", json={"name": ""}).status_code == 422
    assert every(facilitator) == before


def test_only_facilitators_write_vignettes(server: LiveServer, facilitator: httpx.Client) -> None:
    made = write(facilitator)
    before = every(facilitator)
    stranger = client(server)
    assert stranger.post(API, json=morag()).status_code == 401
    assert stranger.patch(f"{API}/{made['slug']}", json={"name": "Taken"}).status_code == 401
    assert stranger.post(f"{API}/ollie/duplicate").status_code == 401
    for path in ("/vignettes", "/vignettes/new", f"/vignettes/{made['slug']}/edit"):
        assert stranger.get(path).status_code in (303, 401)
    assert every(facilitator) == before


# The content-note lock, and the phone


def event_with(facilitator: httpx.Client, slug: str, **extra: Any) -> dict[str, Any]:
    teams = [{"name": "Island team", "vignette_slugs": [slug, "ollie"]}, {"name": "Town team"}]
    return create_event(facilitator, title=unique("Lens walk at the Harbour"), teams=teams, **extra)


@pytest.mark.parametrize("status", ["open", "draft"])
def test_a_vignette_in_use_by_an_event_not_closed_keeps_its_content_notes(
    facilitator: httpx.Client, status: str
) -> None:
    made = write(facilitator)
    slug = made["slug"]
    event = event_with(facilitator, slug, open=status == "open")
    for notes, removed in (
        ([], "isolation, bereavement"),
        (["isolation"], "bereavement"),
        (["bereavement"], "isolation"),
    ):
        response = facilitator.patch(f"{API}/{slug}", json={"content_notes": notes})
        assert response.status_code == 409, response.text
        detail = response.json()["detail"]
        assert event["title"] in detail and "cannot be removed" in detail
        assert f"you took out: {removed})" in detail
    assert every(facilitator)[slug]["content_notes"] == ["isolation", "bereavement"]
    # Adding is fine, and so is changing anything else.
    added = facilitator.patch(f"{API}/{slug}", json={"content_notes": ["isolation", "Bereavement", "caring"]})
    assert added.status_code == 200, added.text
    assert added.json()["content_notes"] == ["isolation", "Bereavement", "caring"]
    assert facilitator.patch(f"{API}/{slug}", json={"story": "Shorter."}).status_code == 200


def test_once_the_event_closes_the_content_notes_can_change(facilitator: httpx.Client) -> None:
    made = write(facilitator)
    event = event_with(facilitator, made["slug"])
    assert facilitator.patch(f"{API}/{made['slug']}", json={"content_notes": []}).status_code == 409
    closed = facilitator.post(f"/events/{event['id']}/status", data={"status": "closed"})
    assert closed.status_code == 303, closed.text
    assert facilitator.patch(f"{API}/{made['slug']}", json={"content_notes": []}).status_code == 200


def test_an_archived_vignette_stays_with_the_event_that_uses_it(
    server: LiveServer, facilitator: httpx.Client
) -> None:
    made = write(facilitator)
    event = event_with(facilitator, made["slug"])
    assert facilitator.patch(f"{API}/{made['slug']}", json={"archived": True}).status_code == 200
    phone = join(server, event)
    assert made["summary"] in phone.get(f"/events/{event['id']}/journey").text
    described = facilitator.get(f"/api/v1/events/{event['id']}").json()
    assert made["slug"] in described["teams"][0]["vignette_slugs"]


def test_the_phone_in_that_team_shows_the_content_notes_before_the_story(
    server: LiveServer, facilitator: httpx.Client
) -> None:
    made = write(facilitator, content_notes=["isolation", "bereavement", "self-harm"])
    event = event_with(facilitator, made["slug"])
    phone = join(server, event, team_index=0)
    page = phone.get(f"/events/{event['id']}/journey").text
    article = page[page.index(f'id="vignette-{made["slug"]}"') :]
    article = article[: article.index("</article>")]
    note = article.index("this story mentions isolation, bereavement, self-harm")
    assert note < article.index("Show me anyway") < article.index(made["summary"])
    assert note < article.index("She has not left the island for a month.")
    other = join(server, event, team_index=1)  # the town team does not follow her
    assert made["summary"] not in other.get(f"/events/{event['id']}/journey").text


# The pages


def form(**extra: Any) -> dict[str, Any]:
    return {
        "name": unique("Aileen"),
        "age": "27",
        "summary": "Aileen is expecting her first child and has been told to move out of her flat.",
        "story": "Aileen is 27.\r\n\r\nHer landlord has given her notice.",  # as a browser posts it
        "referral_route": "Her midwife",
        "tier": "mid",
        "tier_label": "",
        "discussion_purpose": "How housing and maternity services share what they know.",
        "content_notes": ["anxiety", "domestic abuse"],
        "other_notes": "eviction, pregnancy",
        "prompts": "Trust: does she know who to call?\n\nChoice: can she choose where to meet?",
        "source": "",
        **extra,
    }


def by_name(facilitator: httpx.Client, name: str) -> dict[str, Any]:
    return next(v for v in every(facilitator).values() if v["name"] == name)


def test_the_form_writes_and_changes_a_vignette(facilitator: httpx.Client) -> None:
    page = facilitator.get("/vignettes/new").text
    # The list of notes to choose from is the built-in vignettes' own.
    for note in ("suicide", "childhood abuse", "overdose", "low mood", "imprisonment"):
        assert f'name="content_notes" value="{note}"' in page
    assert '<label for="other_notes">' in page
    data = form()
    made = facilitator.post("/vignettes/new", data=data)
    assert made.status_code == 303 and made.headers["location"].startswith("/vignettes?done=saved")
    v = by_name(facilitator, data["name"])
    assert v["content_notes"] == ["anxiety", "domestic abuse", "eviction", "pregnancy"]
    assert v["prompts"] == ["Trust: does she know who to call?", "Choice: can she choose where to meet?"]
    assert v["story"] == "Aileen is 27.\n\nHer landlord has given her notice."  # two paragraphs
    assert v["age"] == 27 and v["tier_label"] == "Mid risk, with mental and/or physical health difficulties"

    edit = facilitator.get(f"/vignettes/{v['slug']}/edit").text
    assert 'name="content_notes" value="anxiety" checked' in edit
    assert 'name="content_notes" value="suicide">' in edit  # not chosen
    assert 'value="eviction, pregnancy"' in edit
    changed = facilitator.post(
        f"/vignettes/{v['slug']}/edit",
        data=form(name="Eilidh", age="", other_notes="eviction", then="preview"),
    )
    assert changed.status_code == 303 and changed.headers["location"] == f"/vignettes/{v['slug']}/preview"
    after = every(facilitator)[v["slug"]]
    assert after["name"] == "Eilidh" and after["age"] is None
    assert after["content_notes"] == ["anxiety", "domestic abuse", "eviction"]


def test_a_bad_form_keeps_what_was_typed_and_saves_nothing(facilitator: httpx.Client) -> None:
    before = every(facilitator)
    data = form(summary="", story="A story I took a long time to write.")
    refused = facilitator.post("/vignettes/new", data=data)
    assert refused.status_code == 422
    assert "Summary" in refused.text and "Nothing was saved" in refused.text
    assert "A story I took a long time to write." in refused.text and data["name"] in refused.text
    old = facilitator.post("/vignettes/new", data=form(age="old"))
    assert old.status_code == 422 and "Age: write a whole number" in old.text
    assert facilitator.post("/vignettes/new", data=form(age="121")).status_code == 422
    assert facilitator.post("/vignettes/new", data=form(other_notes="x" * 61)).status_code == 422
    assert facilitator.post("/vignettes/new", data=form(prompts="\n".join(["Q?"] * 7))).status_code == 422
    assert every(facilitator) == before


def test_the_form_refuses_to_take_away_content_notes_an_open_event_relies_on(
    facilitator: httpx.Client,
) -> None:
    facilitator.post("/vignettes/new", data=(data := form()))
    v = by_name(facilitator, data["name"])
    event = event_with(facilitator, v["slug"])
    edit = facilitator.get(f"/vignettes/{v['slug']}/edit").text
    assert event["title"] in edit and "not take any away" in edit
    refused = facilitator.post(f"/vignettes/{v['slug']}/edit", data=form(name="Eilidh", other_notes=""))
    assert refused.status_code == 409
    assert "cannot be removed" in refused.text and "eviction, pregnancy" in refused.text
    assert every(facilitator)[v["slug"]] == v


def test_duplicate_archive_and_restore_from_the_list(facilitator: httpx.Client) -> None:
    listing = facilitator.get("/vignettes").text
    assert 'action="/vignettes/jay/duplicate"' in listing
    assert 'href="/vignettes/jay/edit"' not in listing and 'action="/vignettes/jay/archive"' not in listing
    copied = facilitator.post("/vignettes/jay/duplicate")
    assert copied.status_code == 303
    slug = re.fullmatch(r"/vignettes/([a-z0-9-]+)/edit\?copied=yes", copied.headers["location"]).group(1)
    edit = facilitator.get(copied.headers["location"]).text
    assert "your own copy of Jay" in edit and 'value="Jay"' in edit
    listing = facilitator.get("/vignettes").text
    own = listing[listing.index('id="own-h"') : listing.index('id="builtin-h"')]
    assert f'id="v-{slug}"' in own and f'action="/vignettes/{slug}/archive"' in own

    archived = facilitator.post(f"/vignettes/{slug}/archive", data={"archived": "yes"})
    assert archived.status_code == 303 and every(facilitator)[slug]["archived"] is True
    listing = facilitator.get(archived.headers["location"]).text
    assert "no longer offered for new teams" in listing
    assert listing.index('id="archived-h"') < listing.index(f'id="v-{slug}"')
    assert facilitator.post(f"/vignettes/{slug}/archive", data={"archived": "no"}).status_code == 303
    assert every(facilitator)[slug]["archived"] is False
    assert facilitator.post("/vignettes/jay/archive", data={"archived": "yes"}).status_code == 409
    assert every(facilitator)["jay"]["archived"] is False


def test_the_preview_is_the_phone_s_own_vignette(server: LiveServer, facilitator: httpx.Client) -> None:
    made = write(facilitator)
    event = event_with(facilitator, made["slug"])
    phone_page = join(server, event).get(f"/events/{event['id']}/journey").text
    preview = facilitator.get(f"/vignettes/{made['slug']}/preview").text

    def article(page: str) -> str:
        start = page.index(f'<article class="vignette card stack" id="vignette-{made["slug"]}"')
        found = page[start : page.index("</article>", start)]
        return re.sub(r'action="[^"]*"|name="csrf_token" value="[^"]*"', "", found)

    assert article(preview) == article(phone_page)
    assert article(preview).index("Content note") < article(preview).index(made["summary"])
    # Skip and show again, as on a phone.
    skipped = facilitator.post(f"/vignettes/{made['slug']}/preview", data={})
    assert skipped.status_code == 303
    assert "You chose to skip" in facilitator.get(skipped.headers["location"]).text
    shown = facilitator.post(f"/vignettes/{made['slug']}/preview", data={"show": "yes"})
    assert "You chose to skip" not in facilitator.get(shown.headers["location"]).text
    assert facilitator.get("/vignettes/nobody-here/preview").status_code == 404
