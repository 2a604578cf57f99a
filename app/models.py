"""Every table, imported in one place so Alembic sees the whole schema."""

from app.actions.models import Action
from app.annotations.models import Annotation
from app.attendance.models import Attendance
from app.events.models import Event, EventFacilitator, Team, TeamVignette
from app.facilitators.models import Facilitator
from app.improvements.models import Evidence, Improvement
from app.journeys.models import JourneyMap, Stage, Touchpoint
from app.organisations.models import Invitation, Membership, Organisation
from app.participants.models import Participant
from app.phases.models import Phase, Readiness
from app.reviews.models import Review, ReviewSchedule, StatusChange
from app.roomlog.models import RoomEvent
from app.support.models import CheckIn, SupportRequest
from app.vignettes.models import Vignette
from app.voting.models import Vote

__all__ = [
    "Action",
    "Annotation",
    "Attendance",
    "CheckIn",
    "Event",
    "EventFacilitator",
    "Evidence",
    "Facilitator",
    "Improvement",
    "Invitation",
    "JourneyMap",
    "Membership",
    "Organisation",
    "Participant",
    "Phase",
    "Readiness",
    "Review",
    "ReviewSchedule",
    "RoomEvent",
    "Stage",
    "StatusChange",
    "SupportRequest",
    "Team",
    "TeamVignette",
    "Touchpoint",
    "Vignette",
    "Vote",
]
