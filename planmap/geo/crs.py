"""The coordinate reference systems planmap speaks, and cached transforms between them.

OGC API - Features names a CRS by URI; users and GDAL also write ``EPSG:4548``. Both
spellings resolve to one :class:`CrsInfo`. Every transform uses ``always_xy=True`` so that
internal code always handles (lon, lat) / (easting, northing); axis order for the wire is a
separate, explicit concern (:attr:`CrsInfo.yx_on_wire`).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from pyproj import CRS, Transformer
from shapely import Geometry, transform

OGC_CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


@dataclass(frozen=True)
class CrsInfo:
    """One supported CRS: its short code, OGC URI and what it is for."""

    code: str  # "CRS84" or "EPSG:nnnn"
    uri: str
    title: str
    yx_on_wire: bool  # the authority's axis order is lat/lon (or northing/easting)
    projected: bool

    @property
    def pyproj(self) -> CRS:
        return _pyproj_crs(self.code)


def _epsg(code: int, title: str, yx: bool, projected: bool) -> CrsInfo:
    return CrsInfo(f"EPSG:{code}", f"http://www.opengis.net/def/crs/EPSG/0/{code}", title, yx,
                   projected)


SUPPORTED: tuple[CrsInfo, ...] = (
    CrsInfo("CRS84", OGC_CRS84, "WGS 84 longitude/latitude (OGC CRS84)", False, False),
    _epsg(4326, "WGS 84 latitude/longitude", True, False),
    _epsg(4490, "CGCS2000 latitude/longitude (China's official geodetic datum)", True, False),
    _epsg(3857, "Web Mercator", False, True),
    _epsg(4548, "CGCS2000 / 3-degree Gauss-Kruger CM 117E (areas and lengths)", True, True),
)

STORAGE = SUPPORTED[0]
AREA_CRS = "EPSG:4548"


class UnknownCrs(ValueError):
    """Raised for a CRS name planmap does not support; the message lists the supported ones."""


def resolve(name: str | None) -> CrsInfo:
    """Find a supported CRS by URI, ``EPSG:n``, ``urn:ogc:def:crs:EPSG::n`` or ``CRS84``."""
    if name is None or name == "":
        return STORAGE
    key = name.strip()
    low = key.lower().rstrip("/")
    for info in SUPPORTED:
        code = info.code.lower()
        num = code.split(":")[-1]
        candidates = {code, info.uri.lower(), f"urn:ogc:def:crs:epsg::{num}",
                      f"urn:ogc:def:crs:ogc:1.3:{num}", f"epsg:{num}" if code != "crs84" else "ogc:crs84"}
        if code == "crs84":
            candidates |= {"crs84", "ogc:crs84", "urn:ogc:def:crs:ogc:1.3:crs84",
                           "http://www.opengis.net/def/crs/ogc/1.3/crs84"}
        if low in candidates:
            return info
    raise UnknownCrs(
        f"unsupported CRS {name!r}; use one of: "
        + ", ".join(f"{i.uri} ({i.code})" for i in SUPPORTED))


@lru_cache(maxsize=None)
def _pyproj_crs(code: str) -> CRS:
    return CRS.from_user_input("OGC:CRS84" if code == "CRS84" else code)


@lru_cache(maxsize=None)
def transformer(src: str, dst: str) -> Transformer:
    """A cached (lon, lat)-ordered transformer between two CRS codes or URIs."""
    return Transformer.from_crs(resolve(src).pyproj, resolve(dst).pyproj, always_xy=True)


def transform_xy(x: np.ndarray, y: np.ndarray, src: str, dst: str) -> tuple[np.ndarray, np.ndarray]:
    """Transform coordinate arrays between supported CRSs (x = lon/easting)."""
    if resolve(src) == resolve(dst):
        return np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return transformer(src, dst).transform(np.asarray(x, float), np.asarray(y, float))


def transform_geometry(geom: Geometry, src: str, dst: str) -> Geometry:
    """Reproject one shapely geometry (or an array of them) between supported CRSs."""
    if resolve(src) == resolve(dst):
        return geom
    t = transformer(src, dst)

    def _fn(coords: np.ndarray) -> np.ndarray:
        x, y = t.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return transform(geom, _fn)


def swap_xy(geom: Geometry) -> Geometry:
    """Swap axes, for writing coordinates in a lat/lon (or N/E) authority order."""
    return transform(geom, lambda c: c[:, ::-1].copy())
