"""Importing a project list: GBK/UTF-8/BOM CSV and XLSX, row-level report, atomic, idempotent."""
from __future__ import annotations

import io
import subprocess
import sys

import openpyxl
import pytest
from fastapi.testclient import TestClient

from planmap.api.app import create_app
from planmap.geo.chinese_coords import convert
from planmap.imports import import_projects
from planmap.imports import gpkg_write
from planmap.store import LayerStore

from bearer import bearer

HEADER = "项目名称,类别,区,总投资（亿元）,经度,纬度,坐标系,地点,负责单位\n"


def thousand_rows_with_ten_bad() -> tuple[str, set[tuple[int, str]]]:
    lines, bad = [HEADER], set()
    for i in range(1000):
        row = 2 + i
        lon, lat = 117.10 + (i % 50) * 0.004, 39.05 + (i // 50) * 0.003
        name, inv, lon_s = f"测试项目{i:04d}", f"{i % 7}.5", f"{lon:.5f}"
        if i % 100 == 7:
            if (i // 100) % 2:
                inv = "约三亿"
                bad.add((row, "investment_yi"))
            else:
                lon_s = "东经117"
                bad.add((row, "lon"))
        lines.append(f"{name},transport,,{inv},{lon_s},{lat:.5f},wgs84,,市住建委\n")
    return "".join(lines), bad


def test_gbk_csv_1000_rows_10_bad(tmp_store):
    text, bad = thousand_rows_with_ten_bad()
    n0 = len(tmp_store.get("projects"))
    report = import_projects(text.encode("gbk"), "2026项目清单.csv", tmp_store)
    assert report.imported == 990 and report.bad_rows == 10
    assert {(p["row"], p["column"]) for p in report.problems} == bad
    assert len(tmp_store.get("projects")) == n0 + 990
    gdf = tmp_store.get("projects").gdf
    new = gdf[gdf["origin"] == "2026项目清单.csv"]
    assert (new["loc_quality"] == "exact").all()
    assert '"负责单位": "市住建委"' in new["attributes"].iloc[0]  # unknown column kept
    # Same file again: nothing added.
    again = import_projects(text.encode("gbk"), "2026项目清单.csv", tmp_store)
    assert again.imported == 0 and again.already_present == 990
    assert len(LayerStore.from_gpkg(tmp_store.path).get("projects")) == n0 + 990


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings(tmp_store, encoding):
    data = (HEADER + "津南测试项目,water,津南区,2,,,,咸水沽,\n").encode(encoding)
    report = import_projects(data, f"e_{encoding}.csv", tmp_store)
    assert report.imported == 1, report.problems
    gdf = tmp_store.get("projects").gdf
    row = gdf[gdf["origin"] == f"e_{encoding}.csv"].iloc[0]
    assert row["name"] == "津南测试项目" and row["loc_quality"] == "town"
    assert row["matched_place"] == "咸水沽" and row["district"] == "津南区"


def test_gcj02_and_bd09_coordinates_land_on_the_same_wgs84_point(tmp_store):
    lon, lat = 117.2, 39.13
    g = convert(lon, lat, "wgs84", "gcj02")
    b = convert(lon, lat, "wgs84", "bd09")
    data = (HEADER + f"甲,other,,,{float(g[0]):.8f},{float(g[1]):.8f},gcj02,,\n"
                     f"乙,other,,,{float(b[0]):.8f},{float(b[1]):.8f},百度,,\n").encode()
    report = import_projects(data, "coords.csv", tmp_store)
    assert report.imported == 2, report.problems
    gdf = tmp_store.get("projects").gdf
    for geom in gdf[gdf["origin"] == "coords.csv"].geometry:
        assert abs(geom.x - lon) < 1e-6 and abs(geom.y - lat) < 1e-6


def test_xlsx_and_explained_rows(tmp_store):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["name", "district", "place", "lon", "lat"])
    ws.append(["机场项目", None, "天津滨海国际机场", None, None])
    ws.append(["无处项目", None, "不存在的地名", None, None])
    ws.append(["颠倒项目", None, None, 39.1, 117.2])
    ws.append(["境外项目", None, None, 121.47, 31.23])
    ws.append([None, "津南区", None, None, None])
    buf = io.BytesIO()
    wb.save(buf)
    report = import_projects(buf.getvalue(), "list.xlsx", tmp_store)
    assert report.imported == 1 and report.loc_quality == {"exact": 1}
    got = {(p["row"], p["column"]) for p in report.problems}
    assert got == {(3, "place"), (4, "lon"), (5, "lon"), (6, "name")}
    assert "swapped" in next(p["problem"] for p in report.problems if p["row"] == 4)
    assert "outside Tianjin" in next(p["problem"] for p in report.problems if p["row"] == 5)


def test_failure_half_way_changes_nothing(tmp_store, monkeypatch):
    n0 = len(tmp_store.get("projects"))
    real = gpkg_write.insert_features

    def insert_then_fail(con, table, rows):
        real(con, table, rows)
        raise RuntimeError("disk full")

    monkeypatch.setattr(gpkg_write, "insert_features", insert_then_fail)
    text, _ = thousand_rows_with_ten_bad()
    with pytest.raises(RuntimeError):
        import_projects(text.encode("gbk"), "fail.csv", tmp_store)
    assert len(LayerStore.from_gpkg(tmp_store.path).get("projects")) == n0
    assert len(tmp_store.get("projects")) == n0


def test_http_import_then_items_and_stats_see_it(tmp_store):
    client = TestClient(create_app(tmp_store), headers=bearer(tmp_store.path))
    before = client.get("/stats/projects?by=category").json()["total"]["count"]
    data = (HEADER + "HTTP测试项目,sports,,1.25,117.2,39.13,,,\n").encode("gbk")
    r = client.post("/projects/import", files={"file": ("p.csv", data, "text/csv")})
    assert r.status_code == 200 and r.json()["imported"] == 1
    after = client.get("/stats/projects?by=category").json()
    assert after["total"]["count"] == before + 1
    sports = next(g for g in after["groups"] if g["key"] == "sports")
    assert sports["investment_yi"] >= 1.25
    items = client.get("/collections/projects/items?limit=1&offset=" + str(before)).json()
    assert items["features"][0]["properties"]["name"] == "HTTP测试项目"


def test_http_bad_files_are_4xx(tmp_store):
    client = TestClient(create_app(tmp_store), headers=bearer(tmp_store.path))
    r = client.post("/projects/import", files={"file": ("x.pdf", b"%PDF-1.4", "application/pdf")})
    assert r.status_code == 415 and r.headers["content-type"].startswith("application/problem+json")
    r = client.post("/projects/import", files={"file": ("x.xlsx", b"PK\x03\x04junk", "application/octet-stream")})
    assert r.status_code == 400
    r = client.post("/projects/import", files={"file": ("x.csv", b"\xff\xfe\xfd\xfc" * 3, "text/csv")})
    assert r.status_code == 400
    r = client.post("/projects/import")
    assert r.status_code == 400
    r = client.post("/projects/import", files={"file": ("x.csv", "foo,bar\n1,2\n".encode(), "text/csv")})
    assert r.status_code == 200 and r.json()["problems"][0]["column"] == "name"


def test_cli_import(tmp_store, tmp_path):
    f = tmp_path / "cli.csv"
    f.write_bytes((HEADER + "命令行项目,other,,,117.2,39.13,,,\n").encode("gbk"))
    out = subprocess.run([sys.executable, "-m", "planmap.cli", "import-projects", str(f),
                          "--data", str(tmp_store.path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "1 imported" in out.stdout


def test_after_an_import_queries_map_and_exports_see_the_new_project(tmp_store):
    client = TestClient(create_app(tmp_store), headers=bearer(tmp_store.path))
    near = {"lon": 117.0001, "lat": 39.5001, "distance_m": 100, "layer": "projects"}
    assert client.get("/query/nearby", params=near).json()["numberMatched"] == 0  # engine built
    page = client.get("/map")
    assert "导入后可见项目" not in page.text
    export = client.get("/export/projects.geojson")
    data = (HEADER + "导入后可见项目,other,,,117.0,39.5,,,\n").encode("gbk")
    r = client.post("/projects/import", files={"file": ("late.csv", data, "text/csv")})
    assert r.status_code == 200 and r.json()["imported"] == 1
    hits = client.get("/query/nearby", params=near).json()
    assert [h["name"] for h in hits["features"]] == ["导入后可见项目"]
    assert "导入后可见项目" in client.get("/map").text
    again = client.get("/export/projects.geojson")
    assert "导入后可见项目" in again.text and "导入后可见项目" not in export.text


def test_a_second_replica_on_the_same_geopackage_sees_an_import(tmp_store):
    replica_a = TestClient(create_app(tmp_store), headers=bearer(tmp_store.path))
    replica_b = TestClient(create_app(data=tmp_store.path))
    count = replica_b.get("/collections/projects/items?limit=1").json()["numberMatched"]
    data = (HEADER + "另一副本可见项目,other,,,117.0,39.5,,,\n").encode("gbk")
    assert replica_a.post("/projects/import", files={"file": ("b.csv", data, "text/csv")}).json()["imported"] == 1
    assert replica_b.get("/collections/projects/items?limit=1").json()["numberMatched"] == count + 1
    near = {"lon": 117.0, "lat": 39.5, "distance_m": 10, "layer": "projects"}
    assert replica_b.get("/query/nearby", params=near).json()["features"][0]["name"] == "另一副本可见项目"


def test_a_write_that_leaves_the_layers_alone_does_not_reload_the_store(tmp_store):
    import sqlite3
    import time

    etag, layers = tmp_store.etag, dict(tmp_store.layers)
    time.sleep(0.01)
    con = sqlite3.connect(tmp_store.path)  # what SpatiaLite does on every connection: some write
    con.execute("CREATE TABLE scratch (a)")
    con.execute("DROP TABLE scratch")
    con.commit()
    con.close()
    assert tmp_store.refresh_if_changed() is False
    assert tmp_store.etag == etag and tmp_store.layers == layers
