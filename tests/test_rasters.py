"""Land-cover rasters: zonal statistics a planner can trust, the targets board, COGs, tiles, bad input.

The generated rasters (tests/raster_data.py) put 70 % forest in control zone level 1 and draw
that truth on 30 m grids in EPSG:32650 and EPSG:4548 and on a ~30 m grid in EPSG:4326 warped from
the first: each must read 70 % to within half a percentage point, whatever its CRS.
"""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import rasterio
from fastapi.testclient import TestClient

from planmap.analysis.zonal import MIN_FULL_CELLS, zonal
from planmap.api.app import create_app
from planmap.cli import main
from planmap.config import SEEDS_DIR
from planmap.rasters.catalog import EMBEDDED_DIR, RasterCatalog, RasterError, add_raster
from planmap.rasters.classes import ClassSchemeError, load_scheme
from planmap.rasters.tiles import lonlat_to_tile

from raster_data import warp_to, write_truth

CRSS = ("t32650", "t4548", "t4326")


@pytest.fixture(scope="module")
def level1(store):
    gdf = store.get("barrier_zones").gdf
    return gdf[gdf.level == 1].geometry.iloc[0]


@pytest.fixture(scope="module")
def truth(tmp_path_factory, level1) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("truth")
    src = write_truth(d / "t32650_src.tif", level1, crs="EPSG:32650")
    return {"t32650": src, "t4548": write_truth(d / "t4548_src.tif", level1, crs="EPSG:4548"),
            "t4326": warp_to(src, d / "t4326_src.tif", "EPSG:4326", 0.0003)}


@pytest.fixture(scope="module")
def catalog(tmp_path_factory, truth) -> RasterCatalog:
    d = tmp_path_factory.mktemp("rasters")
    for rid, path in truth.items():
        add_raster(path, rid, load_scheme("clcd"), d, title=f"truth {rid}", source="generated",
                   licence="CC0", year=2025)
    return RasterCatalog([d, EMBEDDED_DIR])


@pytest.fixture(scope="module")
def rclient(store, catalog) -> TestClient:
    app = create_app(store)
    app.state.rasters = catalog
    return TestClient(app)


def test_a_70_percent_forest_zone_reads_70_percent_in_every_crs(catalog, level1):
    shares = {}
    for rid in CRSS:
        out = zonal(catalog.get(rid), level1)
        shares[rid] = out["forest_share"]
        assert out["judgeable"] and out["warnings"] == [], (rid, out["warnings"])
        assert abs(out["covered_km2"] - out["area_km2"]) < 0.01 * out["area_km2"]
    assert all(abs(s - 0.70) <= 0.005 for s in shares.values()), shares
    assert max(shares.values()) - min(shares.values()) <= 0.005, shares


def test_zonal_over_http_gives_class_areas_in_km2_and_the_cell_rule(rclient):
    r = rclient.get("/analysis/zonal", params={"raster": "t4326", "layer": "barrier_zones", "ids": "1"})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert "fractional coverage" in doc["cell_rule"] and "EPSG:4548" in doc["cell_rule"]
    row = doc["features"][0]
    assert row["name"] == "一级管控区"
    forest = next(c for c in row["classes"] if c["name_en"] == "Forest")
    assert forest["area_km2"] == pytest.approx(0.70 * row["area_km2"], rel=0.01)
    assert row["forest_share"] == pytest.approx(0.70, abs=0.005)
    assert row["blue_green_share"] >= row["forest_share"]


def test_a_zone_too_small_for_the_modis_cells_is_flagged(client):
    doc = client.get("/analysis/zonal", params={"layer": "barrier_zones"}).json()
    assert doc["raster"]["id"] == "modis_igbp_2019" and doc["raster"]["res"] == [0.05, 0.05]
    level1 = next(f for f in doc["features"] if f["id"] == 1)
    assert level1["cells"]["full"] < MIN_FULL_CELLS and level1["judgeable"] is False
    assert "cannot be judged at this resolution" in level1["warnings"][0]


def test_post_zonal_answers_for_a_drawn_polygon(client):
    site = {"type": "Polygon", "coordinates": [[[117.2, 39.0], [117.6, 39.0], [117.6, 39.3],
                                                [117.2, 39.3], [117.2, 39.0]]]}
    r = client.post("/analysis/zonal", json=site)
    assert r.status_code == 200, r.text
    row = r.json()["features"][0]
    assert row["area_km2"] > 1000 and sum(c["share"] for c in row["classes"]) == pytest.approx(1, abs=1e-4)
    bad = client.post("/analysis/zonal", json={"type": "Point", "coordinates": [117.3, 39.1]})
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"


def _cited_line(source: str) -> str:
    name, line = source.split(" | ")[0].split(":L")
    return (SEEDS_DIR / name).read_text(encoding="utf-8").splitlines()[int(line) - 1]


