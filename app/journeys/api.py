from typing import Any

from fastapi import APIRouter

from app.deps import SessionDep
from app.journeys import service

router = APIRouter(prefix="/api/v1", tags=["content"])


@router.get("/journey-maps")
def list_journey_maps(session: SessionDep) -> list[dict[str, Any]]:
    """The templates an event's journey map can be copied from."""
    return [
        {
            "id": journey.id,
            "slug": journey.slug,
            "name": journey.name,
            "description": journey.description,
            "stages": [
                {"name": v.stage.name, "touchpoints": [tp.name for tp in v.touchpoints]}
                for v in service.stages(session, journey.id or 0)
            ],
        }
        for journey in service.list_templates(session)
    ]
