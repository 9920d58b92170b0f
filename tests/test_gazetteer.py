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
