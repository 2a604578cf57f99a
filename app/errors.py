"""Domain errors. Services raise these; `app.main` turns them into a page, a fragment or JSON."""

from typing import TypeVar

T = TypeVar("T")


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Invalid(DomainError):
    status_code = 422


class NotSignedIn(DomainError):
    status_code = 401


class Forbidden(DomainError):
    status_code = 403


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    status_code = 409


class TooManyRequests(DomainError):
    status_code = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def found(row: T | None, message: str) -> T:
    """The row a lookup found, else NotFound with what the person asked for, in their words:
    `found(session.get(Action, action_id), "That action does not exist...")`."""
    if row is None:
        raise NotFound(message)
    return row
