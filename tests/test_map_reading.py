"""The map as a planner reads it (issue 12), in headless Chromium at 1600×1000, offline."""
from __future__ import annotations

import csv
import io
import re

import pytest
from PIL import Image

from conftest import click_at
from planmap.config import SOURCES_DIR

pytestmark = pytest.mark.browser
@pytest.fixture()
def page(browser):
    ctx = browser.new_context(viewport={"width": 1600, "height": 1000}, accept_downloads=True)
    ctx.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("http://127.0.0.1", "data:", "blob:"))
              else (ctx.outside.append(r.request.url), r.abort()))
    ctx.outside = []  # type: ignore[attr-defined]
    pg = ctx.new_page()
    pg.errors = []  # type: ignore[attr-defined]
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("console", lambda m: m.type == "error" and pg.errors.append(m.text))
    yield pg
    assert ctx.outside == []  # no request left the machine
    ctx.close()


def _open(page, url: str) -> None:
    page.goto(url)
    page.wait_for_function("window.planmapReady === true", timeout=15000)
    page.wait_for_timeout(400)


def _overlap(a, b) -> bool:
    return a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"] and \
        a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]


def test_twin_cities_and_every_district_are_labelled_without_hovering(page, live_server, store, artifacts):
    _open(page, f"{live_server}/map?basemap=none")
    labels = page.locator(".pm-labels .pm-label")
    texts = labels.all_inner_texts()
    for name in ["津城", "滨城", *store.get("districts").gdf["name"]]:
        assert name in texts, name
    boxes = [labels.nth(i).bounding_box() for i in range(labels.count())]
    assert all(b is not None and b["width"] > 0 for b in boxes)
    assert not any(_overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    # 津城 and 滨城 are told apart by colour, in the legend too.
    legend = page.locator("#pm-tree").inner_text()
    assert "津城" in legend and "滨城" in legend
    fills = page.evaluate("""() => PlanMap.features.twin_cities.getLayers().map(l => l.options.fillColor)""")
    assert len(set(fills)) == 2
    page.screenshot(path=str(artifacts / "map_labels.png"))
    assert page.errors == []


def test_a_click_at_xianshuigu_offers_jinnan_and_opens_it(page, live_server, store):
    with (SOURCES_DIR / "gazetteer" / "geonames_tianjin.csv").open(encoding="utf-8") as fh:
        row = next(r for r in csv.DictReader(fh) if r["name_zh"] == "咸水沽")
    _open(page, f"{live_server}/map?basemap=none&layers=districts,twin_cities,eco_barrier,barrier_zones,wetlands")
    page.evaluate(f"() => PlanMap.map.setView([{row['lat']}, {row['lon']}], 12)")
    page.wait_for_timeout(500)
    click_at(page, float(row["lat"]), float(row["lon"]))
    offered = page.locator("#pm-here-list a")
    offered.first.wait_for(timeout=5000)
    names = offered.all_inner_texts()
    assert "津南区" in names and len(names) >= 3  # district, twin-city side or barrier, zone …
    assert names.index("津南区") == len(names) - 1  # districts are drawn lowest: listed last
    page.locator("#pm-here-list a", has_text="津南区").click()
    info = page.locator("#pm-info")
    assert info.get_attribute("data-layer") == "districts" and "津南区" in info.inner_text()
    # The selected outline is drawn above every fill.
    assert page.evaluate("() => document.querySelector('.leaflet-pm-selected-pane path') !== null")
    assert page.errors == []


def test_search_ranks_the_exact_name_first_and_says_what_each_hit_is(page, live_server):
    _open(page, f"{live_server}/map?basemap=none")
    page.fill("#pm-search", "津南区")
    first = page.locator("#pm-hits a").first
    assert first.get_attribute("data-layer") == "districts"
    assert "区" in first.locator(".pm-kind").inner_text()
    kinds = set(page.locator("#pm-hits .pm-kind").all_inner_texts())
    assert {"区", "项目"} <= kinds
    page.keyboard.press("Enter")
    info = page.locator("#pm-info")
    assert info.get_attribute("data-layer") == "districts" and info.locator("h4").inner_text().startswith("津南区")


def test_the_district_filter_sets_a_zones_panel_count_to_the_apis(page, live_server, client, store):
    _open(page, f"{live_server}/map?basemap=none")
    page.locator("#pm-filters summary").click()
    page.select_option("#pm-f-district", "津南区")
    api = {g["key"]: g["count"] for g in
           client.get("/stats/projects", params={"by": "barrier_zone", "district": "津南区"}).json()["groups"]}
    zones = store.get("barrier_zones").gdf
    for fid, name in zip(zones.index, zones["name"]):
        page.evaluate(f"""() => {{ const l = PlanMap.features.barrier_zones.getLayers()
            .find(x => x.feature.properties.fid === {int(fid)}); PlanMap.showFeature('barrier_zones', l.feature.properties, l); }}""")
        assert int(page.locator("#pm-inside").get_attribute("data-count")) == api.get(name, 0), name
    # The filter is kept in the permalink.
    page.locator("#pm-permalink").click()
    assert "district=%E6%B4%A5%E5%8D%97%E5%8C%BA" in page.url


def test_filters_survive_the_permalink(page, live_server):
    _open(page, f"{live_server}/map?basemap=none#district=%E6%B4%A5%E5%8D%97%E5%8C%BA")
    assert page.locator("#pm-f-district").input_value() == "津南区"
    shown, _, total = page.locator("#pm-f-count").inner_text().partition(" / ")
    assert 0 < int(shown) < int(total)


def test_print_gives_a_png_and_a_one_page_pdf_with_the_legend(page, live_server, store, artifacts):
    _open(page, f"{live_server}/map?basemap=none")
    page.locator("summary", has_text="打印").click()
    with page.expect_download() as dl:
        page.locator("#pm-print-png").click()
    png = dl.value.path().read_bytes()
    with page.expect_download() as dl:
        page.locator("#pm-print-pdf").click()
    pdf = dl.value.path().read_bytes()
    (artifacts / "map_print.png").write_bytes(png)
    (artifacts / "map_print.pdf").write_bytes(pdf)
    legend = page.evaluate("() => PlanMap.ctx.printLegend")
    texts = [e["text"] for e in legend]
    assert any("津城" in t for t in texts) and any("一级管控区" in t for t in texts)
    img = Image.open(io.BytesIO(png)).convert("RGB")
    # Every legend swatch is painted in its colour on the sheet.
    for e in legend:
        want = tuple(int(e["colour"][i:i + 2], 16) for i in (1, 3, 5))
        got = img.getpixel((int(e["x"]), int(e["y"])))
        assert max(abs(a - b) for a, b in zip(got, want)) < 40, (e, got)
    # The PDF is one page holding the same sheet as an image.
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    assert len(re.findall(rb"/Type /Page\b", pdf)) == 1
    w, h = (int(x) for x in re.search(rb"/Width (\d+) /Height (\d+)", pdf).groups())
    assert (w, h) == img.size
    start = pdf.index(b"stream\n", pdf.index(b"/Subtype /Image")) + len(b"stream\n")
    jpeg = Image.open(io.BytesIO(pdf[start:]))
    assert jpeg.size == img.size
    assert page.errors == []


def test_categories_read_in_chinese_each_in_its_own_colour(page, live_server, store):
    _open(page, f"{live_server}/map?basemap=none")
    cats = {c["code"]: c for c in store.get("projects").spec.extra["categories"]}
    options = page.evaluate("() => [...document.querySelectorAll('#pm-f-category option')].slice(1).map(o => [o.value, o.textContent])")
    used = set(store.get("projects").gdf["category"].dropna())
    assert {v for v, _ in options} == used
    assert all(text == cats[v]["zh"] for v, text in options)
    colours = page.evaluate("() => [...document.querySelectorAll('#pm-cats span i')].map(i => i.style.background)")
    assert len(colours) == len(used) and len(set(colours)) == len(colours)
    _open(page, f"{live_server}/map?basemap=none&lang=en")
    texts = page.evaluate("() => [...document.querySelectorAll('#pm-f-category option')].slice(1).map(o => o.textContent)")
    assert set(texts) == {cats[c]["en"] for c in used}
