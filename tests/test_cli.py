"""The `lenswalk` command as `make run` uses it: a real process on a fresh database."""

from pathlib import Path

import httpx

from tests.conftest import command_env, run_command, serve_process


def test_serve_migrates_loads_content_and_serves_on_a_fresh_machine(tmp_path: Path) -> None:
    env = command_env(
        tmp_path, LENSWALK_ADMIN_EMAIL="lead@example.org", LENSWALK_ADMIN_PASSWORD="a long admin password"
    )
    with serve_process(env) as server:
        base = server.base_url
        assert len(httpx.get(f"{base}/api/v1/vignettes").json()) >= 6
        assert httpx.get(f"{base}/api/v1/journey-maps").json()[0]["name"] == "Substance use service"
        assert httpx.get(f"{base}/readyz").json() == {"database": "ok", "broker": "ok"}
        signed = httpx.post(
            f"{base}/api/v1/session", json={"email": "lead@example.org", "password": "a long admin password"}
        )
        assert signed.status_code == 200
        assert httpx.get(f"{base}/join").status_code == 200
    # Privacy: the server logs no requests, so no client address is ever written out.
    assert "127.0.0.1:" not in server.output() and "GET /" not in server.output()
    assert (tmp_path / "data" / "lenswalk.db").exists()


def test_facilitator_add_creates_an_account(tmp_path: Path) -> None:
    env = command_env(tmp_path)
    made = run_command(
        env, "facilitator", "add", "second@example.org", "--password-stdin", stdin="another long password\n"
    )
    assert made.returncode == 0, made.stderr
    twice = run_command(
        env, "facilitator", "add", "second@example.org", "--password-stdin", stdin="another long password\n"
    )
    assert twice.returncode == 1 and "already exists" in twice.stderr
    short = run_command(env, "facilitator", "add", "third@example.org", "--password-stdin", stdin="short\n")
    assert short.returncode == 1 and "at least" in short.stderr
