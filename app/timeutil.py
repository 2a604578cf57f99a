from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def to_the_hour(value: datetime) -> datetime:
    """The hour a moment fell in: what an export says of when something was written. An exact
    second beside a team can point at the one person who wrote then."""
    return value.replace(minute=0, second=0, microsecond=0)
