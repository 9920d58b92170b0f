"""One join for build, import and queries: a point gets its district, side, zone, wetland."""
from __future__ import annotations

import shapely

from planmap.layers.joins import join_points, projects_in, store_layers


def test_point_inside_a_wetland_and_district(store):
    layers = store_layers(store)
    wet = store.get("wetlands").gdf.iloc[0]
    pt = wet.geometry.representative_point()
    row = join_points([pt], layers).iloc[0]
    assert row["wetland"] == wet["name"]
    assert row["district"] == wet["district"]


def test_barrier_zone_level_and_outside(store):
    layers = store_layers(store)
    zone = store.get("barrier_zones").gdf.iloc[0]
    inside = zone.geometry.representative_point()
    outside = shapely.Point(117.2, 39.13)  # central 和平区, far from the barrier
    j = join_points([inside, outside, None], layers)
    assert j["barrier_level"][0] == zone["level"]
    assert j["barrier_level"][1] is None and j["district"][1] == "和平区"
    assert j["twin_city"][1] == "津城"
    assert j.iloc[2].isna().all()


def test_build_district_equals_join(store):
    """The stored district of every placed project is what the join says now."""
    layers = store_layers(store)
    gdf = store.get("projects").gdf
    placed = gdf[gdf.geometry.notna()]
    j = join_points(placed.geometry.values, layers)
    assert list(j["district"]) == list(placed["district"])


def test_projects_in_a_district_are_inside_it(store):
    layers = store_layers(store)
    d = store.get("districts").gdf
    fid = int(d.index[d["name"] == "津南区"][0])
    inside = projects_in(layers, "districts", fid)
    assert len(inside) > 0
    assert (inside["district"] == "津南区").all()


def test_projects_in_a_park_are_the_ones_naming_it(store):
    layers = store_layers(store)
    parks = store.get("parks").gdf
    fid = int(parks.index[parks["name"] == "南港工业区"][0])
    got = projects_in(layers, "parks", fid)
    assert len(got) >= 10 and (got["park"] == "南港工业区").all()
