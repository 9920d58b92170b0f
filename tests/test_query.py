"""Point, intersects and nearby queries, checked against the store's own geometry."""
from __future__ import annotations

import orjson
import prcoords
import pytest
import shapely
from shapely.geometry import mapping

from planmap.analysis.query import engine_for
from planmap.geo.crs import transform_geometry


def wgs_point(metric_geom):
    p = transform_geometry(shapely.point_on_surface(metric_geom), "EPSG:4548", "CRS84")
    return p.x, p.y


@pytest.fixture(scope="module")
def engine(store):
    return engine_for(store)


def names(resp, layer):
    return {f["name"] for f in resp.json()["features"] if f["layer"] == layer}


def test_engine_is_built_once_per_store(store):
    assert engine_for(store) is engine_for(store)


def test_point_in_a_wetland_reports_the_wetland_and_its_district(client, engine, store):
    wet = engine.get("wetlands")
    lon, lat = wgs_point(wet.geoms[0])
    r = client.get("/query/point", params={"lon": lon, "lat": lat})
    assert r.status_code == 200
    assert names(r, "wetlands") == {wet.records[0]["name"]}
    pt = shapely.Point(lon, lat)
    expected = set(store.get("districts").gdf.loc[store.get("districts").gdf.intersects(pt), "name"])
    assert names(r, "districts") == expected and len(expected) == 1
    assert all(f["layer"] != "eco_corridors" for f in r.json()["features"])  # lines are not "containing"


def test_gcj02_point_gives_the_same_answer_as_its_wgs84_twin(client, engine):
    for layer in ("wetlands", "barrier_zones", "districts"):
        lon, lat = wgs_point(engine.get(layer).geoms[0])
        glat, glon = prcoords.wgs_gcj((lat, lon))
        a = client.get("/query/point", params={"lon": lon, "lat": lat}).json()
        b = client.get("/query/point", params={"lon": glon, "lat": glat, "coord_sys": "gcj02"}).json()
        assert [(f["layer"], f["id"]) for f in a["features"]] == [(f["layer"], f["id"]) for f in b["features"]]
        assert b["point"]["lon"] == pytest.approx(lon, abs=1e-7)
        blat, blon = prcoords.wgs_bd((lat, lon))
        c = client.get("/query/point", params={"lon": blon, "lat": blat, "coord_sys": "bd09"}).json()
        assert [(f["layer"], f["id"]) for f in c["features"]] == [(f["layer"], f["id"]) for f in a["features"]]


def test_point_query_bad_input(client):
    r = client.get("/query/point", params={"lon": 39.1, "lat": 117.2})
    assert r.status_code == 422 and "swapped" in r.json()["detail"]
    assert client.get("/query/point", params={"lon": 500, "lat": 39}).status_code == 400
    assert client.get("/query/point", params={"lon": "abc", "lat": 39}).status_code == 400
    assert client.get("/query/point", params={"lon": 117.2, "lat": 39.1, "coord_sys": "x"}).status_code == 400
    assert client.get("/query/point", params={"lon": 117.2, "lat": 39.1, "layers": "nope"}).status_code == 404


def test_intersects_lists_what_a_polygon_touches_with_overlap_areas(client, engine):
    zones = engine.get("barrier_zones")
    lon, lat = wgs_point(zones.geoms[0])
    square = shapely.Point(lon, lat).buffer(0.002, cap_style="square")
    r = client.post("/query/intersects", params={"layers": "barrier_zones,eco_barrier"},
                    content=orjson.dumps(mapping(square)))
    assert r.status_code == 200, r.text
    body = r.json()
    assert {f["layer"] for f in body["features"]} <= {"barrier_zones", "eco_barrier"}
    assert zones.fids[0] in {f["id"] for f in body["features"] if f["layer"] == "barrier_zones"}
    for f in body["features"]:
        assert 0 < f["overlap_m2"] <= body["input"]["area_m2"] * 1.001


def test_intersects_accepts_a_line_and_reports_line_layers(client, engine):
    corr = engine.get("eco_corridors")
    mid = transform_geometry(corr.geoms[0].interpolate(0.5, normalized=True), "EPSG:4548", "CRS84")
    cross = shapely.LineString([(mid.x - 0.01, mid.y - 0.01), (mid.x + 0.01, mid.y + 0.01)])
    feature = {"type": "Feature", "properties": {}, "geometry": mapping(cross)}
    r = client.post("/query/intersects", content=orjson.dumps(feature))
    assert r.status_code == 200
    assert corr.records[0]["name"] in names(r, "eco_corridors")


