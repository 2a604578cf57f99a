"""CI sets LENSWALK_REQUIRE_SERVICES=1: a PostgreSQL or Redis that cannot be reached must fail the
run, not quietly skip the tests that need them."""

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

REACHABLE_LOOKING = {
    "LENSWALK_TEST_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/nowhere",
    "LENSWALK_TEST_BROKER_URL": "redis://127.0.0.1:1/0",
}


@pytest.mark.parametrize(
    ("env", "said"),
    [
        ({}, "must be a postgresql+psycopg:// URL"),
        (REACHABLE_LOOKING, "PostgreSQL at LENSWALK_TEST_DATABASE_URL is unreachable"),
    ],
    ids=["not set", "unreachable"],
)
def test_a_run_that_requires_services_fails_without_them(env: dict[str, str], said: str) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("LENSWALK_")}
    environment.update({"LENSWALK_REQUIRE_SERVICES": "1", **env})
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0, result.stdout
    assert said in result.stdout + result.stderr
