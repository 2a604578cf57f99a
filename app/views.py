"""All HTML pages, gathered from each domain's views module."""

from fastapi import APIRouter

from app.actions import views as actions
from app.annotations import views as annotations
from app.attendance import views as attendance
from app.events import views as events
from app.exports import views as exports
from app.facilitators import views as facilitators
from app.improvements import views as improvements
from app.journeys import views as journeys
from app.organisations import views as organisations
from app.paper import views as paper
from app.participants import views as participants
from app.phases import views as phases
from app.reviews import views as reviews
from app.support import views as support
from app.teams import views as teams
from app.vignettes import views as vignettes
from app.voting import views as voting

router = APIRouter(include_in_schema=False)
for module in (
    facilitators,
    events,
    attendance,
    teams,
    participants,
    annotations,
    support,
    vignettes,
    journeys,
    phases,
    improvements,
    voting,
    actions,
    exports,
    organisations,
    paper,
    reviews,
):
    router.include_router(module.router)
