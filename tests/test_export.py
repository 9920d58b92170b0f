"""Exports: every format opens in GDAL with every feature, Chinese text and the right CRS."""
from __future__ import annotations

import io
import sqlite3
import xml.dom.minidom
import zipfile

import pyogrio
import pytest

from planmap.cli import main as cli_main

FORMATS = ["gpkg", "zip", "kml", "geojson", "csv", "fgb"]


def _open_path(tmp_path, layer, suffix, data):
    path = tmp_path / f"{layer}.{suffix}"
    path.write_bytes(data)
    return f"/vsizip/{path}/{layer}.shp" if suffix == "zip" else str(path)


@pytest.mark.parametrize("suffix", FORMATS)
def test_each_format_has_every_feature_and_chinese_names(client, store, tmp_path, suffix):
    r = client.get(f"/export/wetlands.{suffix}")
    assert r.status_code == 200, r.text
    assert "attachment" in r.headers["content-disposition"]
    path = _open_path(tmp_path, "wetlands", suffix, r.content)
    df = pyogrio.read_dataframe(path, layer=None if suffix in ("csv",) else "wetlands")
    assert len(df) == len(store.get("wetlands"))
    names = df["name" if "name" in df else "Name"].tolist()
    assert sorted(names) == sorted(store.get("wetlands").gdf["name"])


@pytest.mark.parametrize("suffix", ["gpkg", "zip", "geojson", "fgb"])
def test_epsg4548_export_is_in_metres(client, tmp_path, suffix):
    r = client.get(f"/export/barrier_zones.{suffix}", params={"crs": "EPSG:4548"})
    path = _open_path(tmp_path, "barrier_zones", suffix, r.content)
    info = pyogrio.read_info(path, layer="barrier_zones")
    assert info["crs"] == "EPSG:4548"
    x0, y0, _, _ = pyogrio.read_bounds(path, layer="barrier_zones")[1][:, 0]
    assert 3.5e5 < x0 < 6.5e5 and 4.2e6 < y0 < 4.5e6  # easting, northing (GIS order in files)


def test_shapefile_zip_has_utf8_cpg_prj_and_field_names(client):
    z = zipfile.ZipFile(io.BytesIO(client.get("/export/wetlands.zip").content))
    names = z.namelist()
    assert {"wetlands.shp", "wetlands.dbf", "wetlands.shx", "wetlands.prj", "wetlands.cpg"} <= set(names)
    assert z.read("wetlands.cpg").strip() == b"UTF-8"
    assert b"WGS" in z.read("wetlands.prj")
    assert "geom_quali  geom_quality" in z.read("wetlands_README.txt").decode()


def test_csv_is_wkt_with_bom_and_xy_refused_for_polygons(client):
    r = client.get("/export/wetlands.csv")
    assert r.content.startswith(b"\xef\xbb\xbf") and b"POLYGON ((117" in r.content
    r = client.get("/export/wetlands.csv", params={"geometry": "xy"})
    assert r.status_code == 400 and "wkt" in r.json()["detail"]


def test_bad_export_requests_are_clear_4xx(client):
    assert client.get("/export/wetlands.docx").status_code == 404
    assert client.get("/export/nope.gpkg").status_code == 404
    r = client.get("/export/wetlands.kml", params={"crs": "EPSG:4548"})
    assert r.status_code == 400 and "KML" in r.json()["detail"]