def test_nearby_is_nearest_first_and_within_the_distance(client, engine):
    lon, lat = wgs_point(engine.get("wetlands").geoms[1])
    r = client.get("/query/nearby", params={"lon": lon, "lat": lat, "distance_m": 5000})
    assert r.status_code == 200
    dists = [f["distance_m"] for f in r.json()["features"]]
    assert dists == sorted(dists) and all(d <= 5000 for d in dists)
    assert dists[0] == 0.0  # the wetland itself contains the point
    only = client.get("/query/nearby", params={"lon": lon, "lat": lat, "distance_m": 5000,
                                               "layer": "eco_corridors"}).json()
    assert {f["layer"] for f in only["features"]} <= {"eco_corridors"}


def test_nearby_a_feature_answers_what_lies_within_2km_of_the_haihe(client, engine):
    corr = engine.get("eco_corridors")
    pos = [i for i, r in enumerate(corr.records) if "海河" in r["name"]][0]
    r = client.get("/query/nearby", params={"of": f"eco_corridors:{corr.fids[pos]}", "distance_m": 2000})
    assert r.status_code == 200
    feats = r.json()["features"]
    assert feats and all(f["distance_m"] <= 2000 for f in feats)
    assert ("eco_corridors", corr.fids[pos]) not in {(f["layer"], f["id"]) for f in feats}
    d = engine.get("districts")
    crossed = {d.records[i]["name"] for i in d.intersecting(corr.geoms[pos])}
    assert crossed <= {f["name"] for f in feats if f["layer"] == "districts"}


def test_nearby_bad_input(client):
    assert client.get("/query/nearby", params={"distance_m": 100}).status_code == 400
    assert client.get("/query/nearby", params={"lon": 117.2, "lat": 39.1, "distance_m": -1}).status_code == 400
    assert client.get("/query/nearby", params={"of": "eco_corridors", "distance_m": 10}).status_code == 400
    assert client.get("/query/nearby", params={"of": "eco_corridors:999", "distance_m": 10}).status_code == 404
    assert client.get("/query/nearby", params={"of": "nope:1", "distance_m": 10}).status_code == 404


def test_query_routes_are_in_the_openapi_document(client):
    paths = client.get("/api").json()["paths"]
    for p in ("/query/point", "/query/intersects", "/query/nearby", "/analysis/siting"):
        assert p in paths


def test_point_query_in_a_projected_crs_finds_what_the_lon_lat_query_finds(client):
    import numpy as np

    from planmap.geo.crs import transform_xy

    for code in ("EPSG:4548", "EPSG:3857"):
        x, y = transform_xy(np.array([117.2]), np.array([39.12]), "CRS84", code)
        projected = client.get("/query/point", params={"lon": float(x[0]), "lat": float(y[0]), "crs": code})
        lonlat = client.get("/query/point", params={"lon": 117.2, "lat": 39.12})
        assert projected.status_code == 200
        assert [f["name"] for f in projected.json()["features"]] == [f["name"] for f in lonlat.json()["features"]]
        assert abs(projected.json()["point"]["lon"] - 117.2) < 1e-6
    r = client.get("/query/nearby", params={"lon": float(x[0]), "lat": float(y[0]), "crs": "EPSG:3857",
                                            "distance_m": 3000, "layer": "districts"})
    assert r.status_code == 200 and r.json()["numberMatched"] >= 1


def test_point_query_refuses_an_unknown_crs_or_amap_offsets_on_projected_input(client):
    r = client.get("/query/point", params={"lon": 1, "lat": 2, "crs": "EPSG:9999"})
    assert r.status_code == 400 and "EPSG:4548" in r.json()["detail"]
    r = client.get("/query/point", params={"lon": 500000, "lat": 4330000, "crs": "EPSG:4548", "coord_sys": "gcj02"})
    assert r.status_code == 400 and "lon/lat input only" in r.json()["detail"]


def test_projected_input_outside_the_crs_area_of_use_is_refused_with_the_reason(client):
    # easting and northing given the wrong way round: pyproj would happily answer 149.6°E 3.8°N
    r = client.get("/query/point", params={"lon": 4330000, "lat": 500000, "crs": "EPSG:4548"})
    assert r.status_code == 400 and "outside where EPSG:4548 is defined" in r.json()["detail"]
    r = client.get("/query/point", params={"lon": 1e30, "lat": 1e30, "crs": "EPSG:3857"})
    assert r.status_code == 400 and "EPSG:3857" in r.json()["detail"]
    # EPSG:4548 on the wire is [northing, easting]; the other order lands outside its area
    site = {"type": "Polygon", "coordinates": [[[500000, 4330000], [501000, 4330000], [501000, 4331000], [500000, 4330000]]]}
    r = client.post("/query/intersects", params={"crs": "EPSG:4548"}, content=orjson.dumps(site))
    assert r.status_code == 422 and "easting" in r.json()["detail"]
