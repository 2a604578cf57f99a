"""Facilitator accounts and sign-in."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, func, select

from app.errors import Conflict, Invalid, NotSignedIn
from app.facilitators.models import Facilitator
from app.organisations import service as organisations

_hasher = PasswordHasher()
# Verified against when the email is unknown, so a wrong email takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("lenswalk-dummy-password")

PASSWORD_MIN = 10
PASSWORD_MAX = 200


def _normalise_email(email: str) -> str:
    email = email.strip().lower()
    if "@" not in email or len(email) > 254 or len(email) < 3:
        raise Invalid("Enter a valid email address.")
    return email


def _check_password(password: str) -> None:
    if len(password) < PASSWORD_MIN:
        raise Invalid(f"The password must be at least {PASSWORD_MIN} characters long.")
    if len(password) > PASSWORD_MAX:
        raise Invalid(f"The password can be at most {PASSWORD_MAX} characters long.")


def count_facilitators(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Facilitator)).one()


def add_facilitator(session: Session, *, email: str, password: str, join_default: bool = True) -> Facilitator:
    """A new account; it joins the instance's organisation as a facilitator unless `join_default` is
    False (someone invited elsewhere, who joins by the invitation)."""
    email = _normalise_email(email)
    _check_password(password)
    if session.exec(select(Facilitator).where(Facilitator.email == email)).first():
        raise Conflict("A facilitator with this email already exists.")
    facilitator = Facilitator(email=email, password_hash=_hasher.hash(password))
    session.add(facilitator)
    session.flush()
    if join_default:
        organisations.join_default(session, facilitator.id or 0)
    return facilitator


def sign_up_invited(session: Session, *, token: str, email: str, password: str) -> Facilitator:
    """A new account made from an invitation link joins only the organisation that invited it."""
    organisations.open_invitation(session, token)  # a dead link makes no account
    facilitator = add_facilitator(session, email=email, password=password, join_default=False)
    organisations.accept_invitation(session, token, facilitator_id=facilitator.id or 0)
    return facilitator


def ensure_facilitator(session: Session, *, email: str, password: str) -> Facilitator:
    """Create the account, or reset its password: used for LENSWALK_ADMIN_EMAIL at start-up."""
    email = _normalise_email(email)
    facilitator = session.exec(select(Facilitator).where(Facilitator.email == email)).first()
    if facilitator is None:
        return add_facilitator(session, email=email, password=password)
    _check_password(password)
    try:
        _hasher.verify(facilitator.password_hash, password)
    except (VerificationError, InvalidHashError):
        facilitator.password_hash = _hasher.hash(password)
        session.add(facilitator)
    return facilitator


def authenticate(session: Session, *, email: str, password: str) -> Facilitator:
    email = email.strip().lower()[:254]
    facilitator = session.exec(select(Facilitator).where(Facilitator.email == email)).first()
    try:
        _hasher.verify(facilitator.password_hash if facilitator else _DUMMY_HASH, password[:PASSWORD_MAX])
    except (VerificationError, InvalidHashError):
        facilitator = None
    if facilitator is None:
        raise NotSignedIn("That email and password do not match an account.")
    return facilitator


def get_facilitator(session: Session, facilitator_id: int) -> Facilitator | None:
    return session.get(Facilitator, facilitator_id)


def start_session(store: dict[str, object], facilitator: Facilitator) -> None:
    """What a signed-in browser's session cookie holds."""
    store.clear()
    store["facilitator_id"] = facilitator.id
    store["session_version"] = facilitator.session_version


def session_facilitator(session: Session, store: dict[str, object]) -> Facilitator | None:
    facilitator_id = store.get("facilitator_id")
    if not isinstance(facilitator_id, int):
        return None
    facilitator = get_facilitator(session, facilitator_id)
    if facilitator is None or store.get("session_version") != facilitator.session_version:
        return None
    return facilitator


def end_sessions(session: Session, store: dict[str, object]) -> None:
    """Sign out: this browser, and every other copy of this facilitator's session cookie."""
    facilitator = session_facilitator(session, store)
    store.clear()
    if facilitator is not None:
        facilitator.session_version += 1
        session.add(facilitator)
        session.flush()
