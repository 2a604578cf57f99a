"""The vignette pages: the list, the form to write or change one, duplicate, archive and restore,
and the preview, which shows a vignette exactly as a phone does."""

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.deps import CurrentFacilitator, SessionDep, WriteAsFacilitator
from app.errors import DomainError, Invalid
from app.forms import validate
from app.templating import render
from app.vignettes import service
from app.vignettes.models import Vignette

router = APIRouter(include_in_schema=False)

FORM_FIELDS: tuple[str, ...] = ("name", "age", "summary", "story", "referral_route", "tier", "tier_label")
FORM_FIELDS += ("discussion_purpose", "source")
DONE = {
    "saved": "Saved.",
    "archived": "Archived: it is no longer offered for new teams. Events that use it keep it.",
    "restored": "Restored: it is offered for teams again.",
}


class VignetteForm:
    """What the form posts, as the schemas' fields (several checkboxes and free text become one
    list of content notes; one prompt a line)."""

    def __init__(
        self,
        name: Annotated[str, Form(max_length=200)] = "",
        summary: Annotated[str, Form(max_length=1000)] = "",
        age: Annotated[str, Form(max_length=5)] = "",
        story: Annotated[str, Form(max_length=10000)] = "",
        referral_route: Annotated[str, Form(max_length=400)] = "",
        tier: Annotated[str, Form(max_length=20)] = "",
        tier_label: Annotated[str, Form(max_length=200)] = "",
        discussion_purpose: Annotated[str, Form(max_length=2000)] = "",
        content_notes: Annotated[list[str] | None, Form()] = None,
        other_notes: Annotated[str, Form(max_length=1000)] = "",
        prompts: Annotated[str, Form(max_length=2500)] = "",
        source: Annotated[str, Form(max_length=1000)] = "",
        then: Annotated[str, Form(max_length=20)] = "",
    ) -> None:
        self.values: dict[str, Any] = {
            "name": name,
            "summary": summary,
            "age": age,
            "story": story,
            "referral_route": referral_route,
            "tier": tier,
            "tier_label": tier_label,
            "discussion_purpose": discussion_purpose,
            "source": source,
            # A checkbox's note, or several written with commas between them.
            "content_notes": [
                note
                for written in [*(content_notes or [])[:50], other_notes]
                for note in re.split(r"[,\n]", written)
                if note.strip()
            ],
            "prompts": [line for line in prompts.splitlines() if line.strip()],
        }
        self.preview = then == "preview"

    def keep_order_of(self, notes: list[str]) -> None:
        """The checkboxes come in the list's order: notes a vignette already had keep their place
        (the first is usually the one that matters most), and new ones follow."""
        place = {note.casefold(): n for n, note in enumerate(notes)}
        written = self.values["content_notes"]
        self.values["content_notes"] = sorted(
            written, key=lambda note: place.get(note.strip().casefold(), len(place) + written.index(note))
        )

    def data(self) -> dict[str, Any]:
        age = self.values["age"].strip()
        if age and not (age.isdigit() and len(age) <= 3):
            raise Invalid("Age: write a whole number from 0 to 120, or leave it empty.")
        return {**self.values, "age": int(age) if age else None}


def _form_values(vignette: Vignette) -> dict[str, Any]:
    values = {field: getattr(vignette, field) for field in FORM_FIELDS}
    values["age"] = "" if vignette.age is None else str(vignette.age)
    return {**values, "content_notes": list(vignette.content_notes), "prompts": list(vignette.prompts)}


def _form_page(
    request: Request,
    session: Session,
    values: dict[str, Any],
    *,
    vignette: Vignette | None = None,
    error: DomainError | None = None,
    copied: bool = False,
) -> Response:
    common = service.common_content_notes(session)
    chosen = {n.casefold() for n in values["content_notes"]}
    common_folded = {n.casefold() for n in common}
    locked_by = service.events_using(session, vignette.id or 0) if vignette else []
    return render(
        request,
        "vignettes/form.html",
        {
            "vignette": vignette,
            "values": values,
            "common_notes": [(note, note.casefold() in chosen) for note in common],
            "other_notes": ", ".join(n for n in values["content_notes"] if n.casefold() not in common_folded),
            "tiers": service.tier_labels(session),
            "locked_by": locked_by,
            "error": error.message if error else None,
            "copied": copied,
        },
        status_code=error.status_code if error else 200,
    )


