"""GCJ-02 (AMap, Tencent) and BD-09 (Baidu) conversions to and from WGS84.

GCJ-02 is a published, deterministic perturbation of WGS84; its inverse has no closed form, so
:func:`gcj02_to_wgs84` iterates the forward function to a fixed point (converging to well under a
millimetre in a handful of steps) instead of using the common one-step approximation, which is off
by metres. Everything is vectorised over NumPy arrays; :func:`convert_geometry` applies a
conversion to shapely geometries.
"""
from __future__ import annotations

from typing import Callable, Literal

import numpy as np
from shapely import Geometry, transform

CoordSys = Literal["wgs84", "gcj02", "bd09"]
COORD_SYSTEMS: tuple[str, ...] = ("wgs84", "gcj02", "bd09")

_A = 6378245.0  # Krasovsky 1940 semi-major axis used by the GCJ-02 algorithm
_EE = 0.00669342162296594323  # its first eccentricity squared
_X_PI = np.pi * 3000.0 / 180.0


def _outside_china(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _delta(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = lon - 105.0
    y = lat - 35.0
    sx = np.sqrt(np.abs(x))
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sx + common
            + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
            + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sx + common
            + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
            + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0)
    radlat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(radlat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(radlat) * np.pi)
    out = _outside_china(lon, lat)
    return np.where(out, 0.0, dlon), np.where(out, 0.0, dlat)


def _arrays(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def wgs84_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Apply the GCJ-02 offset (what AMap shows for a true WGS84 position)."""
    lon, lat = _arrays(lon, lat)
    dlon, dlat = _delta(lon, lat)
    return lon + dlon, lat + dlat


def _invert(forward: Callable, lon: np.ndarray, lat: np.ndarray,
            tol: float = 1e-12, max_iter: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """Solve forward(x) == target by fixed-point iteration (the map is a near-identity)."""
    x, y = lon.copy(), lat.copy()
    for _ in range(max_iter):
        fx, fy = forward(x, y)
        ex, ey = lon - fx, lat - fy
        x, y = x + ex, y + ey
        if np.all(np.abs(ex) < tol) and np.all(np.abs(ey) < tol):
            break
    return x, y


def gcj02_to_wgs84(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Exact inverse of :func:`wgs84_to_gcj02` (iterated to 1e-12 degrees)."""
    lon, lat = _arrays(lon, lat)
    return _invert(wgs84_to_gcj02, lon, lat)


def gcj02_to_bd09(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Baidu's BD-09 from GCJ-02."""
    x, y = _arrays(lon, lat)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Exact inverse of :func:`gcj02_to_bd09`."""
    lon, lat = _arrays(lon, lat)
    return _invert(gcj02_to_bd09, lon, lat)


def wgs84_to_bd09(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


_CONVERTERS: dict[tuple[str, str], Callable] = {
    ("gcj02", "wgs84"): gcj02_to_wgs84,
    ("wgs84", "gcj02"): wgs84_to_gcj02,
    ("bd09", "gcj02"): bd09_to_gcj02,
    ("gcj02", "bd09"): gcj02_to_bd09,
    ("bd09", "wgs84"): bd09_to_wgs84,
    ("wgs84", "bd09"): wgs84_to_bd09,
}


def check_coord_sys(name: str) -> str:
    """Normalise a ``coord_sys`` value; raises ValueError naming the accepted ones."""
    key = (name or "wgs84").strip().lower().replace("-", "").replace("_", "")
    aliases = {"wgs84": "wgs84", "gps": "wgs84", "gcj02": "gcj02", "amap": "gcj02",
               "gaode": "gcj02", "bd09": "bd09", "baidu": "bd09"}
    if key not in aliases:
        raise ValueError(f"unknown coord_sys {name!r}; use wgs84, gcj02 (AMap) or bd09 (Baidu)")
    return aliases[key]


def convert(lon, lat, src: str, dst: str) -> tuple[np.ndarray, np.ndarray]:
    """Convert coordinate arrays between ``wgs84``, ``gcj02`` and ``bd09``."""
    src, dst = check_coord_sys(src), check_coord_sys(dst)
    if src == dst:
        return _arrays(lon, lat)
    return _CONVERTERS[(src, dst)](lon, lat)


def convert_geometry(geom: Geometry, src: str, dst: str) -> Geometry:
    """Convert a shapely geometry (or array of geometries) between coordinate systems."""
    src, dst = check_coord_sys(src), check_coord_sys(dst)
    if src == dst:
        return geom
    fn = _CONVERTERS[(src, dst)]

    def _apply(coords: np.ndarray) -> np.ndarray:
        x, y = fn(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return transform(geom, _apply)
