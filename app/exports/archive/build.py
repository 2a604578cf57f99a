"""Building an event's archive (the shape is in `schema`): votes as totals per improvement and
"I'm here as" group, small groups merged exactly as the priority list merges them."""

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from sqlmodel import Session, col, func, select

from app.actions.models import Action
from app.annotations.models import Annotation
from app.events import service as events
from app.events.models import Event
from app.exports.archive.schema import (
    FORMAT,
    OTHER,
    VERSION,
    VIGNETTE_FIELDS,
    utc,
)
from app.improvements.models import (
    Evidence,
    Improvement,
)
from app.journeys import service as journeys
from app.journeys.models import JourneyMap
from app.organisations import service as organisations
from app.participants.groups import merge_small_groups
from app.participants.models import HereAs, Participant
from app.phases import service as phases
from app.reviews import service as reviews
from app.reviews.models import ReviewSchedule, StatusChange
from app.timeutil import to_the_hour, utcnow
from app.vignettes.models import Vignette
from app.voting.models import Vote


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
    for team_view in teams:
        for v in team_view.vignettes:
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
        if (
            a.vignette_id
            and a.vignette_id not in vignettes
            and (found := session.get(Vignette, a.vignette_id))
        ):
            vignettes[a.vignette_id] = found
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
    action_keys = {a.id or 0: n for n, a in enumerate(actions, start=1)}
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
            "organisation": organisations.organisation_name(session, event.organisation_id),
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
                "key": action_keys[a.id or 0],
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
        **_reviews(session, event, action_keys),
    }


def _reviews(session: Session, event: Event, action_keys: dict[int, int]) -> dict[str, Any]:
    found = session.exec(select(ReviewSchedule).where(ReviewSchedule.event_id == event.id)).first()
    by_review: dict[int, list[StatusChange]] = {}
    for changes in reviews.event_history(session, event.id or 0).values():
        for c in changes:
            by_review.setdefault(c.review_id, []).append(c)
    return {
        "review_schedule": {
            "interval_weeks": found.interval_weeks,
            "first_review": found.first_review.isoformat(),
        }
        if found
        else None,
        "reviews": [
            {
                "held_on": r.held_on.isoformat(),
                "attendees": r.attendees,
                "changes": [
                    {
                        "action": action_keys[c.action_id],
                        "status": c.status.value,
                        "note": c.note,
                        "evidence_url": c.evidence_url,
                    }
                    for c in sorted(by_review.get(r.id or 0, []), key=lambda c: c.id or 0)
                ],
            }
            for r in reviews.event_reviews(session, event.id or 0)
        ],
    }


def _stamp(value: dt.datetime) -> str:
    """UTC, to the second, the same from SQLite and PostgreSQL."""
    return utc(value).replace(microsecond=0).isoformat()


def _vignette(v: Vignette) -> dict[str, Any]:
    return {"slug": v.slug, **{name: getattr(v, name) for name in VIGNETTE_FIELDS}}
