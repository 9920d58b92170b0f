"""The OGC HTML pages and the API explorer in headless Chromium, as a planner or developer sees them.

Served by uvicorn on loopback with the default basemap setting (none): every request that would
leave 127.0.0.1 is refused and recorded, and the tests assert there were none.
"""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def page(browser):
    ctx = browser.new_context(viewport={"width": 1000, "height": 800})
    pg = ctx.new_page()
    pg.errors, pg.outside = [], []  # type: ignore[attr-defined]

    def route(r):
        if r.request.url.startswith("http://127.0.0.1"):
            r.continue_()
        else:
            pg.outside.append(r.request.url)
            r.abort()

    ctx.route("**/*", route)
    pg.on("console", lambda m: m.type == "error" and pg.errors.append(m.text))
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    yield pg
    ctx.close()


PAGES = ["/?f=html", "/collections?f=html", "/collections/eco_barrier?f=html",
         "/collections/wetlands/items?f=html", "/collections/projects/items?f=html&limit=50",
         "/collections/projects/items/1?f=html", "/collections/districts/items/3?f=html"]


def test_preview_maps_draw_the_districts_under_the_features_and_tables_stay_in_their_box(
        page, live_server, artifacts):
    for path in PAGES:
        page.goto(live_server + path)
        page.wait_for_function("window.PlanPages && PlanPages.ready === true", timeout=10000)
        assert page.evaluate("PlanPages.districts ? PlanPages.districts.getLayers().length : 0") == 16, path
        # The outlines lie beneath the page's own features.
        z = page.evaluate("""() => { const m = PlanPages.map;
            return [+m.getPane('pm-districts').style.zIndex, +getComputedStyle(m.getPane('overlayPane')).zIndex]; }""")
        assert z[0] < z[1], path
        # Nothing is wider than the window: a wide table scrolls inside its own box.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
        if "projects/items?" in path:
            box = page.evaluate("""() => { const b = document.getElementById('items-box');
                return [b.scrollWidth, b.clientWidth, b.querySelectorAll('tr').length]; }""")
            assert box[0] > box[1] and box[2] == 51, box
            page.screenshot(path=str(artifacts / "pages_projects_items.png"))
    assert page.errors == []
    assert page.outside == []


def test_api_explorer_lists_every_operation_from_local_assets(page, live_server, client):
    page.goto(live_server + "/api.html")
    page.wait_for_function("window.planmapApiReady === true", timeout=15000)
    page.locator(".opblock").first.wait_for(timeout=10000)
    shown = page.locator(".opblock").count()
    paths = client.get("/api").json()["paths"]
    assert shown == sum(len(item) for item in paths.values())
    text = page.locator("#swagger-ui").inner_text()
    assert "/analysis/siting" in text and "/map" in text
    assert page.errors == []
    assert page.outside == []


def test_the_siting_report_draws_the_districts_under_the_site(page, live_server, client):
    import orjson

    site = {"type": "Polygon", "coordinates": [[[117.325, 38.905], [117.338, 38.905], [117.338, 38.896],
                                                 [117.325, 38.896], [117.325, 38.905]]]}
    html = client.post("/analysis/siting", params={"f": "html", "basemap": "none"},
                       content=orjson.dumps(site)).text
    html = html.replace("http://testserver", live_server)  # its assets from the live service
    page.set_content(html)
    page.wait_for_function("window.PlanPages && PlanPages.ready === true", timeout=10000)
    assert page.evaluate("PlanPages.districts.getLayers().length") == 16
    assert page.evaluate("PlanPages.map.getZoom()") >= 12  # still on the site, not the city
    assert page.errors == [] and page.outside == []
