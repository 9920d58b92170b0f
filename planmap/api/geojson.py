"""Features → GeoJSON bytes, in any supported CRS, fast.

Geometries are reprojected as one vectorised array and written with orjson. When the output CRS
has a lat/lon (or northing/easting) authority axis order, coordinates are written in that order,
as OGC API - Features Part 2 requires; CRS84 stays lon/lat.
"""
from __future__ import annotations

import math
from typing import Any, Iterable

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import mapping

from ..geo.crs import CrsInfo, transformer


def reproject(geoms: np.ndarray, crs: CrsInfo) -> np.ndarray:
    if crs.code == "CRS84" or len(geoms) == 0:
        return geoms
    t = transformer("CRS84", crs.code)

    def fn(c: np.ndarray) -> np.ndarray:
        x, y = t.transform(c[:, 0], c[:, 1])
        out = np.column_stack([x, y])
        return out[:, ::-1] if crs.yx_on_wire else out

    return shapely.transform(geoms, fn)


def clean(value: Any) -> Any:
    """JSON-safe scalars: NaN → null, NumPy scalars → Python."""
    if value is None:
        return None
    if isinstance(value, (np.floating, float)):
        f = float(value)
        return None if math.isnan(f) else f
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def features(gdf: gpd.GeoDataFrame, crs: CrsInfo, fields: Iterable[str],
             precision: int | None = None) -> list[dict]:
    """GeoJSON Feature dicts (id = feature id) for the rows of ``gdf``."""
    fields = [f for f in fields if f in gdf.columns]
    geoms = reproject(gdf.geometry.values, crs)
    if precision is not None:
        geoms = shapely.set_precision(geoms, 10 ** -precision, mode="pointwise")
    cols = {f: gdf[f].tolist() for f in fields}
    out = []
    for i, fid in enumerate(gdf.index.tolist()):
        g = geoms[i]
        out.append({"type": "Feature", "id": int(fid),
                    "geometry": None if g is None or g.is_empty else mapping(g),
                    "properties": {f: clean(cols[f][i]) for f in fields}})
    return out