def test_planmap_gpkg_has_every_layer_and_qgis_styles(client, store, tmp_path):
    path = tmp_path / "planmap.gpkg"
    path.write_bytes(client.get("/export/planmap.gpkg").content)
    layers = {n for n, _ in pyogrio.list_layers(path)}
    assert set(store.ids()) <= layers
    con = sqlite3.connect(path)
    geom_cols = dict(con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns"))
    rows = con.execute("SELECT f_table_schema, f_table_name, f_geometry_column, styleQML, "
                       "useAsDefault FROM layer_styles").fetchall()
    assert {r[1] for r in rows} >= set(store.ids())
    for schema, table, geom_col, qml, default in rows:
        assert schema == "" and geom_col == geom_cols[table] and default == 1
        xml.dom.minidom.parseString(qml)  # well-formed
    bz = dict((r[1], r[3]) for r in rows)["barrier_zones"]
    assert 'type="categorizedSymbol"' in bz and 'attr="level"' in bz
    assert "11,83,69," in bz  # level 1's #0b5345 from the registry
    for lid in store.ids():
        n = con.execute(f'SELECT count(*) FROM "{lid}"').fetchone()[0]
        n += sum(con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
                 for t in layers if t.startswith(f"{lid}_") and t not in store.ids())
        assert n == len(store.get(lid))
    assert con.execute("SELECT min(fid), max(fid) FROM districts").fetchone() == (1, 16)


def test_cli_export(tmp_path, store, capsys):
    out = tmp_path / "w.fgb"
    assert cli_main(["export", "--layer", "wetlands", "--format", "fgb", "-o", str(out),
                     "--crs", "EPSG:4548"]) == 0
    assert pyogrio.read_info(out)["features"] == len(store.get("wetlands"))
    assert cli_main(["export", "--layer", "nope", "-o", str(tmp_path / "x.kml")]) == 2
    assert "unknown layer" in capsys.readouterr().err


def test_planmap_gpkg_holds_a_qgis_project_of_every_layer_in_the_map_groups(client, store, tmp_path):
    path = tmp_path / "planmap.gpkg"
    path.write_bytes(client.get("/export/planmap.gpkg?crs=EPSG:4548").content)
    con = sqlite3.connect(path)
    (content,) = con.execute("SELECT content FROM qgis_projects WHERE name = 'planmap'").fetchone()
    tables = {t for (t,) in con.execute("SELECT table_name FROM gpkg_contents WHERE data_type = 'features'")}
    con.close()
    with zipfile.ZipFile(io.BytesIO(bytes.fromhex(content))) as zf:
        doc = xml.dom.minidom.parseString(zf.read("planmap.qgs"))
    layers = doc.getElementsByTagName("maplayer")
    sources = [ml.getElementsByTagName("datasource")[0].firstChild.data for ml in layers]
    assert sorted(s.split("layername=")[1] for s in sources) == sorted(tables) == sorted(store.ids())
    assert all(s.startswith("./planmap.gpkg|") for s in sources)  # relative: the file can move
    srs = {ml.getElementsByTagName("authid")[0].firstChild.data for ml in layers}
    assert srs == {"EPSG:4548"}
    groups = [g.getAttribute("name") for g in doc.getElementsByTagName("layer-tree-group") if g.getAttribute("name")]
    assert groups == ["项目", "产业园区", "生态空间", "双城格局", "行政区划"]  # top of the tree is drawn on top
    zones = next(ml for ml in layers if "barrier_zones" in ml.getElementsByTagName("datasource")[0].firstChild.data)
    renderer = zones.getElementsByTagName("renderer-v2")[0]
    assert renderer.getAttribute("type") == "categorizedSymbol"
    assert len(renderer.getElementsByTagName("category")) == len(store.get("barrier_zones").spec.classes)


LAYERS = ["districts", "twin_cities", "eco_barrier", "barrier_zones", "wetlands", "eco_corridors",
          "parks", "projects"]


@pytest.mark.parametrize("layer", LAYERS)
def test_every_format_of_every_layer_answers_with_every_feature(client, store, tmp_path, layer):
    """Unlocated rows (no geometry) included: FlatGeobuf and the rest keep them with a null geometry."""
    gdf = store.get(layer).gdf
    for suffix in FORMATS:
        r = client.get(f"/export/{layer}.{suffix}")
        assert r.status_code == 200, (layer, suffix, r.text[:200])
        if suffix in ("zip", "kml"):
            continue  # Shapefile and KML splits and names are covered above
        path = _open_path(tmp_path, layer, suffix, r.content)
        df = pyogrio.read_dataframe(path, layer=None if suffix == "csv" else layer)
        assert len(df) == len(gdf), (layer, suffix)
        if suffix in ("gpkg", "fgb", "geojson"):
            assert int(df.geometry.isna().sum()) == int(gdf.geometry.isna().sum()), (layer, suffix)


@pytest.mark.parametrize("layer", ["parks", "projects"])
def test_csv_xy_leaves_lon_lat_empty_for_unlocated_rows(client, store, layer):
    import csv

    r = client.get(f"/export/{layer}.csv", params={"geometry": "xy"})
    assert r.status_code == 200, r.text
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    gdf = store.get(layer).gdf
    assert len(rows) == len(gdf)
    for row in rows:
        g = gdf.geometry.loc[int(row["fid"])]
        if g is None:
            assert row["X"] == "" and row["Y"] == ""
        else:
            assert float(row["X"]) == pytest.approx(g.x, abs=1e-6) and float(row["Y"]) == pytest.approx(g.y, abs=1e-6)
