from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.deps import CurrentFacilitator, SessionDep, WriteAsFacilitator
from app.forms import optional_int, validate
from app.templating import render
from app.vignettes import service

router = APIRouter(include_in_schema=False)


@router.get("/vignettes")
def vignettes_page(request: Request, session: SessionDep, facilitator: CurrentFacilitator) -> Response:
    return render(request, "vignettes/list.html", {"vignettes": service.list_vignettes(session)})


@router.get("/vignettes/new")
def new_vignette_page(request: Request, facilitator: CurrentFacilitator) -> Response:
    return render(request, "vignettes/new.html")


@router.post("/vignettes/new")
def new_vignette(
    write: WriteAsFacilitator,
    name: Annotated[str, Form(max_length=200)],
    summary: Annotated[str, Form(max_length=1000)],
    age: Annotated[str, Form(max_length=5)] = "",
    story: Annotated[str, Form(max_length=10000)] = "",
    referral_route: Annotated[str, Form(max_length=400)] = "",
    discussion_purpose: Annotated[str, Form(max_length=2000)] = "",
    content_notes: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    data = validate(
        service.VignetteCreate,
        {
            "name": name,
            "age": optional_int(age),
            "summary": summary,
            "story": story,
            "referral_route": referral_route,
            "discussion_purpose": discussion_purpose,
            "content_notes": [n for n in content_notes.split(",") if n.strip()],
        },
    )
    write.account(service.create_vignette, data, facilitator_id=write.signed_in_id)
    return RedirectResponse("/vignettes", status_code=303)
