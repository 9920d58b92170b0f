"""CQL2 filters on /items: the examples a planner would type return the right features."""
from __future__ import annotations

import shapely
from shapely.geometry import Polygon

POLY = [(117.0, 39.0), (117.5, 39.0), (117.5, 39.5), (117.0, 39.5), (117.0, 39.0)]
WKT = "POLYGON((" + ", ".join(f"{x} {y}" for x, y in POLY) + "))"


def _names(client, layer, flt, **params):
    r = client.get(f"/collections/{layer}/items", params={"filter": flt, "limit": 10000, **params})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["numberMatched"] == len(body["features"])
    return sorted(f["properties"]["name"] for f in body["features"])


def test_like_finds_wetlands_by_name(client, store):
    expected = sorted(n for n in store.get("wetlands").gdf["name"] if "湿地" in n)
    assert expected and _names(client, "wetlands", "name LIKE '%湿地%'") == expected


def test_level_equals_one(client, store):
    gdf = store.get("barrier_zones").gdf
    assert _names(client, "barrier_zones", "level = 1") == sorted(gdf[gdf["level"] == 1]["name"])
    assert _names(client, "barrier_zones", "level BETWEEN 2 AND 3") == sorted(gdf[gdf["level"] >= 2]["name"])
    assert _names(client, "barrier_zones", "NOT (level = 1)") == sorted(gdf[gdf["level"] != 1]["name"])


def test_s_intersects_polygon(client, store):
    gdf = store.get("districts").gdf
    expected = sorted(gdf[shapely.intersects(gdf.geometry.values, Polygon(POLY))]["name"])
    got = _names(client, "districts", f"S_INTERSECTS(geometry, {WKT})")
    assert got == expected and 0 < len(got) < len(gdf)


def test_filter_crs_epsg4548_gives_same_answer(client):
    from planmap.geo.crs import transform_geometry
    g = transform_geometry(Polygon(POLY), "CRS84", "EPSG:4548")
    # EPSG:4548 literals are written northing, easting (the authority axis order)
    wkt = "POLYGON((" + ", ".join(f"{y} {x}" for x, y in g.exterior.coords) + "))"
    a = _names(client, "districts", f"S_INTERSECTS(geometry, {WKT})")
    b = _names(client, "districts", f"S_INTERSECTS(geometry, {wkt})", **{"filter-crs": "EPSG:4548"})
    assert a == b


def test_combined_with_and_and_cql2_json(client):
    text = _names(client, "wetlands", f"name LIKE '%湿地%' AND S_INTERSECTS(geometry, {WKT})")
    js = ('{"op":"and","args":[{"op":"like","args":[{"property":"name"},"%湿地%"]},'
          '{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Polygon","coordinates":[['
          + ",".join(f"[{x},{y}]" for x, y in POLY) + "]]}]}]}")
    assert _names(client, "wetlands", js, **{"filter-lang": "cql2-json"}) == text


def test_malformed_filter_is_400_naming_the_position(client):
    r = client.get("/collections/barrier_zones/items", params={"filter": "level = = 1"})
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert "line 1, column 9" in body["detail"] and body["position"] == {"line": 1, "column": 9}


def test_unknown_property_and_type_mismatch_are_400(client):
    r = client.get("/collections/wetlands/items", params={"filter": "height > 3"})
    assert r.status_code == 400 and "'height' is not a queryable" in r.json()["detail"]
    r = client.get("/collections/barrier_zones/items", params={"filter": "level = 'one'"})
    assert r.status_code == 400 and "cannot compare" in r.json()["detail"]
    r = client.get("/collections/wetlands/items", params={"filter": "x", "filter-lang": "sql"})
    assert r.status_code == 400


def test_filter_is_not_sql(client, store):
    """A classic injection string is just a (non-matching) literal."""
    r = client.get("/collections/wetlands/items",
                   params={"filter": "name = 'x'' OR ''1''=''1'"})
    assert r.status_code == 200 and r.json()["numberMatched"] == 0
