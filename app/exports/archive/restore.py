"""Restoring an archive as a new event on any Lenswalk.

Restoring creates stand-in voters with no token, spread so that every improvement gets the same
totals and each group the same breakdown (voters from "other" are spread over the groups that were
not shown, each kept below the minimum size so they stay merged). Everything is validated first,
then written in one transaction: a bad archive leaves nothing behind."""

import heapq
from collections import Counter

from sqlmodel import Session, select

from app.actions.models import Action
from app.actions.service import MAX_ACTIONS_PER_IMPROVEMENT
from app.annotations.models import Annotation, Principle
from app.errors import Invalid
from app.events import service as events
from app.events.models import Event, EventFacilitator, EventStatus, Team, TeamVignette
from app.exports.archive.schema import (
    OTHER,
    VIGNETTE_FIELDS,
    Archive,
    ArchiveProgress,
    utc,
)
from app.improvements.models import (
    Evidence,
    Improvement,
)
from app.journeys.models import JourneyMap, Stage, Touchpoint
from app.organisations import service as organisations
from app.participants.models import HereAs, Participant
from app.phases import service as phases
from app.phases.models import Phase
from app.progress import service as progress
from app.reviews.models import Review, ReviewSchedule, StatusChange
from app.timeutil import to_the_hour, utcnow
from app.vignettes.models import Vignette
from app.voting.models import Vote, VotingStatus


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
    action_keys = _unique("actions", [a.key for a in archive.actions if a.key])
    for action in archive.actions:
        if action.improvement not in improvements:
            raise Invalid("An action belongs to an improvement the archive does not include.")
    for review in archive.reviews:
        changed = [c.action for c in review.changes]
        if not set(changed) <= action_keys:
            raise Invalid("A review changes an action the archive does not include.")
        if len(changed) != len(set(changed)):
            raise Invalid("A review can change each action only once.")
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
        organisation_id=organisations.home_organisation_id(session, facilitator_id),
    )
    session.add(event)
    session.flush()
    event_id = event.id or 0
    session.add(EventFacilitator(event_id=event_id, facilitator_id=facilitator_id))
    # An archived phase carries every field of a phase but its event and position.
    session.add_all(
        Phase(event_id=event_id, position=n, **p.model_dump()) for n, p in enumerate(archive.agenda)
    )
    if not archive.agenda:
        phases.ensure_agenda(session, event)

    vignette_ids = _vignette_ids(session, archive, facilitator_id)
    team_ids: dict[int, int] = {}
    for position, team_in in enumerate(archive.teams):
        team = Team(event_id=event_id, name=team_in.name, position=position)
        session.add(team)
        session.flush()
        team_ids[team_in.key] = team.id or 0
        session.add_all(
            TeamVignette(team_id=team.id or 0, vignette_id=vignette_ids[slug], position=n)
            for n, slug in enumerate(dict.fromkeys(team_in.vignettes))
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
            created_at=to_the_hour(utc(a.created_at)),
            updated_at=to_the_hour(utc(a.created_at)),
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

    actions = [
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
    ]
    session.add_all(actions)
    session.flush()
    action_ids = {a.key: row.id or 0 for a, row in zip(archive.actions, actions, strict=True) if a.key}
    _restore_reviews(session, archive, event_id, action_ids)
    if archive.progress is not None:
        _restore_progress(session, event, archive.progress, improvement_ids, actions)
    return event


def _restore_reviews(session: Session, archive: Archive, event_id: int, action_ids: dict[int, int]) -> None:
    if archive.review_schedule:
        session.add(ReviewSchedule(event_id=event_id, **archive.review_schedule.model_dump()))
    for r in archive.reviews:
        review = Review(event_id=event_id, held_on=r.held_on, attendees=[a.model_dump() for a in r.attendees])
        session.add(review)
        session.flush()
        session.add_all(
            StatusChange(
                action_id=action_ids[c.action],
                review_id=review.id or 0,
                status=c.status,
                note=c.note,
                evidence_url=c.evidence_url,
                changed_on=r.held_on,
            )
            for c in r.changes
        )
    session.flush()


def _restore_progress(
    session: Session,
    event: Event,
    chosen: ArchiveProgress,
    improvement_ids: dict[int, int],
    actions: list[Action],
) -> None:
    """The progress page's choices, unpublished (see ArchiveProgress)."""
    if any(k not in improvement_ids for k in chosen.improvements) or any(
        n >= len(actions) for n in chosen.actions
    ):
        raise Invalid("progress: it names a priority or an action the archive does not have.")
    progress.choose_published(
        session,
        event,
        improvement_ids=[improvement_ids[k] for k in chosen.improvements],
        action_ids=[actions[n].id or 0 for n in chosen.actions],
    )
