"""The Python API for notebooks: layers as GeoDataFrames, the planners' map as a folium.Map that
draws with no server and no CDN (checked in headless Chromium, from a file)."""
from __future__ import annotations

import re

import pytest

import planmap



def test_list_layers_is_the_stores(store):
    assert planmap.list_layers() == store.ids()


def test_a_layer_is_a_wgs84_geodataframe_indexed_by_feature_id(store):
    gdf = planmap.layer("districts")
    assert len(gdf) == 16 and gdf.crs.to_epsg() == 4326
    assert gdf.index.name == "id" and list(gdf.index) == list(store.get("districts").gdf.index)
    assert list(gdf.columns) == [*store.get("districts").spec.field_names, "geometry"]
    assert "滨海新区" in set(gdf["name"])
    minx, miny, maxx, maxy = gdf.total_bounds  # lon/lat order, around Tianjin
    assert 116 < minx < maxx < 119 and 38 < miny < maxy < 41
    gdf.loc[gdf.index[0], "name"] = "changed"  # a copy: planmap's own layer is untouched
    assert planmap.layer("districts")["name"].iloc[0] != "changed"


def test_a_project_without_a_point_keeps_a_null_geometry(store):
    projects = planmap.layer("projects")
    assert len(projects) == len(store.get("projects").gdf)
    assert projects.geometry.isna().sum() == store.get("projects").gdf.geometry.isna().sum() > 0


def test_unknown_names_say_what_exists():
    with pytest.raises(KeyError, match="districts"):
        planmap.layer("district")
    with pytest.raises(KeyError, match="districts"):
        planmap.planners_map(["nope"])
    with pytest.raises(ValueError, match="osm, tianditu, amap, none"):
        planmap.planners_map(basemap="google")


def _links(html: str) -> list[str]:
    return re.findall(r'<(?:script|link)\b[^>]*\b(?:src|href)\s*=\s*["\']?([^"\'\s>]+)', html, flags=re.I)


def test_the_map_carries_its_assets_and_draws_offline(tmp_path, browser):
    m = planmap.planners_map()
    html = m.get_root().render()
    assert _links(html) == []  # no <script src> or <link href>: everything is inline
    assert "planmapQueue" in html and "L.map(" in html and "data:text/javascript;base64," in html
    assert "Make this Notebook Trusted" in m._repr_html_()  # folium's notebook wrapper
    page_file = tmp_path / "map.html"
    m.save(str(page_file))

    outside: list[str] = []
    errors: list[str] = []

    def route(r):
        if r.request.url.startswith(("file://", "data:")):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    ctx = browser.new_context(viewport={"width": 1000, "height": 700})
    ctx.route("**/*", route)
    page = ctx.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    page.goto(page_file.as_uri())
    page.wait_for_function("window.planmapReady === true", timeout=15000)
    drawn = page.evaluate("PlanMap.features.districts.getLayers().length")
    legend = page.locator(".pm-panel").inner_text()
    ctx.close()
    assert drawn == 16
    assert "行政区划" in legend  # the same layer tree and legend as /map
    assert errors == []
    assert outside == []
