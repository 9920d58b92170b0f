"""The siting check, on sites built from the store's own geometry (never hard-coded answers)."""
from __future__ import annotations

import itertools

import numpy as np
import orjson
import prcoords
import pytest
import shapely
from shapely.geometry import Polygon, mapping

from planmap.analysis.query import engine_for
from planmap.analysis.siting import RULES_PATH, SitingRules, check_site, default_rules
from planmap.geo.crs import transform_geometry
from planmap.geo.measure import area_m2

import tomllib


def wgs(metric_geom):
    return transform_geometry(metric_geom, "EPSG:4548", "CRS84")


def post_site(client, geom, **params):
    return client.post("/analysis/siting", params=params, content=orjson.dumps(mapping(geom)),
                       headers={"content-type": "application/geo+json"})


@pytest.fixture(scope="module")
def engine(store):
    return engine_for(store)


@pytest.fixture(scope="module")
def level1_site(engine):
    """A 300 m disc well inside the level-1 control zone."""
    zones = engine.get("barrier_zones")
    pos = [i for i, r in enumerate(zones.records) if r["level"] == 1][0]
    zone = zones.geoms[pos]
    inner = zone.buffer(-400)
    assert not inner.is_empty, "level-1 zone too thin to hold a test site"
    site = shapely.point_on_surface(inner).buffer(300, quad_segs=32)
    assert zone.contains(site)
    return wgs(site)


@pytest.fixture(scope="module")
def two_district_site(engine):
    """A disc on the shared boundary of two districts, covered by those two only."""
    d = engine.get("districts")
    for a, b in itertools.combinations(range(len(d.geoms)), 2):
        shared = shapely.intersection(d.geoms[a].boundary, d.geoms[b].boundary)
        if shared.is_empty or shared.length < 5000:
            continue
        line = shapely.line_merge(shared)
        part = max(getattr(line, "geoms", [line]), key=lambda g: g.length)
        centre = part.interpolate(0.5, normalized=True)
        site = centre.buffer(400, quad_segs=32)
        others = [i for i in d.intersecting(site) if i not in (a, b)]
        union = shapely.union(d.geoms[a], d.geoms[b])
        if not others and shapely.area(shapely.difference(site, union)) < 1e-6 * site.area:
            return wgs(site), {d.records[a]["name"], d.records[b]["name"]}
    pytest.fail("no pair of neighbouring districts to build a test site on")


@pytest.fixture(scope="module")
def corridor_site(engine):
    """A 50 m disc whose edge is 500 m from the nearest corridor, clear of every overlap rule."""
    corr = engine.get("eco_corridors")
    blockers = [engine.get(r.layer) for r in default_rules().rules if r.test == "overlap"]
    districts = engine.get("districts")
    for g in corr.geoms:
        for side in (550, -550):
            off = shapely.offset_curve(g, side)
            for t in np.linspace(0.05, 0.95, 19):
                site = off.interpolate(t, normalized=True).buffer(50, quad_segs=16)
                dist = min(shapely.distance(site, c) for c in corr.geoms)
                if not 490 <= dist <= 510:
                    continue
                if any(len(m.intersecting(site)) for m in blockers if m is not None):
                    continue
                if len(districts.intersecting(site)) == 0:
                    continue
                return wgs(site), dist
    pytest.fail("no place 500 m from a corridor outside every control zone")


