"""The JSON archive of a whole event, and restoring one as a new event on any Lenswalk.

The archive holds what the room may see and what is needed to carry on: the journey map, the
teams with the full text of their vignettes (so it restores where they are missing), the agenda,
the annotations (visible ones only, with no link to who wrote them, and only the hour each was
written in: restoring needs their order, which the archive's own order keeps, not the second beside
a team that could point at a person), the improvements with their evidence, the action plan and
the voting settings. Votes are kept as totals per improvement and
"I'm here as" group, small groups merged into "other" exactly as the priority list shows them:
no ballot, no participant and no token is ever in it.

Restoring creates stand-in voters with no token, spread so that every improvement gets the same
totals and each group the same breakdown (voters from "other" are spread over the groups that were
not shown, each kept below the minimum size so they stay merged). Everything is validated first,
then written in one transaction: a bad archive leaves nothing behind."""

import datetime as dt
import heapq
from collections import Counter, defaultdict
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, WithJsonSchema
from sqlmodel import Session, col, func, select

from app.actions.models import OWNER_MAX, WHAT_MAX, Action, ActionStatus
from app.actions.service import EARLIEST, LATEST, MAX_ACTIONS_PER_IMPROVEMENT
from app.annotations.models import TEXT_MAX, Annotation, Kind, Principle
from app.errors import Invalid
from app.events import service as events
from app.events.models import Event, EventFacilitator, EventStatus, Team, TeamVignette
from app.improvements.models import (
    MAX_EVIDENCE,
    TITLE_MAX,
    Cost,
    Driver,
    Effort,
    Evidence,
    Horizon,
    Improvement,
)
from app.improvements.service import MAX_IMPROVEMENTS
from app.journeys import service as journeys
from app.journeys.models import JourneyMap, Stage, Touchpoint
from app.journeys.service import MAX_STAGES, MAX_TOUCHPOINTS_PER_STAGE
from app.participants.models import HereAs, Participant
from app.phases import service as phases
from app.phases.models import Phase
from app.phases.service import MAX_PHASES, merge_small_groups
from app.timeutil import to_the_hour, utcnow
from app.vignettes.models import Vignette
from app.voting.models import Vote, VotingStatus

FORMAT = "lenswalk-event-archive"
VERSION = 1
OTHER = "other"
MAX_ANNOTATIONS = 20_000
# Events once had up to 20 teams (now 12, app/events/service.py): their archives still restore.
MAX_TEAMS = 20
MAX_VIGNETTES = 2 * MAX_TEAMS * 6
MAX_VOTERS = 5_000
# The body limit for an upload (app/security/body_size.py knows the same paths).
MAX_BYTES = 8 * 1024 * 1024

Key = Annotated[int, Field(ge=1, le=10_000_000)]
Slug = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[a-z0-9][a-z0-9-]*$")]


class Group(StrEnum):
    """The "I'm here as" groups (app.participants.models.HereAs), and "other" for small ones merged."""

    staff = "staff"
    partner = "partner"
    lived_experience = "lived_experience"
    prefer_not_to_say = "prefer_not_to_say"
    other = "other"


Stamp = Annotated[dt.datetime, WithJsonSchema({"type": "string", "format": "date-time", "maxLength": 40})]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ArchiveEvent(_Strict):
    title: str = Field(min_length=1, max_length=200)
    date: dt.date | None = None
    phase: str = Field(default="welcome", max_length=40)
    support_info: str = Field(default="", max_length=2000)
    changes_close_days: int = Field(default=7, ge=0, le=90)
    retention_days: int = Field(default=30, ge=1, le=3650)


class ArchiveVoting(_Strict):
    status: VotingStatus = VotingStatus.closed
    dots_per_participant: int = Field(default=3, ge=1, le=20)
    max_dots_per_improvement: int = Field(default=2, ge=1, le=20)
    revealed: bool = False
    participants_may_group: bool = False


class ArchiveTouchpoint(_Strict):
    key: Key
    name: str = Field(min_length=1, max_length=120)
    prompt: str = Field(default="", max_length=500)


