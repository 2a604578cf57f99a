"""The small-group rule: how many participants are in each team or "I'm here as" group, never a
figure for a group so small that its people could be picked out (`LENSWALK_MIN_GROUP_SIZE`).

Every screen and export that breaks participants down by group (the console's "who is here",
the priority list's votes by group, the archive) merges small groups here."""

from collections import Counter
from dataclasses import dataclass, field

from sqlmodel import Session, col, func, select

from app.events import service as events
from app.participants.models import HERE_AS_LABELS, HereAs, Participant


@dataclass
class GroupCounts:
    total: int
    shown: list[tuple[str, int]]
    other: int  # merged small groups; 0 when there are none
    min_size: int
    # By team only: every team in the facilitator's order with what the console shows for it.
    rows: list[tuple[str, str]] = field(default_factory=list)


def merge_small_groups(counts: dict[str, int], min_size: int) -> tuple[list[tuple[str, int]], int]:
    """Groups smaller than `min_size` are merged into one "other" figure. When that merge alone
    would still single a group out (only one small group, or "other" itself small), the next
    smallest groups join it, so no small group's number can be worked out from the total."""
    groups = sorted(((k, n) for k, n in counts.items() if n > 0), key=lambda item: (item[1], item[0]))
    hidden = [g for g in groups if g[1] < min_size]
    shown = [g for g in groups if g[1] >= min_size]
    while hidden and shown and (len(hidden) == 1 or sum(n for _, n in hidden) < min_size):
        hidden.append(shown.pop(0))
    shown.sort(key=lambda item: (-item[1], item[0]))
    return shown, sum(n for _, n in hidden)


def here_counts(session: Session, event_id: int, min_size: int) -> tuple[GroupCounts, GroupCounts]:
    """Participants by team and by "here as", as the console may show them."""
    rows = session.exec(
        select(Participant.team_id, Participant.here_as, func.count())
        .where(Participant.event_id == event_id)
        .group_by(col(Participant.team_id), col(Participant.here_as))
    ).all()
    team_names = {v.team.id: v.team.name for v in events.teams(session, event_id)}
    by_team: Counter[str] = Counter()
    by_here_as: Counter[str] = Counter()
    for team_id, here_as, n in rows:
        by_team[team_names.get(team_id, "No team yet")] += n
        by_here_as[HERE_AS_LABELS[HereAs(here_as)]] += n
    total = sum(by_team.values())
    result = []
    for counts in (by_team, by_here_as):
        shown, other = merge_small_groups(dict(counts), min_size)
        result.append(GroupCounts(total=total, shown=shown, other=other, min_size=min_size))
    names = [*team_names.values(), *(["No team yet"] if by_team["No team yet"] else [])]
    result[0].rows = [
        (name, team_count_text(by_team[name], dict(result[0].shown), name, min_size)) for name in names
    ]
    return result[0], result[1]


def team_count_text(n: int, shown: dict[str, int], name: str, min_size: int) -> str:
    """A team's count on the console: the number only when the small-group rule lets it show; a
    team merged only to keep a smaller one from being worked out from the total is "N or more"."""
    if name in shown:
        return str(n)
    if n == 0:
        return "nobody yet"
    return f"fewer than {min_size}" if n < min_size else f"{min_size} or more"
