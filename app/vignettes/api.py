"""Vignettes over JSON: the catalogue, and writing, changing, duplicating and archiving a
facilitator's own."""

from typing import Annotated

from fastapi import APIRouter, Body

from app.deps import SessionDep, WriteAsFacilitator
from app.vignettes import service
from app.vignettes.models import Vignette, VignettePublic

router = APIRouter(prefix="/api/v1", tags=["content"])


def public(vignette: Vignette) -> VignettePublic:
    return VignettePublic.model_validate(vignette.public())


@router.get("/vignettes")
def list_vignettes(session: SessionDep, include_archived: bool = False) -> list[VignettePublic]:
    """Built-in and own vignettes; archived ones only with `include_archived=true`."""
    return [public(v) for v in service.list_vignettes(session, include_archived=include_archived)]


@router.post("/vignettes", status_code=201)
def create_vignette(body: service.VignetteCreate, write: WriteAsFacilitator) -> VignettePublic:
    """Write a vignette. Without `slug`, one is made from the name."""
    return public(write.account(service.create_vignette, body, facilitator_id=write.signed_in_id))


@router.patch("/vignettes/{slug}")
def update_vignette(slug: str, body: service.VignetteUpdate, write: WriteAsFacilitator) -> VignettePublic:
    """Change an own vignette (any facilitator may), or archive or restore it with `archived`.
    Built-in vignettes are duplicated instead. While an event that is not closed uses it, its
    content notes can be added to but not removed (409)."""
    return public(write.account(service.change_vignette, slug, body))


@router.post("/vignettes/{slug}/duplicate", status_code=201)
def duplicate_vignette(
    slug: str,
    write: WriteAsFacilitator,
    body: Annotated[service.VignetteDuplicate | None, Body()] = None,
) -> VignettePublic:
    """An own, editable copy of any vignette; give `name` or `slug` to set them."""
    data = body or service.VignetteDuplicate()
    return public(write.account(service.copy_vignette, slug, data, facilitator_id=write.signed_in_id))
