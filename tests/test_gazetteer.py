"""The gazetteer places names only where its sources put them, and refuses ambiguous names."""
from __future__ import annotations

from planmap.config import SOURCES_DIR
from planmap.layers.gazetteer import Place, base_gazetteer, normalise
from planmap.layers.projects import locate


def _gaz(store):
    return base_gazetteer(SOURCES_DIR / "gazetteer", store.get("districts").gdf)


def test_town_with_or_without_suffix(store):
    gaz = _gaz(store)
    a, b = gaz.lookup("咸水沽"), gaz.lookup("咸水沽镇")
    assert a is not None and a == b and a.quality == "town"
    assert 38.9 < a.lat < 39.1 and 117.3 < a.lon < 117.5


def test_low_confidence_names_are_not_used(store):
    assert _gaz(store).lookup("中心桥") is None  # GeoNames row with confidence "low"


def test_ambiguous_name_needs_a_district(store):
    gaz = _gaz(store)
    assert gaz.lookup("黄庄") is None  # two GeoNames places of that name


def test_district_point_lies_in_its_district(store):
    gaz = _gaz(store)
    d = store.get("districts").gdf
    for name, geom in zip(d["name"], d.geometry):
        p = gaz.lookup(name)
        assert p.quality == "district" and geom.contains(p.point), name


def test_landmark_is_exact_and_cites_a_source(store):
    p = _gaz(store).lookup("天津滨海国际机场")
    assert p.quality == "exact" and "airportsdata" in p.source


def test_locate_prefers_the_most_precise_named_place(store):
    gaz = _gaz(store)
    gaz.add(Place("测试园", 117.5, 39.0, "park", "滨海新区", "test"))
    assert locate(gaz, place="小站", park="测试园", district="津南区").loc_quality == "town"
    assert locate(gaz, park="测试园", district="滨海新区").loc_quality == "park"
    assert locate(gaz, district="津南区").loc_quality == "district"
    assert locate(gaz, place="没有这个地方").loc_quality == "citywide"
    assert locate(gaz, citywide=True).place is None


def test_normalise_dashes_and_widths():
    assert normalise("中新天津生态城（二期）") == normalise("中新天津生态城(二期)")
    assert normalise("滨海--中关村") == normalise("滨海—中关村")


def test_loc_quality_distribution_is_reported(store):
    q = store.get("projects").gdf["loc_quality"].value_counts().to_dict()
    assert set(q) <= {"exact", "park", "town", "district", "citywide"}
    print("loc_quality:", q)


def test_qualified_and_listed_names_find_the_place_they_name(store):
    gaz = _gaz(store)
    assert gaz.lookup("杨柳青古镇").name == "杨柳青"
    assert gaz.lookup("小站周边").name == "小站"
    assert gaz.lookup("泰安道—小白楼").name == "小白楼"  # the first part is a road, unknown
    assert gaz.lookup("没有这个地方、咸水沽").name == "咸水沽"
    assert gaz.lookup("古镇") is None  # a qualifier alone names nothing


def test_around_a_landmark_is_not_exact(store):
    gaz = _gaz(store)
    assert gaz.lookup("天津滨海国际机场").quality == "exact"
    assert gaz.lookup("天津滨海国际机场周边").quality == "town"


def test_every_landmark_cites_its_coordinate_and_lies_in_its_district(store):
    import csv

    districts = store.get("districts").gdf.set_index("name").geometry
    with (SOURCES_DIR / "gazetteer" / "landmarks.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows
    for r in rows:
        assert r["source"].strip() and r["coord_text"].strip(), r["name_zh"]
        assert r["quality"] in ("exact", "park", "town"), r["name_zh"]
        p = Place(r["name_zh"], float(r["lon"]), float(r["lat"]), r["quality"], r["district"], "")
        assert districts[r["district"]].contains(p.point), r["name_zh"]


def test_same_name_close_together_is_one_place_at_two_scales(store):
    gaz = _gaz(store)
    # 劝业场 the street (GeoNames) and 劝业场 the building (a cited landmark) lie within 2 km.
    assert gaz.lookup("劝业场").quality == "exact"
    assert gaz.lookup("劝业场地区").quality == "town"  # "the 劝业场 area": not the building itself


def test_a_town_written_with_its_suffix_inside_a_project_name_places_it(store):
    gaz = _gaz(store)
    assert gaz.find_in_text("咸水沽镇南华里旧楼区提升改造", "津南区").name == "咸水沽"
    assert gaz.find_in_text("小站稻特色品牌示范区", "津南区") is None  # 小站稻 is a rice, not the town


def test_a_short_or_other_district_name_inside_a_project_name_is_not_a_location(store):
    gaz = _gaz(store)
    gaz.add(Place("文化中心", 117.2, 39.08, "park", "河西区", "test"))
    gaz.add(Place("西站", 117.16, 39.15, "park", "红桥区", "test"))
    assert gaz.find_in_text("津南区市民（综合）文化中心", "津南区") is None  # 河西's 文化中心
    assert gaz.find_in_text("滨海西站综合枢纽", "滨海新区") is None  # two characters


def test_line_9_stations_are_exact_points_in_binhai(store):
    gaz = _gaz(store)
    teda, civic = gaz.lookup("泰达站"), gaz.lookup("市民广场站")
    assert teda.quality == civic.quality == "exact"
    assert teda.district == civic.district == "滨海新区"
    assert gaz.lookup("洞庭路站") == teda  # the station's name before 2005
    assert gaz.lookup("泰达").name == "天津经济技术开发区"  # the zone, not its station


def test_the_beijing_gas_lng_project_is_placed_at_its_terminal(store):
    gaz = _gaz(store)
    terminal = gaz.lookup("北京燃气集团天津LNG接收站")  # the name Global Energy Monitor prints
    assert terminal is not None and terminal.quality == "exact" and "gem.wiki" in terminal.source
    loc = locate(gaz, place="北京燃气天津南港LNG应急储备项目", park="南港工业区", district="滨海新区")
    assert loc.loc_quality == "exact" and loc.place == terminal


def test_nangang_projects_are_placed_at_their_zone_not_finer(store):
    gaz = _gaz(store)
    loc = locate(gaz, park="南港工业区", district="滨海新区", name="南港工业区120万吨乙烯项目")
    assert loc.loc_quality == "park" and loc.place.name == "南港工业区"
    # a project merely naming 南港 (not the zone) is not moved to the zone's point
    assert locate(gaz, place="南港", district="滨海新区").loc_quality == "district"
