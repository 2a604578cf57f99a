"""The deployment files: docker-compose.yml as `docker compose config` reads it, and the Caddyfile
as Caddy reads it. There is no container engine here, so this is as far as they can be run."""

import os
import shutil
import subprocess
from typing import Any

import pytest
import yaml

from app.settings import Settings
from tests.conftest import ROOT

SECRETS = {"LENSWALK_SECRET_KEY": "k" * 48, "POSTGRES_PASSWORD": "a-test-password", "LENSWALK_DOMAIN": ""}


def compose_command() -> list[str] | None:
    """`docker compose` (v2 plugin) where it is installed, else the standalone `docker-compose`."""
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


COMPOSE = compose_command()
needs_compose = pytest.mark.skipif(
    COMPOSE is None, reason="neither `docker compose` nor docker-compose is installed"
)


def compose_config(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    assert COMPOSE is not None
    environment = {k: v for k, v in os.environ.items() if k not in SECRETS}
    environment.update({k: v for k, v in env.items() if v})
    return subprocess.run(
        [*COMPOSE, "--project-directory", str(ROOT), "-f", str(ROOT / "docker-compose.yml"), "config", *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=ROOT,
        timeout=60,
        check=False,
    )


@needs_compose
def test_compose_file_validates() -> None:
    result = compose_config(SECRETS, "-q")
    assert result.returncode == 0, result.stderr


@needs_compose
def test_compose_refuses_to_start_without_secrets() -> None:
    result = compose_config({})
    assert result.returncode != 0
    assert "LENSWALK_SECRET_KEY" in result.stderr or "POSTGRES_PASSWORD" in result.stderr


@needs_compose
def test_app_replicas_start_after_the_one_shot_migration_and_are_health_checked() -> None:
    result = compose_config(SECRETS)
    assert result.returncode == 0, result.stderr
    services: dict[str, Any] = yaml.safe_load(result.stdout)["services"]
    apps = [name for name, s in services.items() if "serve" in (s.get("command") or [])]
    assert len(apps) >= 2
    for name in apps:
        app = services[name]
        assert app["command"][:2] == ["lenswalk", "serve"] and "--no-prepare" in app["command"]
        assert app["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert "/healthz" in " ".join(app["healthcheck"]["test"])
        env = app["environment"]
        assert env["LENSWALK_DATABASE_URL"].startswith("postgresql+psycopg://")
        assert env["LENSWALK_BROKER_URL"].startswith("redis://")
    assert services["migrate"]["command"][-1] == "lenswalk migrate && lenswalk load-content"
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert services["redis"]["healthcheck"]["test"][-2:] == ["redis-cli", "ping"]
    # The database lives in a named volume (compose v2 prints the long form, v1 "source:target:rw").
    mounts = [
        (v["source"], v["target"]) if isinstance(v, dict) else tuple(v.split(":")[:2])
        for v in services["postgres"]["volumes"]
    ]
    assert ("postgres-data", "/var/lib/postgresql/data") in mounts
    assert "caddy" in services["caddy"]["image"]


@pytest.mark.skipif(shutil.which("caddy") is None, reason="caddy is not installed")
def test_caddyfile_validates() -> None:
    result = subprocess.run(
        ["caddy", "validate", "--config", str(ROOT / "deploy" / "Caddyfile"), "--adapter", "caddyfile"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_every_setting_is_documented() -> None:
    documented = (ROOT / "docs" / "deploying.md").read_text()
    missing = [name for name in Settings.model_fields if f"`LENSWALK_{name.upper()}`" not in documented]
    assert missing == [], f"add these to the settings table in docs/deploying.md: {missing}"
