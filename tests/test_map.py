"""The map page and its data, without a browser: assets, options, errors, geometry levels."""
from __future__ import annotations

import json
import re

import pytest
import shapely
from shapely.geometry import shape

from planmap.cli import main as cli_main
from planmap.web import mapdata


def _asset_urls(html: str) -> list[str]:
    return re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)


def test_every_asset_is_served_by_the_app(client):
    r = client.get("/map?basemap=none")
    assert r.status_code == 200
    urls = _asset_urls(r.text)
    assert len(urls) >= 10
    for url in urls:
        assert url.startswith("http://testserver/static/"), url  # never a CDN
        assert client.get(url).status_code == 200, url
    assert "cdn" not in r.text.lower() and "unpkg" not in r.text.lower()


def test_overview_page_is_small(client):
    r = client.get("/map?basemap=none")
    assert len(r.content) < 1_000_000


@pytest.mark.parametrize("query,status", [("basemap=google", 400), ("lang=fr", 400),
                                          ("layers=nosuch", 404)])
def test_bad_options_are_clear_4xx(client, query, status):
    r = client.get(f"/map?{query}")
    assert r.status_code == status
    assert r.headers["content-type"].startswith("application/problem+json")


def test_topology_levels_get_finer_and_bad_levels_are_4xx(client):
    sizes = [len(client.get(f"/map/data/topology.json?level={i}").content) for i in range(3)]
    assert sizes[0] < sizes[1] < sizes[2]
    assert client.get("/map/data/topology.json?level=9").status_code in (400, 422)


def _decode(topo: dict, obj: str) -> list:
    """A minimal TopoJSON decoder (delta-encoded, quantised arcs) for polygon objects."""
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append((x * sx + tx, y * sy + ty))
        arcs.append(pts)

    def ring(ids):
        out = []
        for i in ids:
            pts = arcs[i] if i >= 0 else arcs[~i][::-1]
            out.extend(pts if not out else pts[1:])
        return out

    geoms = []
    for g in topo["objects"][obj]["geometries"]:
        polys = [g["arcs"]] if g["type"] == "Polygon" else g["arcs"]
        geoms.append(shapely.MultiPolygon([shapely.Polygon(ring(p[0]), [ring(h) for h in p[1:]])
                                           for p in polys]))
    return geoms


def test_simplified_districts_keep_shared_borders_closed(store):
    topo = json.loads(mapdata.topology(store, None, 0, "osm"))
    geoms = [shapely.make_valid(g) for g in _decode(topo, "districts")]
    total = sum(g.area for g in geoms)
    union = shapely.union_all(geoms).area
    # No overlaps and no slivers between neighbours: pieces sum to the whole.
    assert abs(total - union) / union < 1e-4
    original = shapely.union_all(store.get("districts").geometries).area
    assert abs(union - original) / original < 0.01


def test_amap_data_is_shifted_to_gcj02(store):
    osm = json.loads(mapdata.topology(store, ("districts",), 0, "osm"))
    amap = json.loads(mapdata.topology(store, ("districts",), 0, "amap"))
    a = _decode(osm, "districts")[0].centroid
    b = _decode(amap, "districts")[0].centroid
    dx = (b.x - a.x) * 111_320 * 0.777
    dy = (b.y - a.y) * 111_320
    assert 400 <= (dx * dx + dy * dy) ** 0.5 <= 700


def test_tianditu_key_comes_from_configuration(client, monkeypatch):
    monkeypatch.setenv("PLANMAP_TIANDITU_KEY", "k-test-123")
    assert "k-test-123" in client.get("/map?basemap=tianditu").text
    monkeypatch.delenv("PLANMAP_TIANDITU_KEY")
    page = client.get("/map?basemap=tianditu").text
    assert '"tianditu_key":""' in page and "PLANMAP_TIANDITU_KEY" in page


def test_project_points_keep_their_own_place(store):
    if "projects" not in store.ids():
        pytest.skip("projects layer not built yet")
    layer = store.get("projects")
    rows = mapdata.points(layer, "osm")
    fi = rows.fields.index("fid") + 2
    assert len(rows.rows) == len(layer.gdf)  # unlocated projects stay in the rows (panels, search)
    for row in rows.rows:
        g = layer.gdf.geometry.loc[row[fi]]
        if g is None or g.is_empty:
            assert row[0] is None and row[1] is None  # drawn nowhere
        else:
            assert abs(row[0] - g.x) < 1e-6 and abs(row[1] - g.y) < 1e-6


def test_render_writes_a_standalone_page(tmp_path):
    out = tmp_path / "map.html"
    assert cli_main(["render", "-o", str(out), "--basemap", "none", "--layers", "districts,wetlands"]) == 0
    html = out.read_text(encoding="utf-8")
    for url in _asset_urls(html):
        assert url.startswith("planmap-static/")
        assert (tmp_path / url).exists(), url
    assert '"siting_url":null' in html
