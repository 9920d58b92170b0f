"""Shared fixtures: the embedded store, an in-process client and a real server on loopback.

Tests that need an external tool (Chromium, GDAL's command-line tools, PostGIS) call
:func:`require_tool`. On a laptop without the tool they skip; under CI (``CI=true``, set by
``.ci/run``) a missing tool is a failure, so CI can never pass by skipping.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import threading
import time
import warnings
from pathlib import Path

import pytest

warnings.filterwarnings("ignore", message=".*httpx.*", category=DeprecationWarning)

from fastapi.testclient import TestClient  # noqa: E402

from planmap.api.app import create_app  # noqa: E402
from planmap.config import DEFAULT_GPKG, SEEDS_DIR  # noqa: E402
from planmap.store import LayerStore  # noqa: E402

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
ARTIFACTS = Path(os.environ.get("PLANMAP_ARTIFACTS", Path(__file__).resolve().parent.parent / "artifacts"))


def require_tool(path_or_name: str, why: str) -> str:
    """Return the tool's path, or skip (laptop) / fail (CI) when it is missing."""
    found = path_or_name if os.path.isabs(path_or_name) and os.path.exists(path_or_name) else shutil.which(path_or_name)
    if not found:
        msg = f"{path_or_name} not found ({why}); .ci/run installs it"
        if IN_CI:
            pytest.fail(msg)
        pytest.skip(msg)
    return found


@pytest.fixture(scope="session")
def store() -> LayerStore:
    return LayerStore.from_gpkg(DEFAULT_GPKG)


@pytest.fixture()
def tmp_store(tmp_path) -> LayerStore:
    """A writable copy of the embedded GeoPackage, for tests that import, edit or break it."""
    path = tmp_path / "planmap.gpkg"
    shutil.copy(DEFAULT_GPKG, path)
    return LayerStore.from_gpkg(path)


@pytest.fixture(scope="session")
def app(store):
    return create_app(store)


@pytest.fixture(scope="session")
def client(app) -> TestClient:
    return TestClient(app)


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    if not SEEDS_DIR.exists():
        pytest.fail(f"seed texts not found at {SEEDS_DIR}; set PLANMAP_SEEDS_DIR")
    return SEEDS_DIR


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(app):
    """Serve ``app`` with uvicorn on a free loopback port for the block; yields the base URL."""
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    if not server.started:
        pytest.fail("uvicorn did not start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def live_server(app) -> str:
    """The app served by uvicorn on a free loopback port, for real HTTP clients."""
    with serving(app) as url:
        yield url


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium for the whole run (never a downloaded browser build)."""
    require_tool(CHROMIUM, "headless browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def click_at(page, lat: float, lon: float) -> None:
    """A real mouse click on the map page at a WGS84 place."""
    xy = page.evaluate("""([lat, lon]) => {
        const p = PlanMap.map.latLngToContainerPoint([lat, lon]);
        const r = PlanMap.map.getContainer().getBoundingClientRect();
        return [p.x + r.left, p.y + r.top]; }""", [lat, lon])
    page.mouse.click(*xy)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def pytest_sessionfinish(session, exitstatus):
    """In CI every test must run: a skip (a missing tool or package) fails the run."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if IN_CI and skipped and exitstatus == 0:
        reporter.write_line(f"CI: {len(skipped)} test(s) skipped; in CI that is a failure", red=True)
        session.exitstatus = 1