class ArchiveStage(_Strict):
    name: str = Field(min_length=1, max_length=120)
    description: str = Field(default="", max_length=500)
    touchpoints: list[ArchiveTouchpoint] = Field(default_factory=list, max_length=MAX_TOUCHPOINTS_PER_STAGE)


class ArchiveJourney(_Strict):
    name: str = Field(min_length=1, max_length=120)
    description: str = Field(default="", max_length=1000)
    stages: list[ArchiveStage] = Field(min_length=1, max_length=MAX_STAGES)


class ArchiveVignette(_Strict):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)  # the story as written
    slug: Slug
    name: str = Field(min_length=1, max_length=80)
    age: int | None = Field(default=None, ge=0, le=120)
    tier: str = Field(default="", max_length=20)
    tier_label: str = Field(default="", max_length=80)
    referral_route: str = Field(default="", max_length=200)
    summary: str = Field(default="", max_length=500)
    story: str = Field(default="", max_length=6000)
    discussion_purpose: str = Field(default="", max_length=1000)
    content_notes: list[Annotated[str, Field(max_length=80)]] = Field(default_factory=list, max_length=12)
    prompts: list[Annotated[str, Field(max_length=500)]] = Field(default_factory=list, max_length=20)
    source: str = Field(default="", max_length=500)


class ArchiveTeam(_Strict):
    key: Key
    name: str = Field(min_length=1, max_length=80)
    vignettes: list[Slug] = Field(default_factory=list, max_length=6)


class ArchivePhase(_Strict):
    slug: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_-]+$")
    name: str = Field(min_length=1, max_length=80)
    duration_minutes: int = Field(default=15, ge=0, le=600)
    skipped: bool = False
    private_writing: bool = False


class ArchiveAnnotation(_Strict):
    key: Key
    touchpoint: Key
    team: Key | None = None
    vignette: Slug | None = None
    kind: Kind
    principles: list[Principle] = Field(min_length=1, max_length=5)
    text: str = Field(min_length=1, max_length=TEXT_MAX)
    created_at: Stamp
    from_paper: bool = False


class ArchiveImprovement(_Strict):
    key: Key
    title: str = Field(min_length=1, max_length=TITLE_MAX)
    driver: Driver
    effort: Effort | None = None
    cost: Cost | None = None
    horizon: Horizon | None = None
    evidence: list[Key] = Field(default_factory=list, max_length=MAX_EVIDENCE)


class ArchiveVoterGroup(_Strict):
    group: Group
    voters: int = Field(ge=1, le=MAX_VOTERS)


class ArchiveDots(_Strict):
    improvement: Key
    group: Group
    dots: int = Field(ge=1, le=MAX_VOTERS * 20)


class ArchiveVotes(_Strict):
    """Totals only: dots per improvement and group, and how many people voted in each group."""

    min_group_size: int = Field(default=5, ge=1, le=1000)
    groups: list[ArchiveVoterGroup] = Field(default_factory=list, max_length=len(HereAs) + 1)
    dots: list[ArchiveDots] = Field(default_factory=list, max_length=MAX_IMPROVEMENTS * (len(HereAs) + 1))


class ArchiveAction(_Strict):
    improvement: Key
    what: str = Field(min_length=1, max_length=WHAT_MAX)
    owner: str = Field(min_length=1, max_length=OWNER_MAX)
    driver: Driver
    due: dt.date = Field(ge=EARLIEST, le=LATEST)
    review: dt.date = Field(ge=EARLIEST, le=LATEST)
    status: ActionStatus = ActionStatus.not_started