def test_site_inside_the_schematic_level1_zone_is_a_possible_conflict_with_its_full_overlap(client, level1_site):
    """The zone is schematic: the overlap is reported in full, but the verdict is only 待核实."""
    r = post_site(client, level1_site)
    assert r.status_code == 200, r.text
    rep = r.json()
    assert rep["verdict"] == "possible_conflict" and rep["rests_on"] == ["schematic"]
    site_area = area_m2(level1_site)
    [hit] = [c for c in rep["conflicts"] if c["layer"] == "barrier_zones"]
    assert hit["level"] == 1 and hit["verdict"] == "possible_conflict" and hit["rule_verdict"] == "conflict"
    assert hit["geom_quality"] == "schematic" and hit["layer_title_zh"] == "生态屏障管控分区"
    assert hit["overlap_m2"] == pytest.approx(site_area, rel=1e-3)
    assert hit["share_of_site"] == pytest.approx(1.0, rel=1e-3)
    assert rep["site"]["area_m2"] == pytest.approx(site_area, rel=1e-3)
    zh, en = rep["summary"]["zh"], rep["summary"]["en"]
    assert "待核实" in zh and "示意" in zh and "管控图" in zh
    assert f"{site_area / 1e4:,.2f} 公顷" in zh
    assert "schematic" in en and "possible conflict" in en and "管控图" in en


def test_site_across_two_districts_lists_both_with_areas_summing_to_the_site(client, two_district_site):
    site, names = two_district_site
    rep = post_site(client, site).json()
    assert {d["name"] for d in rep["districts"]} == names
    total = sum(d["area_m2"] for d in rep["districts"])
    assert total == pytest.approx(area_m2(site), rel=1e-3)
    assert all(0 < d["share_of_site"] < 1 for d in rep["districts"])
    assert rep["twin_cities"] is not None  # may be empty when the site lies in the barrier


def test_site_500m_from_a_corridor_is_caution_with_1km_setting(client, corridor_site):
    site, dist = corridor_site
    rep = post_site(client, site).json()
    assert rep["verdict"] == "caution", rep["summary"]
    [hit] = [c for c in rep["cautions"] if c["rule"] == "corridor_setback"][:1]
    assert hit["distance_m"] == pytest.approx(dist, abs=1.0)
    assert rep["nearest_corridor"]["distance_m"] == pytest.approx(dist, abs=1.0)


def test_changing_the_corridor_distance_in_the_rules_changes_the_verdict(engine, corridor_site):
    site, _ = corridor_site
    doc = tomllib.loads(RULES_PATH.read_text(encoding="utf-8"))
    assert check_site(engine, site, SitingRules.from_dict(doc))["verdict"] == "caution"
    for rule in doc["rule"]:
        if rule["test"] == "within":
            rule["distance_m"] = 300
    assert check_site(engine, site, SitingRules.from_dict(doc))["verdict"] == "clear"


def test_changing_the_conflict_levels_in_the_rules_changes_the_verdict(engine, level1_site):
    doc = tomllib.loads(RULES_PATH.read_text(encoding="utf-8"))
    for rule in doc["rule"]:
        if rule.get("where", {}).get("level") == [1]:
            rule["verdict"] = "caution"
    assert check_site(engine, level1_site, SitingRules.from_dict(doc))["verdict"] == "caution"


def test_gcj02_site_gets_the_same_answer_as_its_wgs84_twin(client, level1_site, two_district_site):
    for site in (level1_site, two_district_site[0]):
        gcj = shapely.transform(site, lambda c: np.array([prcoords.wgs_gcj((y, x))[::-1] for x, y in c]))
        a = post_site(client, site).json()
        b = post_site(client, gcj, coord_sys="gcj02").json()
        assert b["verdict"] == a["verdict"]
        assert [(d["name"], round(d["area_m2"], -1)) for d in b["districts"]] == \
               [(d["name"], round(d["area_m2"], -1)) for d in a["districts"]]
        assert b["site"]["area_m2"] == pytest.approx(a["site"]["area_m2"], rel=1e-4)


def test_site_in_epsg4548_and_3857_gives_the_same_report(client, level1_site):
    base = post_site(client, level1_site).json()
    gk = shapely.transform(transform_geometry(level1_site, "CRS84", "EPSG:4548"), lambda c: c[:, ::-1].copy())
    merc = transform_geometry(level1_site, "CRS84", "EPSG:3857")
    for geom, crs in ((gk, "EPSG:4548"), (merc, "http://www.opengis.net/def/crs/EPSG/0/3857")):
        rep = post_site(client, geom, crs=crs).json()
        assert rep["verdict"] == base["verdict"]
        assert rep["site"]["area_m2"] == pytest.approx(base["site"]["area_m2"], rel=1e-4)


