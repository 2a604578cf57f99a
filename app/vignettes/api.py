"""Vignettes over JSON: the catalogue, and writing, changing, duplicating and archiving a
facilitator's own."""

from typing import Annotated

from fastapi import APIRouter, Body

from app.db import transaction
from app.deps import CurrentFacilitator, SessionDep
from app.events import service as events
from app.vignettes import service
from app.vignettes.models import Vignette
from app.vignettes.service import VignettePublic

router = APIRouter(prefix="/api/v1", tags=["content"])


def public(vignette: Vignette) -> VignettePublic:
    return VignettePublic.model_validate(vignette.public())


@router.get("/vignettes")
def list_vignettes(session: SessionDep, include_archived: bool = False) -> list[VignettePublic]:
    """Built-in and own vignettes; archived ones only with `include_archived=true`."""
    return [public(v) for v in service.list_vignettes(session, include_archived=include_archived)]


@router.post("/vignettes", status_code=201)
def create_vignette(
    body: service.VignetteCreate, session: SessionDep, facilitator: CurrentFacilitator
) -> VignettePublic:
    """Write a vignette. Without `slug`, one is made from the name."""
    with transaction(session):
        vignette = service.create_vignette(session, body, facilitator_id=facilitator.id or 0)
    return public(vignette)


@router.patch("/vignettes/{slug}")
def update_vignette(
    slug: str, body: service.VignetteUpdate, session: SessionDep, facilitator: CurrentFacilitator
) -> VignettePublic:
    """Change an own vignette (any facilitator may), or archive or restore it with `archived`.
    Built-in vignettes are duplicated instead. While an event that is not closed uses it, its
    content notes can be added to but not removed (409)."""
    with transaction(session):
        vignette = service.get_vignette(session, slug[:80])
        open_events = events.events_using_vignette(session, vignette.id or 0)
        service.update_vignette(session, vignette, body, open_events=open_events)
    return public(vignette)


@router.post("/vignettes/{slug}/duplicate", status_code=201)
def duplicate_vignette(
    slug: str,
    session: SessionDep,
    facilitator: CurrentFacilitator,
    body: Annotated[service.VignetteDuplicate | None, Body()] = None,
) -> VignettePublic:
    """An own, editable copy of any vignette; give `name` or `slug` to set them."""
    with transaction(session):
        original = service.get_vignette(session, slug[:80])
        copy = service.duplicate_vignette(
            session, original, body or service.VignetteDuplicate(), facilitator_id=facilitator.id or 0
        )
    return public(copy)