class Archive(_Strict):
    """A whole event, as `GET /api/v1/events/{id}/export/json` gives it."""

    format: Literal["lenswalk-event-archive"] = Field(json_schema_extra={"maxLength": 40})
    version: Literal[1]
    exported_at: Stamp | None = None
    event: ArchiveEvent
    voting: ArchiveVoting = Field(default_factory=ArchiveVoting)
    journey_map: ArchiveJourney
    vignettes: list[ArchiveVignette] = Field(default_factory=list, max_length=MAX_VIGNETTES)
    teams: list[ArchiveTeam] = Field(default_factory=list, max_length=MAX_TEAMS)
    agenda: list[ArchivePhase] = Field(default_factory=list, max_length=MAX_PHASES)
    annotations: list[ArchiveAnnotation] = Field(default_factory=list, max_length=MAX_ANNOTATIONS)
    improvements: list[ArchiveImprovement] = Field(default_factory=list, max_length=MAX_IMPROVEMENTS)
    votes: ArchiveVotes = Field(default_factory=ArchiveVotes)
    actions: list[ArchiveAction] = Field(
        default_factory=list, max_length=MAX_IMPROVEMENTS * MAX_ACTIONS_PER_IMPROVEMENT
    )


class Imported(BaseModel):
    id: int
    title: str
    status: EventStatus
    join_code: str


# ---- building one ------------------------------------------------------------------------------------


def _voter_groups(session: Session, event: Event, min_group_size: int) -> tuple[dict[str, int], int]:
    """Voters per shown "I'm here as" group, and how many were merged into "other", as
    `voting.priorities` merges them."""
    counts = {
        HereAs(here_as).value: int(n)
        for here_as, n in session.exec(
            select(Participant.here_as, func.count(func.distinct(Vote.participant_id)))
            .join(Vote, col(Vote.participant_id) == Participant.id)
            .where(Vote.event_id == event.id)
            .group_by(col(Participant.here_as))
        )
    }
    shown, other = merge_small_groups(counts, min_group_size)
    if not shown:
        return {}, sum(counts.values())
    return dict(shown), other


