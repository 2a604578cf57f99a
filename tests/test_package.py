"""A wheel built from the repository serves on its own: the migrations, vignettes and journey maps
travel inside it, and its data goes to the folder it is started from, not into the checkout."""

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import ROOT, free_port


def _build_and_install(tmp: Path) -> Path:
    wheels = tmp / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = wheels.glob("lenswalk-*.whl")
    site = tmp / "site"
    # --no-deps: the dependencies are the test venv's own; only Lenswalk itself comes from the wheel.
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return site


def test_a_wheel_installed_outside_the_checkout_migrates_loads_content_and_serves(tmp_path: Path) -> None:
    site = _build_and_install(tmp_path)
    here = tmp_path / "empty-folder"
    here.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LENSWALK_")}
    env["PYTHONPATH"] = str(site)  # ahead of the editable install of the checkout
    probe = subprocess.run(
        [sys.executable, "-c", "import app; print(app.__file__)"],
        cwd=here,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip().startswith(str(site))

    port = free_port()
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=here,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (tmp_path / "serve.log").read_text()[-2000:]
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the installed wheel did not become ready"
            time.sleep(0.2)
        # The first-run set-up page: the database was migrated in the folder it was started from.
        assert httpx.get(f"http://127.0.0.1:{port}/setup", timeout=5).status_code == 200
        assert (here / "data" / "lenswalk.db").is_file()
        # The vignettes and the journey-map template came with the wheel and were loaded.
        with sqlite3.connect(here / "data" / "lenswalk.db") as db:
            names = {row[0] for row in db.execute("SELECT name FROM vignette")}
            (maps,) = db.execute("SELECT count(*) FROM journey_map").fetchone()
        assert {"Ollie", "Jay", "Gill", "Bruno", "Stuart", "Lauren"} <= names
        # The substance use map, the five other services' maps and the blank one.
        assert maps >= 7
    finally:
        process.terminate()
        process.wait(10)
        log.close()
