"""CRS negotiation (Part 2): metres in EPSG:4548, axis order, bbox-crs round trip."""
from __future__ import annotations

import pytest
from shapely.geometry import shape

from planmap.geo.crs import transform_geometry
from planmap.geo.measure import area_m2


def test_epsg4548_returns_metres_whose_area_matches(client, store):
    r = client.get("/collections/wetlands/items", params={"crs": "EPSG:4548"})
    assert r.headers["content-crs"] == "<http://www.opengis.net/def/crs/EPSG/0/4548>"
    for feat in r.json()["features"]:
        geom = shape(feat["geometry"])
        n, e = geom.bounds[0], geom.bounds[1]  # northing first: EPSG:4548's axis order
        assert 4.2e6 < n < 4.5e6 and 3.5e5 < e < 6.5e5
        swapped = transform_geometry(store.get("wetlands").gdf.loc[feat["id"], "geometry"],
                                     "CRS84", "EPSG:4548")
        assert abs(geom.area - swapped.area) / swapped.area < 1e-9
        assert abs(geom.area - area_m2(store.get("wetlands").gdf.loc[feat["id"], "geometry"])) / geom.area < 1e-3


@pytest.mark.parametrize("crs", ["EPSG:4548", "EPSG:3857", "EPSG:4326", "EPSG:4490"])
def test_bbox_crs_round_trips(client, store, crs):
    """A feature's own bbox, expressed in another CRS, finds that feature again."""
    fid = 2
    r = client.get(f"/collections/districts/items/{fid}", params={"crs": crs})
    minx, miny, maxx, maxy = shape(r.json()["geometry"]).bounds
    bbox = f"{minx},{miny},{maxx},{maxy}"
    found = client.get("/collections/districts/items", params={"bbox": bbox, "bbox-crs": crs}).json()
    assert fid in [f["id"] for f in found["features"]]
    assert found["numberMatched"] < len(store.get("districts"))


def test_unknown_crs_is_400_listing_supported(client):
    r = client.get("/collections/wetlands/items", params={"crs": "EPSG:2000"})
    assert r.status_code == 400 and "EPSG/0/4548" in r.json()["detail"]
