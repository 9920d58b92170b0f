"""What an import says about each row: every problem, district warnings, content keys, origin."""
from __future__ import annotations


import pytest

from planmap.imports import import_projects
from planmap.store import LayerStore

HEADER = "项目名称,类别,区,总投资（亿元）,经度,纬度,坐标系,地点,备注\n"


def _problems(report, row):
    return {p["column"]: p["problem"] for p in report.problems if p["row"] == row}


def test_a_row_gets_every_problem_it_has(tmp_store):
    data = (HEADER + "坏项目,railway,南京区,三亿,,,,不存在的地名,\n").encode()
    report = import_projects(data, "all.csv", tmp_store)
    got = _problems(report, 2)
    assert set(got) == {"category", "district", "investment_yi", "place"}
    assert "transport (交通)" in got["category"] and "other (其他)" in got["category"]
    assert report.bad_rows == 1 and report.problems_total == 4 and report.imported == 0


def test_bad_coordinates_and_other_problems_are_reported_together(tmp_store):
    data = (HEADER + "境外项目,体育,,-5,121.47,31.23,,,\n").encode()
    report = import_projects(data, "far.csv", tmp_store)
    got = _problems(report, 2)
    assert set(got) == {"investment_yi", "lon"}
    assert "outside Tianjin" in got["lon"] and "outside 0" in got["investment_yi"]


def test_a_category_may_be_its_code_or_its_label(tmp_store):
    data = (HEADER + "甲,交通,,,117.2,39.13,,,\n乙,Public safety,,,117.21,39.13,,,\n").encode()
    report = import_projects(data, "labels.csv", tmp_store)
    assert report.imported == 2, report.problems
    gdf = tmp_store.get("projects").gdf
    assert sorted(gdf[gdf["origin"] == "labels.csv"]["category"]) == ["public_safety", "transport"]


def test_a_stated_district_that_disagrees_with_the_point_is_a_warning(tmp_store):
    xiqing = tmp_store.get("districts").gdf.set_index("name").loc["西青区"].geometry.representative_point()
    data = (HEADER + f"错区项目,other,津南区,,{xiqing.x:.6f},{xiqing.y:.6f},,,\n"
                     f"对区项目,other,西青区,,{xiqing.x:.6f},{xiqing.y + 0.0001:.6f},,,\n").encode()
    report = import_projects(data, "districts.csv", tmp_store)
    assert report.imported == 2 and not report.problems
    assert [(w["row"], w["column"]) for w in report.warnings] == [(2, "district")]
    assert "津南区" in report.warnings[0]["warning"] and "西青区" in report.warnings[0]["warning"]
    gdf = tmp_store.get("projects").gdf
    row = gdf[gdf["name"] == "错区项目"].iloc[0]
    assert row["district"] == "西青区" and row["district_stated"] == "津南区"


def test_the_same_rows_under_another_file_name_add_nothing(tmp_store):
    data = (HEADER + "重复项目甲,water,津南区,2,,,,咸水沽,\n重复项目乙,other,,,117.2,39.13,gcj02,,x\n").encode()
    first = import_projects(data, "first.csv", tmp_store)
    n = len(tmp_store.get("projects"))
    again = import_projects(data.decode().encode("gbk"), "renamed.csv", tmp_store)
    assert first.imported == 2 and again.imported == 0 and again.already_present == 2
    assert len(LayerStore.from_gpkg(tmp_store.path).get("projects")) == n
    changed = import_projects(data.replace(b",2,", b",3,"), "third.csv", tmp_store)
    assert changed.imported == 1 and changed.already_present == 1  # a changed figure is a new row


@pytest.mark.parametrize("filename", ["seed", "seed_000.csv", "SEED.csv", "../seed_004.csv"])
def test_an_upload_cannot_claim_the_curated_origin(tmp_store, filename):
    seeds = int((tmp_store.get("projects").gdf["origin"] == "seed").sum())
    data = (HEADER + f"冒名项目{len(filename)},other,,,117.2,39.13,,,\n").encode()
    report = import_projects(data, filename, tmp_store)
    assert report.imported == 1 and report.origin.startswith("upload:")
    gdf = tmp_store.get("projects").gdf
    assert int((gdf["origin"] == "seed").sum()) == seeds
    new = gdf[gdf["name"] == f"冒名项目{len(filename)}"].iloc[0]
    assert new["origin"] == report.origin and not new["source"].startswith("seed")


@pytest.mark.parametrize("text", ["1_17.38", "1e308", "1E3", "inf", "nan", "0x1A", "1,2", "12.5亿", "1.2.3"])
def test_only_plain_decimal_numbers(tmp_store, text):
    data = (HEADER + f'数字项目,other,,"{text}",117.2,39.13,,,\n').encode()
    report = import_projects(data, "numbers.csv", tmp_store)
    assert report.imported == 0 and set(_problems(report, 2)) == {"investment_yi"}


@pytest.mark.parametrize("text, value", [("1,234.5", 1234.5), ("１２．５", 12.5), (".5", 0.5), ("7", 7.0)])
def test_plain_decimal_spellings_that_are_accepted(tmp_store, text, value):
    data = (HEADER + f'数字项目,other,,"{text}",117.2,39.13,,,\n').encode()
    report = import_projects(data, "numbers.csv", tmp_store)
    assert report.imported == 1, report.problems
    gdf = tmp_store.get("projects").gdf
    assert gdf[gdf["name"] == "数字项目"].iloc[0]["investment_yi"] == value


def test_numbers_out_of_range(tmp_store):
    header = "name,investment_yi,length_km,area_km2,lon,lat\n"
    data = (header + "大项目,200000,6000,13000,117.2,39.13\n远项目,1,1,1,190,39.1\n").encode()
    report = import_projects(data, "range.csv", tmp_store)
    assert set(_problems(report, 2)) == {"investment_yi", "length_km", "area_km2"}
    assert set(_problems(report, 3)) == {"lon"}


def test_stated_lengths_and_areas_are_kept(tmp_store):
    data = "name,length_km,面积（平方公里）,lon,lat\n线项目,12.5,0.8,117.2,39.13\n".encode()
    assert import_projects(data, "len.csv", tmp_store).imported == 1
    row = tmp_store.get("projects").gdf.query("name == '线项目'").iloc[0]
    assert row["length_km"] == 12.5 and row["area_km2_stated"] == 0.8


def test_control_characters_are_refused_but_line_breaks_in_text_are_kept(tmp_store):
    data = (HEADER + "坏\x00名,other,,,117.2,39.13,,,\n"
                     "备注\x07项目,other,,,117.2,39.13,,,响\x1b铃\n"
                     '"两行\n名称",other,,,117.21,39.13,,,"第一行\t第二行"\n').encode()
    report = import_projects(data, "ctl.csv", tmp_store)
    assert "U+0000" in _problems(report, 2)["name"]
    assert set(_problems(report, 3)) == {"name", "备注"}
    assert report.imported == 1
    gdf = tmp_store.get("projects").gdf
    assert list(gdf[gdf["origin"] == "ctl.csv"]["name"]) == ["两行\n名称"]
