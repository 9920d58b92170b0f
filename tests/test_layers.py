"""The base planning layers: every figure the issue names, computed in EPSG:4548."""
from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import box

from planmap.geo.measure import area_km2, gdf_areas_km2
from planmap.layers.registry import GEOM_QUALITIES, load_registry

BARRIER_DISTRICTS = {"滨海新区", "东丽区", "西青区", "津南区", "宁河区"}


def _districts(store) -> dict[str, object]:
    d = store.get("districts").gdf
    return dict(zip(d["name"], d.geometry))


def test_every_registered_base_layer_is_in_the_geopackage(store):
    for lid in ("districts", "twin_cities", "eco_barrier", "barrier_zones", "wetlands",
                "eco_corridors"):
        assert len(store.get(lid)) > 0


def test_every_feature_has_name_source_and_an_honest_geom_quality(store):
    for layer in store:
        gdf = layer.gdf
        assert gdf["name"].astype(str).str.len().gt(0).all(), layer.id
        assert gdf["source"].astype(str).str.len().gt(0).all(), layer.id
        assert set(gdf["geom_quality"]) <= set(GEOM_QUALITIES), layer.id
        assert list(gdf.columns[:-1]) == layer.spec.field_names, layer.id


def test_sixteen_districts_sum_to_12100_km2(store):
    d = store.get("districts").gdf
    assert len(d) == 16
    assert sorted(d["adcode"]) == [f"1201{n:02d}" for n in (1, 2, 3, 4, 5, 6, 10, 11, 12, 13, 14,
                                                           15, 16, 17, 18, 19)]
    computed = gdf_areas_km2(d)
    assert computed.sum() == pytest.approx(12_100, abs=50)
    assert d["area_km2"].to_numpy() == pytest.approx(computed, abs=0.01)
    assert (d["geom_quality"] == "official").all()


def test_eco_barrier_is_736_km2_and_schematic(store):
    b = store.get("eco_barrier").gdf
    assert len(b) == 1
    row = b.iloc[0]
    assert row["area_km2_stated"] == 736
    assert area_km2(row.geometry) == pytest.approx(736, rel=0.02)
    assert row["geom_quality"] == "schematic"


def test_eco_barrier_lies_only_in_its_five_districts_with_stored_shares(store):
    geom = store.get("eco_barrier").gdf.geometry.iloc[0]
    total = area_km2(geom)
    shares = json.loads(store.get("eco_barrier").gdf["district_shares"].iloc[0])
    assert set(shares) == BARRIER_DISTRICTS
    for name, dgeom in _districts(store).items():
        inside = area_km2(geom.intersection(dgeom))
        if name in BARRIER_DISTRICTS:
            assert inside > 1, name
            assert shares[name]["km2"] == pytest.approx(inside, abs=0.05)
        else:
            assert inside < 0.01, name
    assert sum(s["pct"] for s in shares.values()) == pytest.approx(100, abs=0.1)
    assert sum(s["km2"] for s in shares.values()) == pytest.approx(total, abs=0.1)


@pytest.mark.parametrize("level,stated", [(1, 449.3), (2, 148.7), (3, 138.0)])
def test_barrier_zone_areas(store, level, stated):
    z = store.get("barrier_zones").gdf
    row = z[z["level"] == level].iloc[0]
    assert area_km2(row.geometry) == pytest.approx(stated, rel=0.03)
    assert row["area_km2_stated"] == stated


def test_barrier_zones_do_not_overlap_and_make_up_the_barrier(store):
    zones = list(store.get("barrier_zones").gdf.geometry)
    for i in range(len(zones)):
        for j in range(i + 1, len(zones)):
            assert area_km2(zones[i].intersection(zones[j])) < 0.01
    barrier = store.get("eco_barrier").gdf.geometry.iloc[0]
    union = shapely.union_all(zones)
    assert area_km2(union) == pytest.approx(area_km2(barrier), rel=0.005)
    assert area_km2(union.symmetric_difference(barrier)) < 0.005 * area_km2(barrier)


WETLANDS = {  # short name: (district, published km², published bbox or None)
    "北大港": ("滨海新区", 348.87, (117 + 14 / 60, 38.5, 117 + 31 / 60, 38 + 57 / 60)),
    "七里海": ("宁河区", 359.13, None),
    "大黄堡": ("武清区", 112.0, (117 + 10 / 60 + 33 / 3600, 39 + 21 / 60 + 4 / 3600,
                               117 + 19 / 60 + 58 / 3600, 39 + 30 / 60 + 27 / 3600)),
    "团泊": ("静海区", 62.7, None),
}


@pytest.mark.parametrize("short", sorted(WETLANDS))
def test_wetland_inside_its_district_with_its_published_area(store, short):
    district, stated, bbox = WETLANDS[short]
    w = store.get("wetlands").gdf
    row = w[w["short_name"] == short].iloc[0]
    geom = row.geometry
    assert area_km2(geom) == pytest.approx(stated, rel=0.05)
    assert area_km2(geom.difference(_districts(store)[district])) < 0.01
    if bbox:
        assert box(*bbox).buffer(1e-6).contains(geom)
    assert row["geom_quality"] == "schematic"


def test_the_named_corridors_exist(store):
    names = set(store.get("eco_corridors").gdf["name"])
    for needle in ("海河", "永定新河", "独流减河", "宁静高速", "京津塘高速", "西部生态防护林带",
                   "东部国际蓝色海湾带"):
        assert any(needle in n for n in names), needle


def test_twin_cities_say_what_they_are_made_of(store):
    t = store.get("twin_cities").gdf.set_index("name")
    assert set(t.index) == {"津城", "滨城"}
    assert all(len(c) > 10 for c in t["composition"])
    assert set(t["geom_quality"]) <= {"derived", "schematic"}
    barrier = store.get("eco_barrier").gdf.geometry.iloc[0]
    for geom in t.geometry:
        assert area_km2(geom.intersection(barrier)) < 0.01
    assert area_km2(t.loc["津城", "geometry"].intersection(t.loc["滨城", "geometry"])) < 0.01


def test_registry_is_declarative_and_complete():
    specs = load_registry()
    assert len({s.id for s in specs}) == len(specs)
    for s in specs:
        assert s.title_zh and s.title_en and s.group and s.style.legend_zh
        assert s.field_names[:3] == ["name", "source", "geom_quality"]