def _after_save(vignette: Vignette, form: VignetteForm) -> Response:
    where = (
        f"/vignettes/{vignette.slug}/preview" if form.preview else f"/vignettes?done=saved#v-{vignette.slug}"
    )
    return RedirectResponse(where, status_code=303)


@router.get("/vignettes")
def vignettes_page(
    request: Request, session: SessionDep, facilitator: CurrentFacilitator, done: str = ""
) -> Response:
    every = service.list_vignettes(session, include_archived=True)
    return render(
        request,
        "vignettes/list.html",
        {
            "own": [v for v in every if not v.builtin and not v.archived],
            "builtin": [v for v in every if v.builtin],
            "archived": [v for v in every if v.archived],
            "done": DONE.get(done),
        },
    )


@router.get("/vignettes/new")
def new_vignette_page(request: Request, session: SessionDep, facilitator: CurrentFacilitator) -> Response:
    return _form_page(
        request, session, {**dict.fromkeys(FORM_FIELDS, ""), "content_notes": [], "prompts": []}
    )


@router.post("/vignettes/new")
def new_vignette(
    request: Request,
    session: SessionDep,
    write: WriteAsFacilitator,
    form: Annotated[VignetteForm, Depends()],
) -> Response:
    try:
        data = validate(service.VignetteCreate, form.data())
        vignette = write.account(service.create_vignette, data, facilitator_id=write.signed_in_id)
    except DomainError as exc:
        return _form_page(request, session, form.values, error=exc)
    return _after_save(vignette, form)


@router.get("/vignettes/{slug}/edit")
def edit_vignette_page(
    slug: str, request: Request, session: SessionDep, facilitator: CurrentFacilitator, copied: str = ""
) -> Response:
    vignette = service.get_vignette(session, slug[:80])
    service.require_own(vignette)
    return _form_page(request, session, _form_values(vignette), vignette=vignette, copied=copied == "yes")


@router.post("/vignettes/{slug}/edit")
def edit_vignette(
    slug: str,
    request: Request,
    session: SessionDep,
    write: WriteAsFacilitator,
    form: Annotated[VignetteForm, Depends()],
) -> Response:
    vignette = service.get_vignette(session, slug[:80])
    form.keep_order_of(vignette.content_notes)
    try:
        data = validate(service.VignetteUpdate, form.data())
        vignette = write.account(service.change_vignette, slug, data)
    except DomainError as exc:
        session.expire_all()
        return _form_page(
            request,
            session,
            form.values,
            vignette=service.get_vignette(session, slug[:80]),
            error=exc,
        )
    return _after_save(vignette, form)


@router.post("/vignettes/{slug}/duplicate")
def duplicate_vignette(slug: str, write: WriteAsFacilitator) -> Response:
    copy = write.account(
        service.copy_vignette, slug, service.VignetteDuplicate(), facilitator_id=write.signed_in_id
    )
    return RedirectResponse(f"/vignettes/{copy.slug}/edit?copied=yes", status_code=303)


@router.post("/vignettes/{slug}/archive")
def archive_vignette(
    slug: str,
    write: WriteAsFacilitator,
    archived: Annotated[str, Form(max_length=5)] = "yes",
) -> Response:
    data = service.VignetteUpdate(archived=archived != "no")
    vignette = write.account(service.change_vignette, slug, data)
    done = "archived" if vignette.archived else "restored"
    return RedirectResponse(f"/vignettes?done={done}#v-{vignette.slug}", status_code=303)


@router.get("/vignettes/{slug}/preview")
def preview_vignette(
    slug: str, request: Request, session: SessionDep, facilitator: CurrentFacilitator, skipped: str = ""
) -> Response:
    vignette = service.get_vignette(session, slug[:80])
    return render(request, "vignettes/preview.html", {"v": vignette, "skipped": skipped == "yes"})


@router.post("/vignettes/{slug}/preview")
def preview_skip(
    slug: str,
    session: SessionDep,
    facilitator: CurrentFacilitator,
    show: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """The preview's "Skip this person" and "Show ... after all", as a phone's would."""
    vignette = service.get_vignette(session, slug[:80])
    query = "" if show == "yes" else "?skipped=yes"
    return RedirectResponse(
        f"/vignettes/{vignette.slug}/preview{query}#vignette-{vignette.slug}", status_code=303
    )