def test_the_board_lists_every_target_with_its_source_line_and_the_modis_cannot_judge(client):
    doc = client.get("/indicators").json()
    ids = {t["id"]: t for t in doc["targets"]}
    assert set(ids) >= {"barrier_blue_green", "level1_forest", "jinnan_forest", "city_forest",
                        "natural_shoreline", "barrier_area", "wetland_area"}
    for t in doc["targets"]:
        assert t["quote"] in _cited_line(t["source"]), t["id"]
        assert t["status"] in ("met", "not_met", "cannot_judge")
    for tid in ("barrier_blue_green", "level1_forest", "jinnan_forest"):
        assert ids[tid]["status"] == "cannot_judge", ids[tid]
        assert "cannot be judged at this resolution" in ids[tid]["reason"]
        assert ids[tid]["data"]["res_m"] > 4000
    assert ids["natural_shoreline"]["measured"] is None  # unknown is null, never 0
    assert ids["barrier_area"]["measured"] == pytest.approx(736, rel=0.02)
    sheet = client.get("/indicators", params={"f": "csv"})
    assert sheet.status_code == 200 and "level1_forest" in sheet.text and "L686" in sheet.text


def test_the_board_judges_the_level_1_forest_target_on_a_30m_raster(rclient):
    ids = {t["id"]: t for t in rclient.get("/indicators", params={"raster": "t32650"}).json()["targets"]}
    t = ids["level1_forest"]
    assert t["status"] == "met" and t["measured"] == pytest.approx(0.70, abs=0.005), t
    assert t["data"]["res_m"] == pytest.approx(30, abs=0.5)


def test_the_downloaded_cog_keeps_its_grid_and_crs(rclient, truth, tmp_path):
    r = rclient.get("/rasters/t32650.tif")
    assert r.status_code == 200 and "cloud-optimized" in r.headers["content-type"]
    path = tmp_path / "d.tif"
    path.write_bytes(r.content)
    with rasterio.open(path) as cog, rasterio.open(truth["t32650"]) as src:
        assert cog.crs.to_epsg() == 32650 and cog.transform == src.transform
        assert cog.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"
        assert np.array_equal(cog.read(1), src.read(1))
    desc = rclient.get("/rasters/modis_igbp_2019").json()
    assert desc["year"] == 2019 and desc["res"] == [0.05, 0.05] and "MCD12C1" in desc["source"]
    assert desc["licence"].startswith("Apache-2.0") and desc["crs"] == "EPSG:4326"


def test_a_control_zone_grid_and_a_project_density_grid_in_epsg_4548(client, store, tmp_path):
    r = client.get("/export/barrier_zones.tif", params={"res": 250})
    assert r.status_code == 200, r.text
    (tmp_path / "z.tif").write_bytes(r.content)
    with rasterio.open(tmp_path / "z.tif") as ds:
        assert ds.crs.to_epsg() == 4548 and ds.res == (250, 250)
        values, counts = np.unique(ds.read(1), return_counts=True)
    assert set(values.tolist()) == {0, 1, 2, 3}
    cells_l1 = counts[values.tolist().index(1)] * 250 * 250 / 1e6
    assert cells_l1 == pytest.approx(store.get("barrier_zones").gdf.loc[1, "area_km2"], rel=0.03)
    r = client.get("/export/projects.tif", params={"res": 2000})
    (tmp_path / "p.tif").write_bytes(r.content)
    with rasterio.open(tmp_path / "p.tif") as ds:
        located = int((~store.get("projects").gdf.geometry.isna()).sum())
        assert int(ds.read(1).sum()) == located
    assert client.get("/export/districts.tif", params={"res": 1}).status_code == 400


def test_tiles_draw_the_classes_and_refuse_bad_addresses(rclient):
    col, row = lonlat_to_tile(117.35, 39.05, 11)
    r = rclient.get(f"/rasters/t32650/tiles/WebMercatorQuad/11/{row}/{col}.png")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    from PIL import Image

    img = np.asarray(Image.open(io.BytesIO(r.content)).convert("RGBA"))
    colours = {tuple(p) for p in img.reshape(-1, 4)[::97] if p[3] == 255}
    assert (0x44, 0x6F, 0x33, 255) in colours  # CLCD forest green from the class file
    far = rclient.get("/rasters/t32650/tiles/WebMercatorQuad/11/0/0.png")
    assert far.status_code == 200 and np.asarray(Image.open(io.BytesIO(far.content)).convert("RGBA"))[..., 3].max() == 0
    assert rclient.get("/rasters/t32650/tiles/WebMercatorQuad/3/9/0.png").status_code == 400


def _write(path: Path, data: np.ndarray, crs="EPSG:32650", left=500000.0, top=4330000.0, **kw) -> Path:
    from rasterio.transform import from_origin

    with rasterio.open(path, "w", driver="GTiff", width=data.shape[1], height=data.shape[0],
                       count=1, dtype=data.dtype, crs=crs, transform=from_origin(left, top, 30, 30), **kw) as ds:
        ds.write(data, 1)
    return path