def build_archive(session: Session, event: Event, *, min_group_size: int) -> dict[str, Any]:
    event_id = event.id or 0
    stage_views = journeys.stages(session, event.journey_map_id)
    journey = session.get(JourneyMap, event.journey_map_id)
    tp_keys: dict[int, int] = {}
    stages = []
    for view in stage_views:
        touchpoints = []
        for tp in view.touchpoints:
            tp_keys[tp.id or 0] = len(tp_keys) + 1
            touchpoints.append({"key": tp_keys[tp.id or 0], "name": tp.name, "prompt": tp.prompt})
        stages.append(
            {"name": view.stage.name, "description": view.stage.description, "touchpoints": touchpoints}
        )
    teams = events.teams(session, event_id)
    team_keys = {view.team.id or 0: n for n, view in enumerate(teams, start=1)}
    vignettes: dict[int, Vignette] = {}
    for view in teams:
        for v in view.vignettes:
            vignettes.setdefault(v.id or 0, v)
    slugs = {v.id: v.slug for v in session.exec(select(Vignette))}

    rows = session.exec(
        select(Annotation)
        .where(
            Annotation.event_id == event_id,
            col(Annotation.hidden).is_(False),
            col(Annotation.private).is_(False),
        )
        .order_by(col(Annotation.created_at), col(Annotation.id))
    ).all()
    annotation_keys: dict[int, int] = {}
    annotations = []
    for a in rows:
        annotation_keys[a.id or 0] = len(annotation_keys) + 1
        vignette_slug = slugs.get(a.vignette_id) if a.vignette_id else None
        if a.vignette_id and a.vignette_id not in vignettes and (v := session.get(Vignette, a.vignette_id)):
            vignettes[a.vignette_id] = v
        annotations.append(
            {
                "key": annotation_keys[a.id or 0],
                "touchpoint": tp_keys[a.touchpoint_id],
                "team": team_keys.get(a.team_id or 0),
                "vignette": vignette_slug,
                "kind": a.kind.value,
                "principles": list(a.principles),
                "text": a.text,
                "created_at": _stamp(to_the_hour(a.created_at)),
                "from_paper": a.from_paper,
            }
        )

    improvements = list(
        session.exec(
            select(Improvement).where(Improvement.event_id == event_id).order_by(col(Improvement.id))
        )
    )
    improvement_keys = {i.id or 0: n for n, i in enumerate(improvements, start=1)}
    evidence: dict[int, list[int]] = defaultdict(list)
    for improvement_id, annotation_id in session.exec(
        select(Evidence.improvement_id, Evidence.annotation_id)
        .where(col(Evidence.improvement_id).in_(list(improvement_keys)))
        .order_by(col(Evidence.id))
    ):
        if annotation_id in annotation_keys:
            evidence[improvement_id].append(annotation_keys[annotation_id])

    shown, other = _voter_groups(session, event, min_group_size)
    dots: Counter[tuple[int, str]] = Counter()
    for improvement_id, here_as, n in session.exec(
        select(Vote.improvement_id, Participant.here_as, func.sum(Vote.dots))
        .join(Participant, col(Participant.id) == Vote.participant_id)
        .where(Vote.event_id == event_id)
        .group_by(col(Vote.improvement_id), col(Participant.here_as))
    ):
        group = HereAs(here_as).value
        dots[(improvement_keys[improvement_id], group if group in shown else OTHER)] += int(n)

    actions = session.exec(select(Action).where(Action.event_id == event_id).order_by(col(Action.id))).all()
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": _stamp(utcnow()),
        "event": {
            "title": event.title,
            "date": event.date.isoformat() if event.date else None,
            "phase": event.phase,
            "support_info": event.support_info,
            "changes_close_days": event.changes_close_days,
            "retention_days": event.retention_days,
        },
        "voting": {
            "status": event.voting_status.value,
            "dots_per_participant": event.dots_per_participant,
            "max_dots_per_improvement": event.max_dots_per_improvement,
            "revealed": event.votes_revealed,
            "participants_may_group": event.participants_may_group,
        },
        "journey_map": {
            "name": journey.name if journey else event.title[:120],
            "description": journey.description if journey else "",
            "stages": stages,
        },
        "vignettes": [_vignette(v) for v in vignettes.values()],
        "teams": [
            {
                "key": team_keys[view.team.id or 0],
                "name": view.team.name,
                "vignettes": [v.slug for v in view.vignettes],
            }
            for view in teams
        ],
        "agenda": [
            {
                "slug": p.slug,
                "name": p.name,
                "duration_minutes": p.duration_minutes,
                "skipped": p.skipped,
                "private_writing": p.private_writing,
            }
            for p in phases.agenda(session, event_id)
        ],
        "annotations": annotations,
        "improvements": [
            {
                "key": improvement_keys[i.id or 0],
                "title": i.title,
                "driver": i.driver.value,
                "effort": i.effort.value if i.effort else None,
                "cost": i.cost.value if i.cost else None,
                "horizon": i.horizon.value if i.horizon else None,
                "evidence": evidence.get(i.id or 0, []),
            }
            for i in improvements
        ],
        "votes": {
            "min_group_size": min_group_size,
            "groups": [{"group": g, "voters": n} for g, n in shown.items()]
            + ([{"group": OTHER, "voters": other}] if other else []),
            "dots": [
                {"improvement": key, "group": group, "dots": n} for (key, group), n in sorted(dots.items())
            ],
        },
        "actions": [
            {
                "improvement": improvement_keys[a.improvement_id],
                "what": a.what,
                "owner": a.owner,
                "driver": a.driver.value,
                "due": a.due.isoformat(),
                "review": a.review.isoformat(),
                "status": a.status.value,
            }
            for a in actions
        ],
    }


def _stamp(value: dt.datetime) -> str:
    """UTC, to the second, the same from SQLite and PostgreSQL."""
    return _utc(value).replace(microsecond=0).isoformat()


def _utc(value: dt.datetime) -> dt.datetime:
    # A time without a zone is read as UTC, as the tables keep every time.
    return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)


VIGNETTE_FIELDS = (
    "name",
    "age",
    "tier",
    "tier_label",
    "referral_route",
    "summary",
    "story",
    "discussion_purpose",
    "content_notes",
    "prompts",
    "source",
)


