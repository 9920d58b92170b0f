"""The land-cover switch and the targets board on the map, in headless Chromium."""
from __future__ import annotations

import pytest

from test_map_browser import _open, page  # noqa: F401  (the page fixture; Chromium comes from conftest)

pytestmark = pytest.mark.browser


def test_a_planner_shows_land_cover_with_its_legend_and_reads_the_board(page, live_server, artifacts):  # noqa: F811
    _open(page, f"{live_server}/map?basemap=none")
    page.wait_for_selector("#pm-raster-select option[value=modis_igbp_2019]", state="attached", timeout=10000)
    with page.expect_response(lambda r: "/rasters/modis_igbp_2019/tiles/WebMercatorQuad/" in r.url
                              and r.status == 200, timeout=10000):
        page.select_option("#pm-raster-select", "modis_igbp_2019")
    legend = page.locator(".pm-raster-legend").inner_text()
    assert "耕地" in legend and "水体" in legend
    assert "2019" in page.locator("#pm-rasters").inner_text()
    page.click("#pm-board-open")
    row = page.locator("#pm-board tr[data-target=level1_forest]")
    row.wait_for(timeout=15000)
    assert row.get_attribute("data-status") == "cannot_judge"
    assert "无法判断" in row.inner_text() and "000_2687c8db5fbcc50a.txt:L686" in row.inner_text()
    assert page.locator("#pm-board tr[data-target]").count() >= 7
    assert page.errors == []
    page.screenshot(path=str(artifacts / "map_rasters_board.png"))


def test_over_the_amap_basemap_the_land_cover_is_not_drawn_misplaced(page, live_server):  # noqa: F811
    _open(page, f"{live_server}/map?basemap=amap")
    page.wait_for_selector("#pm-rasters a#pm-board-open", timeout=10000)
    assert "GCJ-02" in page.locator("#pm-rasters").inner_text()
    assert page.locator("#pm-raster-select").count() == 0
