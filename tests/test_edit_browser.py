"""The map's editing tools in Chromium: an editor enters the token once, edits a project's fields,
moves its point and restores an earlier version; each step is a change the server records."""
from __future__ import annotations

import contextlib


import pytest

from conftest import serving
from planmap.api.app import create_app
from planmap.auth import create_token

pytestmark = pytest.mark.browser


@pytest.fixture()
def served(tmp_store):
    token = create_token(tmp_store.path, "map.editor", "editor")
    with serving(create_app(tmp_store)) as url:
        yield tmp_store, token, url


def test_an_editor_edits_moves_and_restores_a_project_on_the_map(served, browser):
    store, token, url = served
    gdf = store.get("projects").gdf
    fid = int(gdf.index[(gdf["loc_quality"] == "town")][0])
    original = gdf.loc[fid]
    with contextlib.closing(browser.new_context(viewport={"width": 1280, "height": 800})) as ctx:
        page = ctx.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        asked: list[str] = []
        page.on("dialog", lambda d: (asked.append(d.message), d.accept(token)))
        page.goto(f"{url}/map?basemap=none")
        page.wait_for_selector("body[data-planmap-ready='1']")
        page.click("#pm-edit-toggle")
        assert asked and "令牌" in asked[0]
        assert page.evaluate("localStorage.length + sessionStorage.length") == 0
        assert token not in page.evaluate("document.cookie + location.href")
        page.evaluate(f"PlanMap.showFeature('projects', PlanMap.ctx.projectsByFid[{fid}], "
                      f"PlanMap.ctx.projectMarkers[{fid}])")
        page.wait_for_selector("form.pm-edit")
        page.fill("form.pm-edit input[name=period]", "2030")
        page.click("form.pm-edit button[type=submit]")
        page.wait_for_function("document.querySelector('.pm-edit-status') && "
                               "document.querySelector('.pm-edit-status').textContent === '已保存'")
        assert store.get("projects").gdf.loc[fid, "period"] == "2030"
        # move: click "move", then the new site on the map (a point in 滨海新区)
        page.click("form.pm-edit .pm-edit-move")
        page.wait_for_selector("form.pm-edit[data-moving='1']")  # listening for the site's click
        # (Leaflet's own click event at the site: a mouse click there may land on a cluster)
        page.evaluate("PlanMap.map.fire('click', {latlng: L.latLng(39.02, 117.70)}) && 1")
        page.wait_for_function("document.querySelector('.pm-edit-status') && "
                               "document.querySelector('.pm-edit-status').textContent === '已保存'")
        moved = store.get("projects").gdf.loc[fid]
        assert moved["loc_quality"] == "exact" and moved["district"] == "滨海新区"
        assert moved.geometry.distance(original.geometry) > 0.1
        # history, then restore version 1 (the project as built)
        page.click("form.pm-edit .pm-edit-history")
        page.wait_for_selector(".pm-history li[data-version='3']")
        page.click(".pm-history a[data-restore='1']")
        page.wait_for_function(f"PlanMap.ctx.projectsByFid[{fid}].period !== '2030'")
        back = store.get("projects").gdf.loc[fid]
        assert back["period"] == original["period"] and back.geometry.equals(original.geometry)
        assert errors == []
    from planmap.audit import history
    assert [v["op"] for v in history(store.path, "projects", fid)] == [
        "original", "update", "update", "restore"]
