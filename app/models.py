"""Every table, imported in one place so Alembic sees the whole schema."""

from app.annotations.models import Annotation
from app.events.models import Event, EventFacilitator, Team, TeamVignette
from app.facilitators.models import Facilitator
from app.journeys.models import JourneyMap, Stage, Touchpoint
from app.participants.models import Participant
from app.roomlog.models import RoomEvent
from app.vignettes.models import Vignette

__all__ = [
    "Annotation",
    "Event",
    "EventFacilitator",
    "Facilitator",
    "JourneyMap",
    "Participant",
    "RoomEvent",
    "Stage",
    "Team",
    "TeamVignette",
    "Touchpoint",
    "Vignette",
]