def test_feature_body_is_accepted(client, level1_site):
    body = {"type": "Feature", "properties": {"name": "test"}, "geometry": mapping(level1_site)}
    r = client.post("/analysis/siting", content=orjson.dumps(body))
    assert r.status_code == 200 and r.json()["verdict"] == "possible_conflict"


def test_site_outside_tianjin_is_clear_with_a_note(client):
    shanghai = shapely.Point(121.47, 31.23).buffer(0.005)
    rep = post_site(client, shanghai).json()
    assert rep["verdict"] == "clear"
    assert any("outside Tianjin" in n for n in rep["notes"])
    assert rep["districts"] == []


def problem_of(r, status):
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    return r.json()["detail"]


def test_bad_inputs_get_4xx_that_say_what_to_fix(client, level1_site):
    post = lambda body, **p: client.post("/analysis/siting", params=p, content=body)
    assert "empty" in problem_of(post(b""), 400)
    assert "not valid JSON" in problem_of(post(b"{not json"), 400)
    assert "Polygon" in problem_of(post(orjson.dumps({"type": "Point", "coordinates": [117.2, 39.1]})), 422)
    assert "not a geometry" in problem_of(post(orjson.dumps({"type": "Banana"})), 422)
    swapped = shapely.transform(level1_site, lambda c: c[:, ::-1].copy())
    assert "swapped" in problem_of(post(orjson.dumps(mapping(swapped))), 422)
    big = shapely.Point(117.2, 39.1).buffer(0.01, quad_segs=3000)
    assert "10,000" in problem_of(post(orjson.dumps(mapping(big))), 422)
    huge = b'{"type": "Polygon", "coordinates": [[' + b"[117.2, 39.1]," * 400_000 + b"[117.2, 39.1]]]}"
    assert "limit" in problem_of(post(huge), 413)
    assert "crs" in problem_of(post(orjson.dumps(mapping(level1_site)), crs="EPSG:9999"), 400)
    assert "coord_sys" in problem_of(post(orjson.dumps(mapping(level1_site)), coord_sys="mars"), 400)


def test_self_intersecting_site_is_repaired_with_a_warning_or_refused(client, level1_site):
    minx, miny, maxx, maxy = level1_site.bounds
    bowtie = Polygon([(minx, miny), (maxx, maxy), (maxx, miny), (minx, maxy), (minx, miny)])
    r = post_site(client, bowtie)
    assert r.status_code == 200
    assert any("repaired" in w for w in r.json()["warnings"])
    assert r.json()["site"]["area_m2"] > 0
    assert "invalid" in problem_of(post_site(client, bowtie, repair="false"), 422)


def test_html_report_is_a_printable_page_with_verdict_and_map(client, level1_site):
    r = post_site(client, level1_site, f="html")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert 'class="verdict verdict-possible_conflict"' in r.text
    assert "一级管控区" in r.text and 'id="minimap"' in r.text and "@media print" in r.text
    assert "生态屏障管控分区" in r.text and "示意边界" in r.text and "待核实" in r.text


def test_html_report_without_a_basemap_loads_no_tiles(client, level1_site):
    with_tiles = post_site(client, level1_site, f="html", basemap="osm")
    assert "tile.openstreetmap.org" in with_tiles.text
    r = post_site(client, level1_site, f="html", basemap="none")
    assert r.status_code == 200 and "tile.openstreetmap.org" not in r.text
    assert 'id="minimap"' in r.text and "verdict-possible_conflict" in r.text


def test_html_report_refuses_an_unknown_basemap(client, level1_site):
    r = post_site(client, level1_site, f="html", basemap="google")
    assert r.status_code == 400 and "osm, none" in r.json()["detail"]
