"""The `lenswalk` command as `make run` uses it: a real process on a fresh database."""

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import free_port

LENSWALK = [sys.executable, "-m", "app.cli"]


def env_for(tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LENSWALK_")}
    env.update(
        {
            "LENSWALK_DATABASE_URL": f"sqlite:///{tmp / 'data' / 'lenswalk.db'}",
            "LENSWALK_DATA_DIR": str(tmp / "data"),
            **extra,
        }
    )
    return env


def test_serve_migrates_loads_content_and_serves_on_a_fresh_machine(tmp_path: Path) -> None:
    port = free_port()
    env = env_for(
        tmp_path, LENSWALK_ADMIN_EMAIL="lead@example.org", LENSWALK_ADMIN_PASSWORD="a long admin password"
    )
    proc = subprocess.Popen(
        [*LENSWALK, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and proc.poll() is None, "lenswalk serve did not start"
            time.sleep(0.1)
        assert len(httpx.get(f"{base}/api/v1/vignettes").json()) >= 6
        assert httpx.get(f"{base}/api/v1/journey-maps").json()[0]["name"] == "Substance use service"
        assert httpx.get(f"{base}/readyz").json() == {"database": "ok", "broker": "ok"}
        signed = httpx.post(
            f"{base}/api/v1/session", json={"email": "lead@example.org", "password": "a long admin password"}
        )
        assert signed.status_code == 200
        page = httpx.get(f"{base}/join")
        assert page.status_code == 200
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=15)
    # Privacy: the server logs no requests, so no client address is ever written out.
    assert "127.0.0.1:" not in output.replace(f"http://127.0.0.1:{port}", "")
    assert "GET /" not in output
    assert (tmp_path / "data" / "lenswalk.db").exists()


def test_facilitator_add_creates_an_account(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    made = subprocess.run(
        [*LENSWALK, "facilitator", "add", "second@example.org", "--password-stdin"],
        input="another long password\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert made.returncode == 0, made.stderr
    twice = subprocess.run(
        [*LENSWALK, "facilitator", "add", "second@example.org", "--password-stdin"],
        input="another long password\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert twice.returncode == 1 and "already exists" in twice.stderr
    short = subprocess.run(
        [*LENSWALK, "facilitator", "add", "third@example.org", "--password-stdin"],
        input="short\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert short.returncode == 1 and "at least" in short.stderr
