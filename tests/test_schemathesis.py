"""Property-based fuzzing of the JSON API from its own /openapi.json (schemathesis), against a
live server of its own, signed in as a facilitator who has also joined an event as a participant:
no 5xx, and every documented response matches its schema."""

from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from tests.conftest import create_event, join, signed_in
from tests.support import own_server

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
# Bounded so the whole run stays well under a minute.
EXAMPLES_PER_OPERATION = 25


# Covers starting a server, and about one sign-in (argon2, deliberately slow) per fuzzed sign-in.
@pytest.mark.timeout(180)
def test_the_api_never_fails_and_keeps_to_its_schema(tmp_path: Path) -> None:
    # A server of its own: random join codes and passwords must not rate-limit the address the
    # rest of the suite uses.
    with own_server(tmp_path) as live:
        facilitator = signed_in(live)
        participant = join(live, create_event(facilitator))
        cookies = {**dict(facilitator.cookies.items()), **dict(participant.cookies.items())}
        schema = schemathesis.openapi.from_dict(httpx.get(f"{live.base_url}/openapi.json").json())
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 10
        failures: list[str] = []
        for operation in operations:
            failures += _fuzz(operation, live.base_url, cookies)
        assert failures == []


def _fuzz(operation: Any, base_url: str, cookies: dict[str, str]) -> list[str]:
    failures: list[str] = []

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def run(case: Any) -> None:
        try:
            case.call_and_validate(base_url=base_url, cookies=cookies, checks=CHECKS, timeout=10)
        except Exception as exc:  # collected, so one run reports every operation that fails
            failures.append(f"{operation.label}: {type(exc).__name__}: {str(exc)[:800]}")

    run()
    return failures