@pytest.mark.parametrize("case,status,words", [
    ("not_a_raster", 415, "not a raster"),
    ("no_crs", 422, "has no CRS"),
    ("continuous", 422, "continuous values"),
    ("outside", 422, "outside Tianjin"),
    ("unknown_values", 422, "does not define"),
])
def test_bad_rasters_are_refused_naming_the_problem(tmp_path, case, status, words):
    classes = np.array([[1, 2], [5, 8]], dtype=np.uint8)
    if case == "not_a_raster":
        path = tmp_path / "x.tif"
        path.write_text("name,lon,lat\n", encoding="utf-8")
    elif case == "no_crs":
        path = _write(tmp_path / "x.tif", classes, crs=None)
    elif case == "continuous":
        path = _write(tmp_path / "x.tif", np.random.default_rng(1).random((40, 40)).astype("float32"))
    elif case == "outside":
        path = _write(tmp_path / "x.tif", classes, left=200000.0, top=2500000.0)
    else:
        path = _write(tmp_path / "x.tif", np.array([[1, 2], [42, 8]], dtype=np.uint8))
    with pytest.raises(RasterError) as exc:
        add_raster(path, "bad", load_scheme("clcd"), tmp_path / "out")
    assert exc.value.status == status and words in exc.value.detail, exc.value.detail
    assert not (tmp_path / "out" / "bad.json").exists()


def test_a_class_file_that_does_not_parse_is_refused_by_the_command(tmp_path, truth, capsys):
    bad = tmp_path / "mine.toml"
    bad.write_text('name = "mine"\n[[class]]\nvalue = 1\ncolor = "green"\n', encoding="utf-8")
    with pytest.raises(ClassSchemeError, match="color must look like"):
        load_scheme(bad)
    code = main(["raster", "add", str(truth["t32650"]), "--id", "mine", "--classes", str(bad),
                 "--data", str(tmp_path / "p.gpkg")])
    assert code == 2 and "color must look like" in capsys.readouterr().err
    (tmp_path / "broken.toml").write_text("[[class]\n", encoding="utf-8")
    assert main(["raster", "add", str(truth["t32650"]), "--id", "mine", "--classes",
                 str(tmp_path / "broken.toml"), "--data", str(tmp_path / "p.gpkg")]) == 2
    assert "not valid TOML" in capsys.readouterr().err
    good = main(["raster", "add", str(truth["t32650"]), "--id", "mine", "--classes", "clcd",
                 "--data", str(tmp_path / "p.gpkg")])
    assert good == 0 and (tmp_path / "p.rasters" / "mine.tif").is_file()


def test_the_siting_report_gives_the_sites_land_cover_mix(rclient, client):
    site = {"type": "Polygon", "coordinates": [[[117.40, 39.00], [117.45, 39.00], [117.45, 39.05],
                                                [117.40, 39.00]]]}
    mix = client.post("/analysis/siting", json=site).json()["land_cover"]
    assert mix["raster"]["id"] == "modis_igbp_2019" and mix["judgeable"] is False
    assert "cannot be judged" in mix["warnings"][0]
    assert sum(c["share"] for c in mix["classes"]) == pytest.approx(1, abs=1e-4)


def test_the_board_is_a_sheet_in_the_exports(client, tmp_path):
    from openpyxl import load_workbook

    r = client.get("/export/indicators.xlsx")
    assert r.status_code == 200, r.text
    (tmp_path / "t.xlsx").write_bytes(r.content)
    wb = load_workbook(tmp_path / "t.xlsx")
    rows = list(wb["targets"].values)
    header, body = rows[0], {row[0]: dict(zip(rows[0], row)) for row in rows[1:]}
    assert "source" in header and body["level1_forest"]["status"] == "cannot be judged"
    assert body["natural_shoreline"]["measured"] is None  # empty cell, not 0
    assert "MCD12C1" in str(list(wb["about"].values))
    assert client.get("/export/indicators.csv").text.lstrip("\ufeff").startswith("id,title_zh")
    assert client.get("/export/indicators.pdf").status_code == 404


def test_a_zone_outside_the_raster_gets_nulls_and_says_why(client):
    shanghai = {"type": "Polygon", "coordinates": [[[121.4, 31.2], [121.5, 31.2], [121.5, 31.3],
                                                    [121.4, 31.2]]]}
    r = client.post("/analysis/zonal", json=shanghai)
    assert r.status_code == 200, r.text
    row = r.json()["features"][0]
    assert row["forest_share"] is None and row["classes"] == [] and row["judgeable"] is False
    assert any("the raster covers 0.00 of the zone" in w for w in row["warnings"])
