"""Take the README's screenshots of the map with headless Chromium (Debian ``chromium``).

    python scripts/screenshots.py [--out docs]

Writes ``map.png`` (the overview), ``map_district.png`` (津南区 chosen by a click),
``map_siting.png`` (a siting result) and ``map_print.png`` (the print sheet). The service runs on
a loopback port with no basemap, so the pictures show exactly what an intranet user sees.
"""
from __future__ import annotations

import argparse
import socket
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

from planmap.api.app import create_app
from planmap.store import LayerStore


def _serve() -> tuple[uvicorn.Server, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(LayerStore.from_gpkg()), host="127.0.0.1",
                                           port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="docs", help="folder for the PNG files (default: docs)")
    out = Path(ap.parse_args().out)
    out.mkdir(parents=True, exist_ok=True)
    server, base = _serve()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1600, "height": 1000}, accept_downloads=True)
        page.goto(f"{base}/map?basemap=none")
        page.wait_for_function("window.planmapReady === true")
        page.wait_for_timeout(500)
        page.screenshot(path=str(out / "map.png"))
        # A planner clicks at 咸水沽 and picks 津南区 from what lies there.
        page.evaluate("() => { PlanMap.map.setView([38.985, 117.3828], 11); }")
        page.wait_for_timeout(700)
        page.evaluate("() => { PlanMap.identify(38.985, 117.3828); }")
        page.locator("#pm-here-list a", has_text="津南区").click()
        page.wait_for_timeout(300)
        page.screenshot(path=str(out / "map_district.png"))
        with page.expect_download() as dl:
            page.evaluate("() => document.getElementById('pm-print-png').click()")
        dl.value.save_as(str(out / "map_print.png"))
        # A site drawn inside the barrier's schematic level-1 zone.
        page.evaluate("() => { PlanMap.map.setView([38.90, 117.33], 12); }")
        page.wait_for_timeout(500)
        page.evaluate("() => { PlanMap.siting([[38.905, 117.325], [38.905, 117.338], [38.896, 117.338], [38.896, 117.325]]); }")
        page.locator("#pm-verdict").wait_for()
        page.wait_for_timeout(300)
        page.screenshot(path=str(out / "map_siting.png"))
        browser.close()
    server.should_exit = True
    print(f"wrote {', '.join(p.name for p in sorted(out.glob('map*.png')))} to {out}")


if __name__ == "__main__":
    main()
