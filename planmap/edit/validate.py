"""What a written feature must satisfy: the layer's fields and types, a geometry of its kind, and,
for projects, the import's rules (a point inside Tianjin, a known district) and its joins.

The checks mirror the import's (``planmap.imports.projects_import``) so a project written through
the API is indistinguishable from an imported one: the same location rules, the same
:func:`~planmap.layers.projects.apply_joins` for district, twin city, barrier zone and wetland.
Fields the server owns (``origin``, ``import_key``, and the joined fields) are never taken from
the client.
"""
from __future__ import annotations

import math
from typing import Any, Mapping

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import shape

from ..geo.measure import length_km, area_km2
from ..geo.validate import degenerate
from ..imports.fields import DISTRICTS
from ..imports.projects_import import TIANJIN_BBOX
from ..layers.projects import POINT_QUALITIES, apply_joins, import_key
from ..layers.registry import GEOM_QUALITIES, LayerSpec

MAX_TEXT = 10_000
MAX_VERTICES = 10_000
SERVER_FIELDS = {"origin", "import_key"}
JOINED = {"district", "twin_city", "barrier_level", "wetland"}  # projects: from the point
LOC_QUALITIES = POINT_QUALITIES + ("district", "citywide")


class Invalid(ValueError):
    """A feature that cannot be written; ``status`` is 400 (malformed) or 422 (unusable)."""

    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status = status
        self.detail = detail


def parse_geometry(value: Any):
    """A GeoJSON geometry (or null) as shapely, bounded in size."""
    if value is None:
        return None
    if not isinstance(value, dict) or "type" not in value:
        raise Invalid(400, "geometry must be a GeoJSON geometry object or null")
    try:
        geom = shape(value)
    except Exception as exc:  # noqa: BLE001 - shapely raises several kinds for bad GeoJSON
        raise Invalid(400, f"geometry is not valid GeoJSON: {exc}") from None
    if shapely.get_num_coordinates(geom) > MAX_VERTICES:
        raise Invalid(413, f"geometry has more than {MAX_VERTICES} vertices; simplify it")
    if geom.is_empty:
        return None
    if not all(math.isfinite(c) for c in geom.bounds):
        raise Invalid(400, "geometry has a coordinate that is not a finite number")
    return geom


def check_feature_body(body: Any) -> tuple[dict, Any, bool]:
    """(properties, geometry, geometry given?) of a GeoJSON Feature body."""
    if not isinstance(body, dict) or body.get("type") != "Feature":
        raise Invalid(400, 'the body must be a GeoJSON Feature: {"type": "Feature", "geometry": '
                           '…, "properties": {…}}')
    props = body.get("properties") or {}
    if not isinstance(props, dict):
        raise Invalid(400, "properties must be a JSON object")
    return props, parse_geometry(body.get("geometry")), "geometry" in body


def _typed(spec: LayerSpec, props: Mapping[str, Any]) -> dict[str, Any]:
    types = {f.name: f.type for f in spec.fields}
    unknown = sorted(set(props) - set(types) - {"fid"})
    if unknown:
        raise Invalid(400, f"unknown properties {unknown} for {spec.id}; its fields are "
                           f"{', '.join(types)}")
    out: dict[str, Any] = {}
    for name, value in props.items():
        if name == "fid":
            continue
        kind = types[name]
        if value is None:
            out[name] = None
        elif kind == "float":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise Invalid(400, f"{name} takes a number or null; got {value!r}")
            out[name] = float(value)
        elif kind == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                raise Invalid(400, f"{name} takes an integer or null; got {value!r}")
            out[name] = value
        else:
            if not isinstance(value, str):
                raise Invalid(400, f"{name} takes text or null; got {value!r}")
            if len(value) > MAX_TEXT:
                raise Invalid(413, f"{name} is longer than {MAX_TEXT} characters")
            out[name] = value
    return out


