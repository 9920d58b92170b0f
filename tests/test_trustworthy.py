"""Answers a planner can trust (issue 10): zones that spare the towns, graded verdicts, valid
geometry everywhere, no placeholder sites. Every expectation is computed from the sources or the
store, never written in."""
from __future__ import annotations

import csv
import itertools
import tomllib

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely.geometry import mapping

from planmap.analysis.query import engine_for
from planmap.analysis.siting import check_site
from planmap.config import SCHEMATIC_DIR, SOURCES_DIR
from planmap.geo.crs import transform_geometry
from planmap.geo.measure import area_km2, to_metric
from planmap.geo.validate import degenerate
from planmap.layers.build import build, finalize
from planmap.layers.registry import load_registry
from planmap.layers.projects import POINT_QUALITIES
from planmap.store import LayerStore


def _disc(lon: float, lat: float, radius_m: float):
    return transform_geometry(to_metric(shapely.Point(lon, lat)).buffer(radius_m, quad_segs=32),
                              "EPSG:4548", "CRS84")


@pytest.fixture(scope="module")
def barrier(store):
    return shapely.union_all(list(store.get("eco_barrier").gdf.geometry))


@pytest.fixture(scope="module")
def zones(store):
    return store.get("barrier_zones").gdf


@pytest.fixture(scope="module")
def town_seats_in_barrier(barrier):
    """Every town seat the gazetteer puts inside the barrier (GeoNames towns the curator matched)."""
    with (SOURCES_DIR / "gazetteer" / "geonames_tianjin.csv").open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh)
                if r["kind"] in ("town", "street") and r["confidence"] in ("high", "medium")]
    seats = [(r["name_zh"], float(r["lon"]), float(r["lat"])) for r in rows
             if barrier.contains(shapely.Point(float(r["lon"]), float(r["lat"])))]
    assert len(seats) >= 6, seats  # 咸水沽, 小站, 葛沽, 北闸口, 双桥河, 军粮城 at least
    return seats


def test_no_town_seat_inside_the_barrier_lies_in_level_1(zones, town_seats_in_barrier):
    level1 = zones[zones["level"] == 1].geometry.iloc[0]
    inside = [name for name, lon, lat in town_seats_in_barrier if level1.intersects(shapely.Point(lon, lat))]
    assert inside == []
    names = {n for n, *_ in town_seats_in_barrier}
    assert {"咸水沽", "小站", "葛沽", "北闸口", "双桥河", "军粮城"} <= names


def test_the_three_zones_keep_their_published_areas_and_tile_the_barrier(zones, barrier):
    doc = tomllib.loads((SCHEMATIC_DIR / "barrier_zones.toml").read_text(encoding="utf-8"))
    stated = {z["level"]: z["area_km2_stated"] for z in doc["zones"]}
    for _, z in zones.iterrows():
        assert area_km2(z.geometry) == pytest.approx(stated[z["level"]], rel=0.03), z["name"]
        assert z["name"] == {1: "一级管控区", 2: "二级管控区", 3: "三级管控区"}[z["level"]]
    union = shapely.union_all(list(zones.geometry))
    assert area_km2(shapely.symmetric_difference(union, barrier)) < 0.05
    for a, b in itertools.combinations(list(zones.geometry), 2):
        assert area_km2(shapely.intersection(a, b)) < 0.01


def test_level_3_holds_the_construction_land_and_level_2_surrounds_it(zones, store):
    """国家会展中心 (a named construction area) is level 3; level 2 borders level 3."""
    expo = [g for n, g in zip(store.get("parks").gdf["name"], store.get("parks").gdf.geometry)
            if n and "国家会展中心" in n and g is not None]
    by_level = dict(zip(zones["level"], zones.geometry))
    with (SOURCES_DIR / "gazetteer" / "landmarks.csv").open(encoding="utf-8") as fh:
        row = next(r for r in csv.DictReader(fh) if r["name_zh"].startswith("国家会展中心"))
    assert by_level[3].contains(shapely.Point(float(row["lon"]), float(row["lat"])))
    assert by_level[2].intersection(by_level[3]).length > 0  # they share edges
    assert expo == [] or all(not by_level[1].contains(g) for g in expo)


def test_wetland_reserves_touch_the_barrier_only_where_a_source_says_so(store, barrier):
    doc = tomllib.loads((SCHEMATIC_DIR / "wetlands.toml").read_text(encoding="utf-8"))
    outside = {w["name"] for w in doc["wetlands"] if w.get("outside_barrier")}
    assert {"北大港湿地自然保护区", "天津古海岸与湿地国家级自然保护区（七里海）"} <= outside
    wl = store.get("wetlands").gdf
    for name, geom, stated in zip(wl["name"], wl.geometry, wl["area_km2_stated"]):
        if name in outside:
            assert area_km2(shapely.intersection(geom, barrier)) < 0.01, name
        assert area_km2(geom) == pytest.approx(stated, rel=0.01), name


def test_every_geometry_of_every_layer_is_valid_and_not_degenerate(store):
    bad = [(lyr.id, fid, why) for lyr in store for fid, g in zip(lyr.gdf.index, lyr.gdf.geometry)
           if (why := degenerate(g, lyr.spec.geometry))]
    assert bad == []