def _vignette(v: Vignette) -> dict[str, Any]:
    return {"slug": v.slug, **{name: getattr(v, name) for name in VIGNETTE_FIELDS}}


# ---- restoring one -----------------------------------------------------------------------------------


def parse_archive(raw: bytes | str) -> Archive:
    """Read an uploaded file: a clear message for anything that is not an archive we can restore."""
    try:
        return Archive.model_validate_json(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors()[:5]:
            where = ".".join(str(part) for part in err["loc"])
            problems.append(f"{where}: {err['msg']}" if where else str(err["msg"]))
        raise Invalid(
            "That file is not a Lenswalk event archive we can restore. " + "; ".join(problems)
        ) from None


def _unique(name: str, keys: list[int]) -> set[int]:
    found = set(keys)
    if len(found) != len(keys):
        raise Invalid(f"The archive's {name} repeat a key.")
    return found


def _check(archive: Archive) -> None:
    touchpoints = _unique("touchpoints", [tp.key for s in archive.journey_map.stages for tp in s.touchpoints])
    teams = _unique("teams", [t.key for t in archive.teams])
    annotations = _unique("annotations", [a.key for a in archive.annotations])
    improvements = _unique("improvements", [i.key for i in archive.improvements])
    slugs = [v.slug for v in archive.vignettes]
    if len(set(slugs)) != len(slugs):
        raise Invalid("The archive's vignettes repeat a slug.")
    if len({p.slug for p in archive.agenda}) != len(archive.agenda):
        raise Invalid("The archive's agenda repeats a phase.")
    for team in archive.teams:
        if any(slug not in slugs for slug in team.vignettes):
            raise Invalid(f"Team {team.name!r} uses a vignette the archive does not include.")
    for a in archive.annotations:
        if a.touchpoint not in touchpoints or (a.team is not None and a.team not in teams):
            raise Invalid("An annotation is on a touchpoint or team the archive does not include.")
        if a.vignette is not None and a.vignette not in slugs:
            raise Invalid("An annotation names a vignette the archive does not include.")
    for i in archive.improvements:
        if any(key not in annotations for key in i.evidence):
            raise Invalid(f"Improvement {i.title!r} links to an annotation the archive does not include.")
    per_improvement: Counter[int] = Counter()
    for action in archive.actions:
        if action.improvement not in improvements:
            raise Invalid("An action belongs to an improvement the archive does not include.")
        per_improvement[action.improvement] += 1
    if per_improvement and max(per_improvement.values()) > MAX_ACTIONS_PER_IMPROVEMENT:
        raise Invalid(f"An improvement can have at most {MAX_ACTIONS_PER_IMPROVEMENT} actions.")
    groups = [g.group for g in archive.votes.groups]
    if len(set(groups)) != len(groups):
        raise Invalid("The archive's votes repeat a group.")
    seen: set[tuple[int, str]] = set()
    for d in archive.votes.dots:
        if d.improvement not in improvements or d.group not in groups:
            raise Invalid("The archive's votes name an improvement or group it does not include.")
        if (d.improvement, d.group) in seen:
            raise Invalid("The archive's votes repeat an improvement and group.")
        seen.add((d.improvement, d.group))
    voting = archive.voting
    if voting.max_dots_per_improvement > voting.dots_per_participant:
        raise Invalid("At most as many dots on one improvement as each person has.")
    for g in archive.votes.groups:
        placed = sum(d.dots for d in archive.votes.dots if d.group == g.group)
        if placed > g.voters * voting.dots_per_participant or (placed and placed < g.voters):
            raise Invalid("The archive's votes do not add up: more dots than its voters could place.")


def _vignette_ids(session: Session, archive: Archive, facilitator_id: int) -> dict[str, int]:
    """The archive's vignettes on this instance: the same one where it is here already (a built-in
    one by its slug, its wording may have been revised since), otherwise a new one with the archive's
    words (under a new slug if this instance uses the slug for another)."""
    result: dict[str, int] = {}
    for v in archive.vignettes:
        data = v.model_dump(exclude={"slug"})
        here = session.exec(select(Vignette).where(Vignette.slug == v.slug)).first()
        if here is not None and (here.builtin or all(getattr(here, k) == data[k] for k in VIGNETTE_FIELDS)):
            result[v.slug] = here.id or 0
            continue
        slug, n = v.slug, 1
        while here is not None:
            n += 1
            slug = f"{v.slug[:70]}-{n}"
            here = session.exec(select(Vignette).where(Vignette.slug == slug)).first()
            if here is not None and all(getattr(here, k) == data[k] for k in VIGNETTE_FIELDS):
                break
        if here is None:
            here = Vignette(slug=slug, builtin=False, created_by=facilitator_id, **data)
            session.add(here)
            session.flush()
        result[v.slug] = here.id or 0
    return result


def _ballots(voters: int, dots: dict[int, int], budget: int, most_on_one: int) -> list[dict[int, int]]:
    """Stand-in ballots for one group: `voters` people whose dots add up to `dots` per improvement,
    none over the budget or over the most on one improvement, and each with at least one dot
    (so the number of voters is kept). One dot at a time goes to whoever has the most left."""
    ballots: list[dict[int, int]] = [{} for _ in range(voters)]
    left = [budget] * voters
    heap = [(-budget, n) for n in range(voters)]
    for improvement, total in sorted(dots.items(), key=lambda item: (-item[1], item[0])):
        for _ in range(total):
            parked = []
            while heap and (ballots[heap[0][1]].get(improvement, 0) >= most_on_one or left[heap[0][1]] <= 0):
                parked.append(heapq.heappop(heap))
            if heap:
                _, n = heapq.heappop(heap)
            else:  # no stand-in can take it: one more voter keeps the totals right
                ballots.append({})
                left.append(budget)
                n = len(ballots) - 1
            ballots[n][improvement] = ballots[n].get(improvement, 0) + 1
            left[n] -= 1
            heapq.heappush(heap, (-left[n], n))
            for item in parked:
                heapq.heappush(heap, item)
    return [b for b in ballots if b]


def _here_as_for_other(archive: Archive, count: int) -> list[HereAs]:
    """Groups for the voters merged into "other": spread over the groups that were not shown, each
    below the minimum size, so they are merged again; if they cannot all fit, "prefer not to say"."""
    shown = {g.group for g in archive.votes.groups}
    spare = [h for h in HereAs if h.value not in shown]
    room = archive.votes.min_group_size - 1
    if not spare or count > len(spare) * room:
        return [HereAs.prefer_not_to_say] * count
    return [spare[n % len(spare)] for n in range(count)]


def import_archive(session: Session, archive: Archive, *, facilitator_id: int) -> Event:
    """A new event from an archive, run by the importing facilitator, with a fresh join code. It
    starts closed: it is a record of an event that has happened, so nobody can join it by an old
    code, and its action plan can be edited at once (the facilitator may open it again)."""
    _check(archive)
    journey = JourneyMap(name=archive.journey_map.name, description=archive.journey_map.description)
    session.add(journey)
    session.flush()
    tp_ids: dict[int, int] = {}
    for s_pos, s in enumerate(archive.journey_map.stages):
        stage = Stage(journey_map_id=journey.id or 0, position=s_pos, name=s.name, description=s.description)
        session.add(stage)
        session.flush()
        for t_pos, t in enumerate(s.touchpoints):
            tp = Touchpoint(
                journey_map_id=journey.id or 0,
                stage_id=stage.id or 0,
                position=t_pos,
                name=t.name,
                prompt=t.prompt,
            )
            session.add(tp)
            session.flush()
            tp_ids[t.key] = tp.id or 0

    code = events.new_join_code()
    while session.exec(select(Event.id).where(Event.join_code == code)).first() is not None:
        code = events.new_join_code()
    agenda_slugs = {p.slug for p in archive.agenda}
    voting = archive.voting
    event = Event(
        title=archive.event.title,
        date=archive.event.date,
        journey_map_id=journey.id or 0,
        join_code=code,
        status=EventStatus.closed,
        closed_at=utcnow(),
        phase=archive.event.phase if archive.event.phase in agenda_slugs else "welcome",
        dots_per_participant=voting.dots_per_participant,
        max_dots_per_improvement=voting.max_dots_per_improvement,
        voting_status=VotingStatus.closed if voting.status == VotingStatus.open else voting.status,
        votes_revealed=voting.revealed,
        participants_may_group=voting.participants_may_group,
        support_info=archive.event.support_info,
        changes_close_days=archive.event.changes_close_days,
        retention_days=archive.event.retention_days,
    )
    session.add(event)
    session.flush()
    event_id = event.id or 0
    session.add(EventFacilitator(event_id=event_id, facilitator_id=facilitator_id))
    session.add_all(
        Phase(
            event_id=event_id,
            slug=p.slug,
            name=p.name,
            duration_minutes=p.duration_minutes,
            position=n,
            skipped=p.skipped,
            private_writing=p.private_writing,
        )
        for n, p in enumerate(archive.agenda)
    )
    if not archive.agenda:
        phases.ensure_agenda(session, event)

    vignette_ids = _vignette_ids(session, archive, facilitator_id)
    team_ids: dict[int, int] = {}
    for position, t in enumerate(archive.teams):
        team = Team(event_id=event_id, name=t.name, position=position)
        session.add(team)
        session.flush()
        team_ids[t.key] = team.id or 0
        session.add_all(
            TeamVignette(team_id=team.id or 0, vignette_id=vignette_ids[slug], position=n)
            for n, slug in enumerate(dict.fromkeys(t.vignettes))
        )

    annotations = [
        Annotation(
            event_id=event_id,
            touchpoint_id=tp_ids[a.touchpoint],
            team_id=team_ids.get(a.team) if a.team is not None else None,
            vignette_id=vignette_ids[a.vignette] if a.vignette else None,
            kind=a.kind,
            principles=[p.value for p in Principle if p in set(a.principles)],
            text=a.text,
            created_at=to_the_hour(_utc(a.created_at)),
            updated_at=to_the_hour(_utc(a.created_at)),
            from_paper=a.from_paper,
        )
        for a in archive.annotations
    ]
    session.add_all(annotations)
    session.flush()
    annotation_ids = {a.key: row.id or 0 for a, row in zip(archive.annotations, annotations, strict=True)}

    improvement_ids: dict[int, int] = {}
    for i in archive.improvements:
        improvement = Improvement(
            event_id=event_id, title=i.title, driver=i.driver, effort=i.effort, cost=i.cost, horizon=i.horizon
        )
        session.add(improvement)
        session.flush()
        improvement_ids[i.key] = improvement.id or 0
        session.add_all(
            Evidence(improvement_id=improvement.id or 0, annotation_id=annotation_ids[key])
            for key in dict.fromkeys(i.evidence)
        )

    other_here_as: list[HereAs] = []
    for g in archive.votes.groups:
        dots = {improvement_ids[d.improvement]: d.dots for d in archive.votes.dots if d.group == g.group}
        ballots = _ballots(g.voters, dots, voting.dots_per_participant, voting.max_dots_per_improvement)
        if g.group == OTHER:
            other_here_as = _here_as_for_other(archive, len(ballots))
        people = [
            Participant(event_id=event_id, here_as=other_here_as[n] if g.group == OTHER else HereAs(g.group))
            for n in range(len(ballots))
        ]
        session.add_all(people)
        session.flush()
        session.add_all(
            Vote(event_id=event_id, improvement_id=improvement, participant_id=person.id or 0, dots=n)
            for person, ballot in zip(people, ballots, strict=True)
            for improvement, n in ballot.items()
        )

    session.add_all(
        Action(
            event_id=event_id,
            improvement_id=improvement_ids[a.improvement],
            what=a.what,
            owner=a.owner,
            driver=a.driver,
            due=a.due,
            review=a.review,
            status=a.status,
        )
        for a in archive.actions
    )
    session.flush()
    return event
