"""One feature as a GeoPackage row, as GeoJSON, and its entity tag.

The ETag of a feature is a hash of its stored values (every column, geometry as WKB), computed
the same way from a row read with ``sqlite3`` (during a write) and from the store's in-memory
layer (when the item is served), so the tag a client saw is the tag a write compares with.
"""
from __future__ import annotations

import hashlib
import math
import sqlite3
from typing import Any, Iterable, Mapping

import numpy as np
import orjson
import shapely
from shapely.geometry import mapping

from ..imports.gpkg_write import geometry_column


_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}  # GeoPackage blob header, by envelope code


def blob_geometry(blob: bytes | None):
    """A GeoPackage geometry blob as shapely (None for NULL or an empty geometry)."""
    if blob is None:
        return None
    flags = blob[3]
    if flags & 0x10:
        return None
    return shapely.from_wkb(bytes(blob[8 + _ENVELOPE_BYTES.get((flags >> 1) & 0x07, 0):]))


def plain(value: Any) -> Any:
    """A stored value as plain JSON: NaN/NA → None, NumPy → Python, 2.0 → 2 (REAL vs INTEGER)."""
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return int(value) if value.is_integer() else value
    try:
        import pandas as pd  # noqa: PLC0415
        if value is pd.NA:
            return None
    except ImportError:  # pragma: no cover
        pass
    return value


def _geometry(geom) -> Any:
    return None if geom is None or geom.is_empty else geom


def feature_etag(props: Mapping[str, Any], geom) -> str:
    """A strong ETag (quoted) for a feature's values."""
    g = _geometry(geom)
    payload = orjson.dumps({"p": {k: plain(v) for k, v in props.items()},
                            "g": None if g is None else shapely.to_wkb(g, hex=True, byte_order=1)},
                           option=orjson.OPT_SORT_KEYS)
    return '"' + hashlib.sha256(payload).hexdigest()[:32] + '"'


def store_etag(layer, fid: int) -> str:
    """The ETag of a feature as the store serves it."""
    row = layer.gdf.loc[fid]
    props = {c: row[c] for c in layer.gdf.columns if c != "geometry"}
    return feature_etag(props, row["geometry"])


def columns(con: sqlite3.Connection, table: str) -> tuple[str, list[str]]:
    """(geometry column, attribute columns) of a layer table, without the fid."""
    geom_col, _ = geometry_column(con, table)
    cols = [r[1] for r in con.execute(f'PRAGMA table_info("{table}")') if not r[5]]
    return geom_col, [c for c in cols if c != geom_col]


def read_rows(con: sqlite3.Connection, table: str, fids: Iterable[int] | None = None
              ) -> list[tuple[int, dict, Any]]:
    """(fid, properties, shapely geometry) for the given fids (all rows when None), by fid."""
    geom_col, cols = columns(con, table)
    pk = [r[1] for r in con.execute(f'PRAGMA table_info("{table}")') if r[5]][0]
    select = f'SELECT "{pk}", "{geom_col}"' + "".join(f', "{c}"' for c in cols) + f' FROM "{table}"'
    if fids is None:
        rows = con.execute(select + f' ORDER BY "{pk}"').fetchall()
    else:
        wanted = sorted({int(f) for f in fids})
        rows = []
        for i in range(0, len(wanted), 500):
            chunk = wanted[i:i + 500]
            rows += con.execute(select + f' WHERE "{pk}" IN ({",".join("?" * len(chunk))})'
                                f' ORDER BY "{pk}"', chunk).fetchall()
    return [(r[0], dict(zip(cols, r[2:])), blob_geometry(r[1])) for r in rows]


def as_feature(fid: int, props: Mapping[str, Any], geom) -> dict:
    g = _geometry(geom)
    return {"type": "Feature", "id": int(fid), "geometry": None if g is None else mapping(g),
            "properties": {k: plain(v) for k, v in props.items()}}


def collection(rows: list[tuple[int, dict, Any]]) -> dict | None:
    """Rows as a GeoJSON FeatureCollection (None for no rows), as the audit trail keeps them."""
    if not rows:
        return None
    return {"type": "FeatureCollection", "features": [as_feature(*r) for r in rows]}