@pytest.mark.parametrize("geom, why", [
    (shapely.Polygon([(117.3, 38.9), (117.5, 39.1), (117.5, 38.9), (117.3, 39.1)]), "Self-intersection"),
    (shapely.MultiPolygon([shapely.box(117.3, 38.9, 117.5, 39.1), shapely.box(117.6, 38.9, 117.600005, 38.900005)]),
     "under 1 m²"),
    (shapely.Polygon(), "empty"),
])
def test_the_build_refuses_an_invalid_or_degenerate_geometry(geom, why):
    spec = next(s for s in load_registry() if s.id == "barrier_zones")
    gdf = gpd.GeoDataFrame({"name": ["一级管控区"], "level": [1], "area_km2": [1.0], "area_km2_stated": [1.0],
                            "source": ["test"], "geom_quality": ["schematic"]}, geometry=[geom], crs="EPSG:4326")
    with pytest.raises(ValueError, match=f"barrier_zones: 1 unusable.*{why}"):
        finalize(spec, gdf)


def test_no_project_or_park_below_town_precision_has_a_point(store):
    for lid in ("projects", "parks"):
        gdf = store.get(lid).gdf
        has_point = gdf.geometry.notna() & ~gdf.geometry.is_empty
        coarse = ~gdf["loc_quality"].isin(POINT_QUALITIES)
        assert not (has_point & coarse).any(), gdf[has_point & coarse]["name"].tolist()[:5]
        assert (has_point | coarse).all()  # every exact/park/town feature does have its point
        assert coarse.any()  # the curated data does hold district-only items


def test_unlocated_projects_keep_their_district_and_join_to_nothing_else(store):
    p = store.get("projects").gdf
    coarse = p[p["loc_quality"] == "district"]
    assert len(coarse) and coarse["district"].notna().all()
    assert coarse["barrier_level"].isna().all() and coarse["wetland"].isna().all()
    assert coarse["twin_city"].isna().all()


def test_a_200m_site_at_xianshuigu_is_not_a_conflict(store):
    with (SOURCES_DIR / "gazetteer" / "geonames_tianjin.csv").open(encoding="utf-8") as fh:
        row = next(r for r in csv.DictReader(fh) if r["name_zh"] == "咸水沽")
    rep = check_site(engine_for(store), _disc(float(row["lon"]), float(row["lat"]), 200))
    assert rep["verdict"] not in ("conflict", "possible_conflict"), rep["summary"]
    assert rep["districts"][0]["name"] == "津南区"


@pytest.fixture(scope="module")
def official_zones_store(tmp_path_factory, store):
    """The same zones loaded as an official file (planmap build --replace barrier_zones=PATH)."""
    tmp = tmp_path_factory.mktemp("official")
    zones = store.get("barrier_zones").gdf[["name", "level", "area_km2_stated", "geometry"]]
    src = tmp / "管控图.gpkg"
    zones.to_file(src, driver="GPKG")
    out = tmp / "planmap.gpkg"
    build(out, replacements={"barrier_zones": src}, log=lambda *_: None)
    return LayerStore.from_gpkg(out)


def _level1_site(store):
    zones = store.get("barrier_zones").gdf
    level1 = to_metric(zones[zones["level"] == 1].geometry.iloc[0])
    site = shapely.point_on_surface(level1.buffer(-400)).buffer(300, quad_segs=32)
    return transform_geometry(site, "EPSG:4548", "CRS84")


def test_an_official_zone_file_turns_the_same_overlap_into_a_conflict(store, official_zones_store):
    site = _level1_site(store)
    schematic = check_site(engine_for(store), site)
    official = check_site(engine_for(official_zones_store), site)
    assert schematic["verdict"] == "possible_conflict"
    assert official["verdict"] == "conflict" and official["rests_on"] == ["official"]
    [hit] = [c for c in official["conflicts"] if c["layer"] == "barrier_zones"]
    assert hit["geom_quality"] == "official" and hit["verdict"] == "conflict"
    assert hit["overlap_m2"] == pytest.approx(schematic["conflicts"][0]["overlap_m2"], rel=1e-6)
    assert "待核实" not in official["summary"]["zh"] and "冲突" in official["summary"]["zh"]


def test_the_api_and_the_html_report_give_the_same_graded_verdict(client, store):
    import orjson

    site = orjson.dumps(mapping(_level1_site(store)))
    js = client.post("/analysis/siting", content=site).json()
    html = client.post("/analysis/siting", params={"f": "html"}, content=site).text
    assert js["verdict"] == "possible_conflict"
    assert 'data-verdict="possible_conflict"' in html and js["verdict_zh"] in html
    assert "生态屏障管控分区" in html and "示意边界" in html


def test_an_imported_row_known_only_to_its_district_gets_no_point(tmp_store):
    """The import follows the build: a district-only row is stored without a point, counted in its
    district, and in no zone; a row at a town gets the town's point."""
    from planmap.imports import import_projects

    local = tmp_store
    before = int((local.get("projects").gdf["district"] == "津南区").sum())
    text = "项目名称,所在区,地点\n津南区全域口袋公园提升,津南区,\n咸水沽镇文化中心,津南区,咸水沽\n"
    report = import_projects(text.encode("utf-8"), "清单.csv", local)
    assert report.imported == 2, report.as_dict()
    p = local.get("projects").gdf
    coarse = p[p["name"] == "津南区全域口袋公园提升"].iloc[0]
    town = p[p["name"] == "咸水沽镇文化中心"].iloc[0]
    assert coarse["loc_quality"] == "district" and coarse.geometry is None
    assert pd.isna(coarse["barrier_level"]) and coarse["district"] == "津南区"
    assert town["loc_quality"] == "town" and town.geometry is not None
    assert int((p["district"] == "津南区").sum()) == before + 2