def _district(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    v = value.strip()
    for d in DISTRICTS:
        if v in (d, d[:-1]) or (d == "滨海新区" and v in ("滨海", "新区")):
            return d
    raise Invalid(422, f"district {value!r} is not one of Tianjin's 16 districts "
                       f"({', '.join(DISTRICTS)})")


def _check_point(geom) -> None:
    if geom.geom_type != "Point":
        raise Invalid(422, f"a project's geometry is a Point (or null); got a {geom.geom_type}")
    x, y = geom.x, geom.y
    x0, y0, x1, y1 = TIANJIN_BBOX
    if 38 <= x <= 41 and 116 <= y <= 119:
        raise Invalid(422, f"({x}, {y}) looks swapped: GeoJSON is lon, lat")
    if not (x0 <= x <= x1 and y0 <= y <= y1):
        raise Invalid(422, f"({x:.5f}, {y:.5f}) is outside Tianjin ({x0}–{x1} E, {y0}–{y1} N)")


def prepare(spec: LayerSpec, columns: list[str], props_in: Mapping[str, Any], geom,
            current: tuple[dict, Any] | None, actor_name: str, layers,
            keep_geometry: bool = False) -> tuple[dict, Any]:
    """The stored row (every column) and geometry for a create (``current`` None) or a write
    over ``current`` (its properties and geometry). Raises :class:`Invalid`."""
    given = _typed(spec, props_in)
    cur_props, cur_geom = current if current is not None else ({}, None)
    if keep_geometry:
        geom = cur_geom
    row = {c: None for c in columns}
    for k in SERVER_FIELDS:
        if k in row:
            row[k] = cur_props.get(k)
    for k, v in given.items():
        if k in row and k not in SERVER_FIELDS:
            row[k] = v
    name = row.get("name")
    if not isinstance(name, str) or not name.strip():
        raise Invalid(422, "name is required (项目名称): a non-empty text")
    if not row.get("source"):
        row["source"] = cur_props.get("source") or f"written through the API by {actor_name}"
    if spec.id == "projects":
        return _project(row, given, geom, cur_props, cur_geom, current is None, actor_name, layers)
    return _generic(spec, row, geom, cur_props)


def _project(row: dict, given: dict, geom, cur_props: dict, cur_geom, creating: bool,
             actor_name: str, layers) -> tuple[dict, Any]:
    if "district_stated" in given:
        stated = given["district_stated"]
    elif "district" in given and (creating or given["district"] != cur_props.get("district")):
        stated = given["district"]  # a client that edits `district` means the stated one
    else:
        stated = cur_props.get("district_stated")
    row["district_stated"] = _district(stated)
    row["geom_quality"] = "approximate"
    row["scope"] = row.get("scope") or ("site" if geom is not None else cur_props.get("scope"))
    moved = geom is not None and (cur_geom is None or not shapely.equals_exact(geom, cur_geom, 1e-9))

    def changed(k: str) -> bool:  # a PATCH or PUT echoes current values; only a new one counts
        return given.get(k) is not None and given.get(k) != cur_props.get(k)

    if moved:  # a point placed by hand is the site itself, unless the client says otherwise
        quality = given["loc_quality"] if changed("loc_quality") else None
        if not changed("matched_place"):
            row["matched_place"] = None  # a moved point no longer stands on the gazetteer place
    else:
        quality = given.get("loc_quality", cur_props.get("loc_quality"))
    if geom is not None:
        _check_point(geom)
        quality = quality or "exact"
        if quality not in POINT_QUALITIES:
            raise Invalid(422, f"loc_quality {quality!r} has no point; with a point use one of "
                               f"{', '.join(POINT_QUALITIES)}, or send geometry null")
    else:
        quality = quality if quality in ("district", "citywide") else (
            "district" if row["district_stated"] else None)
        if quality is None or (quality == "district" and not row["district_stated"]):
            # as the import: a row with no point and no district is not located at all
            raise Invalid(422, "no location: give a Point geometry, or district_stated (the "
                               "district it is in), or loc_quality citywide for a citywide programme")
        row["matched_place"] = None
    if quality not in LOC_QUALITIES:
        raise Invalid(422, f"loc_quality {quality!r}: use one of {', '.join(LOC_QUALITIES)}")
    row["loc_quality"] = quality
    if creating:
        row["origin"] = f"api:{actor_name}"
        row["import_key"] = import_key(row["name"], None if geom is None else geom.x,
                                       None if geom is None else geom.y, row["origin"])
    gdf = gpd.GeoDataFrame([{k: v for k, v in row.items() if k not in JOINED}],
                           geometry=[geom], crs="EPSG:4326")
    joined = apply_joins(gdf, layers).iloc[0]
    for k in JOINED | {"park"}:
        if k in row:
            v = joined[k]
            row[k] = None if v is None or (not isinstance(v, str) and pd.isna(v)) else v
    if row.get("barrier_level") is not None:
        row["barrier_level"] = int(row["barrier_level"])
    return row, geom


def _generic(spec: LayerSpec, row: dict, geom, cur_props: dict) -> tuple[dict, Any]:
    why = degenerate(geom, spec.geometry)
    if why is not None:
        raise Invalid(422, f"the geometry is unfit for {spec.id} ({spec.geometry}): {why}")
    quality = row.get("geom_quality") or cur_props.get("geom_quality") or "approximate"
    if quality not in GEOM_QUALITIES:
        raise Invalid(422, f"geom_quality {quality!r}: use one of {', '.join(GEOM_QUALITIES)}")
    row["geom_quality"] = quality
    if "area_km2" in row:
        row["area_km2"] = round(area_km2(geom), 3) if geom is not None else None
    if "length_km" in row:
        row["length_km"] = round(length_km(geom), 3) if geom is not None else None
    return row, geom
