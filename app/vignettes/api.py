from typing import Any

from fastapi import APIRouter

from app.deps import SessionDep
from app.vignettes import service

router = APIRouter(prefix="/api/v1", tags=["content"])


@router.get("/vignettes")
def list_vignettes(session: SessionDep) -> list[dict[str, Any]]:
    return [v.public() for v in service.list_vignettes(session)]
