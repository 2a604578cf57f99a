"""Rate limits: guessing join codes, guessing passwords, flooding a room.

Built on the `limits` library: in memory by default, in Redis when LENSWALK_BROKER_URL is
`redis://` (so every instance shares the counts).

What is never limited: correct joins. A whole room reaches the server from one venue address
(shared wifi behind NAT), so 1,000 people joining within a minute must all get in; only *wrong*
codes count, per client and overall.

How a client is told apart without keeping its address: the IP address is hashed with a random
salt that lives only in this process's memory and changes at every start; the hash is the key of
a counter that expires with its window. No address is stored, logged or written anywhere, and
after a restart (or once the window passes) nothing links a counter to anyone.
"""

import hashlib
import hmac
import logging
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from starlette.requests import HTTPConnection

from app.errors import DomainError, TooManyRequests
from app.settings import Settings

T = TypeVar("T")

_SALT = secrets.token_bytes(32)


def blind(value: str) -> str:
    """A counter key that cannot be turned back into what it stands for once this process ends."""
    return hmac.new(_SALT, value.encode(), hashlib.sha256).hexdigest()[:32]


def client_key(connection: HTTPConnection) -> str:
    """A short-lived, unlinkable stand-in for the client's address (see the module docstring)."""
    return blind("ip:" + (connection.client.host if connection.client else ""))


def account_key(email: str) -> str:
    return blind("account:" + email.strip().lower())


log = logging.getLogger("lenswalk.limits")


@dataclass(frozen=True)
class Rule:
    name: str
    items: list[RateLimitItem]
    message: str


class Limiter:
    def __init__(self, settings: Settings) -> None:
        uri = settings.broker_url if settings.broker_url.startswith("redis") else "memory://"
        self.storage = storage_from_string(uri)
        # Counted in this process's memory: a hit is a few microseconds and never waits on I/O.
        self.in_memory = uri == "memory://"
        self.strategy = MovingWindowRateLimiter(self.storage)
        # Deployments (and test runs) sharing one Redis keep their counts apart, as their rooms are.
        ns = settings.broker_channel
        self.wrong_code_per_client = Rule(
            f"{ns}:join-wrong-client",
            parse_many(settings.rate_wrong_join_codes_per_client),
            "Too many wrong join codes from here. Check the code on the screen and try again in a while.",
        )
        self.wrong_code_overall = Rule(
            f"{ns}:join-wrong-all",
            parse_many(settings.rate_wrong_join_codes_overall),
            "Too many wrong join codes have been tried. Joining is paused for a short while.",
        )
        self.signin_per_account = Rule(
            f"{ns}:signin-account",
            parse_many(settings.rate_signin_per_account),
            "Too many sign-in attempts for this account. Wait a while before trying again.",
        )
        self.signin_per_client = Rule(
            f"{ns}:signin-client",
            parse_many(settings.rate_signin_per_client),
            "Too many sign-in attempts from here. Wait a while before trying again.",
        )
        self.writes_per_participant = Rule(
            f"{ns}:writes-participant",
            parse_many(settings.rate_writes_per_participant),
            "You are sending a lot very quickly. Wait a moment, then try again: nothing you sent is lost.",
        )

    def join_checks(self, client: str) -> list[tuple[Rule, str]]:
        return [(self.wrong_code_per_client, client), (self.wrong_code_overall, "all")]

    def signin_checks(self, client: str, email: str) -> list[tuple[Rule, str]]:
        return [(self.signin_per_client, client), (self.signin_per_account, account_key(email))]

    def _allowed(self, count: Callable[[], bool]) -> bool:
        # If the counter store (Redis) is unreachable, let the request through: losing a
        # participant's words matters more than a short gap in rate limiting.
        try:
            return count()
        except Exception:
            log.warning("rate-limit store unreachable; request allowed")
            return True

    def check(self, rule: Rule, key: str) -> None:
        """Refuse if `rule` is used up for `key`, without counting this request."""
        for item in rule.items:
            if not self._allowed(partial(self.strategy.test, item, rule.name, key)):
                self._refuse(rule, item, key)

    def hit(self, rule: Rule, key: str) -> None:
        """Count this request; refuse it if that goes over the limit."""
        for item in rule.items:
            if not self._allowed(partial(self.strategy.hit, item, rule.name, key)):
                self._refuse(rule, item, key)

    def count_failures(
        self, checks: list[tuple[Rule, str]], failure: type[DomainError], call: Callable[[], T]
    ) -> T:
        """Run `call`; only a `failure` counts against the rules. Refused up front once used up,
        so a limited client learns nothing about whether its next guess would have been right."""
        for rule, key in checks:
            self.check(rule, key)
        try:
            return call()
        except failure:
            for rule, key in checks:
                for item in rule.items:
                    self._allowed(partial(self.strategy.hit, item, rule.name, key))
            raise

    def _refuse(self, rule: Rule, item: RateLimitItem, key: str) -> None:
        reset_at, _remaining = self.strategy.get_window_stats(item, rule.name, key)
        raise TooManyRequests(rule.message, retry_after=max(1, math.ceil(reset_at - time.time())))
