"""Mapbox Vector Tiles of a layer in the WebMercatorQuad tile matrix set (OGC API - Tiles).

A tile holds the layer's features that meet the tile (plus a small buffer, so strokes continue
across tile edges), projected to EPSG:3857, simplified to half a pixel of that zoom (a district
outline at zoom 6 needs a few dozen vertices, not thousands) and encoded with
``mapbox-vector-tile`` in the standard 4096-unit extent. Properties are the layer's public
fields and ``fid``; null values are left out, as MVT has no null. Features without a geometry
(a project known only to its district) are never in a tile.
"""
from __future__ import annotations

import math

import mapbox_vector_tile
import morecantile
import numpy as np
import shapely
from shapely.geometry import box

from ..geo.crs import transform_geometry
from ..store import Layer

TMS = morecantile.tms.get("WebMercatorQuad")
TILE_MATRIX_SET = "WebMercatorQuad"
MAX_ZOOM = 22
EXTENT = 4096
BUFFER = 64  # tile units around the tile kept, so outlines and labels join across tiles


class TileError(ValueError):
    """A tile address outside the tile matrix set (the message says the valid range)."""


def check_tile(z: int, y: int, x: int) -> None:
    if not 0 <= z <= MAX_ZOOM:
        raise TileError(f"tileMatrix {z}: WebMercatorQuad levels here are 0 to {MAX_ZOOM}")
    n = 2 ** z
    if not (0 <= y < n and 0 <= x < n):
        raise TileError(f"tileRow {y} / tileCol {x}: at tileMatrix {z} both run from 0 to {n - 1}")


def _value(v):
    """An MVT property value (str, int, float, bool), or None to leave it out."""
    if v is None:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return None if math.isnan(v) else float(v)
    try:
        if v != v:  # pandas NA and friends
            return None
    except (TypeError, ValueError):
        return None
    return str(v)


def encode_tile(layer: Layer, z: int, y: int, x: int) -> bytes:
    """The MVT of one tile of ``layer`` (empty bytes when no feature meets it)."""
    check_tile(z, y, x)
    tile = morecantile.Tile(x=x, y=y, z=z)
    west, south, east, north = TMS.bounds(tile)
    minx, miny, maxx, maxy = TMS.xy_bounds(tile)
    pad = (maxx - minx) * BUFFER / EXTENT
    pad_deg = (east - west) * BUFFER / EXTENT
    positions = layer.positions_in_bbox((west - pad_deg, south - pad_deg, east + pad_deg, north + pad_deg))
    if len(positions) == 0:
        return b""
    geoms = transform_geometry(layer.geometries[positions], "CRS84", "EPSG:3857")
    clip = box(minx - pad, miny - pad, maxx + pad, maxy + pad)
    half_pixel = (maxx - minx) / EXTENT / 2
    fields = [f for f in layer.spec.field_names if f in layer.gdf.columns and f != "geometry"]
    rows = layer.gdf.iloc[positions]
    features = []
    for fid, geom, rec in zip(rows.index, geoms, rows[fields].itertuples(index=False, name=None)):
        if geom is None or geom.is_empty:
            continue
        if geom.geom_type != "Point":
            geom = shapely.simplify(shapely.clip_by_rect(geom, *clip.bounds), half_pixel)
            if geom.is_empty:
                continue
        props = {k: v for k, v in ((f, _value(r)) for f, r in zip(fields, rec)) if v is not None}
        props["fid"] = int(fid)
        features.append({"geometry": geom, "properties": props, "id": int(fid)})
    if not features:
        return b""
    return mapbox_vector_tile.encode(
        [{"name": layer.id, "features": features}],
        default_options={"quantize_bounds": (minx, miny, maxx, maxy), "extents": EXTENT,
                         "y_coord_down": False})
