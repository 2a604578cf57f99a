"""All HTML pages, gathered from each domain's views module."""

from fastapi import APIRouter

from app.events import views as events
from app.exports import views as exports
from app.facilitators import views as facilitators
from app.participants import views as participants
from app.phases import views as phases
from app.vignettes import views as vignettes

router = APIRouter(include_in_schema=False)
for module in (facilitators, events, participants, vignettes, phases, exports):
    router.include_router(module.router)
