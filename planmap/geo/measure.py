"""Areas, lengths and distances in metres, always computed in EPSG:4548.

EPSG:4548 (CGCS2000 / 3-degree Gauss-Kruger, central meridian 117°E) runs through Tianjin, so
its scale error over the city is a few parts in 100,000 — far below what any planning figure
needs. (EPSG:4549 is CM 120°E and would be wrong here.)
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from shapely import Geometry

from .crs import AREA_CRS, transform_geometry


def to_metric(geom: Geometry, src: str = "CRS84") -> Geometry:
    """Project a WGS84 geometry (or array) into EPSG:4548 metres."""
    return transform_geometry(geom, src, AREA_CRS)


def area_m2(geom: Geometry, src: str = "CRS84") -> float:
    return float(shapely.area(to_metric(geom, src)))


def area_km2(geom: Geometry, src: str = "CRS84") -> float:
    return area_m2(geom, src) / 1e6


def length_km(geom: Geometry, src: str = "CRS84") -> float:
    return float(shapely.length(to_metric(geom, src))) / 1e3


def distance_m(a: Geometry, b: Geometry, src: str = "CRS84") -> float:
    return float(shapely.distance(to_metric(a, src), to_metric(b, src)))


def gdf_areas_km2(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """Area of every row of a GeoDataFrame, in km², via EPSG:4548."""
    return gdf.geometry.to_crs(AREA_CRS).area.to_numpy() / 1e6


def gdf_lengths_km(gdf: gpd.GeoDataFrame) -> np.ndarray:
    return gdf.geometry.to_crs(AREA_CRS).length.to_numpy() / 1e3
