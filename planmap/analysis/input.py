"""Turning what a user sends (a GeoJSON body, lon/lat parameters) into a checked WGS84 geometry.

Input errors are the common case for a siting check: a polygon drawn by hand crosses itself, a
list copied from a spreadsheet has lat before lon, coordinates come from AMap (GCJ-02). Each
problem becomes an :class:`InputError` whose message says what to change; the routes turn it into
a 4xx problem document. Parsing knows nothing about HTTP, so the benchmark and tests call it
directly.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import orjson
import shapely
from shapely import Geometry
from shapely.geometry import Point, shape

from ..geo.chinese_coords import check_coord_sys, convert, convert_geometry
from ..geo.crs import CrsInfo, resolve, swap_xy, transform_geometry, transform_xy
from ..geo.validate import looks_swapped, problem, repair

MAX_BODY_BYTES = 5 * 1024 * 1024
MAX_VERTICES = 10_000
POLYGONAL = ("Polygon", "MultiPolygon")
GEOMETRY_TYPES = ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon",
                  "MultiPolygon", "GeometryCollection")


class InputError(ValueError):
    """Bad input; ``status`` is the HTTP status it deserves (400, 413 or 422)."""

    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status = status
        self.detail = detail


@dataclass
class ParsedGeometry:
    """A user geometry in WGS84 lon/lat, with what was done to it on the way."""

    geometry: Geometry
    crs: str
    coord_sys: str
    vertices: int
    warnings: list[str] = field(default_factory=list)


def parse_coord_sys(raw: str | None) -> str:
    try:
        return check_coord_sys(raw or "wgs84")
    except ValueError as exc:
        raise InputError(400, f"coord_sys: {exc}") from None


def parse_crs(raw: str | None) -> CrsInfo:
    try:
        return resolve(raw)
    except ValueError as exc:
        raise InputError(400, f"crs: {exc}") from None


def load_json(body: bytes) -> dict:
    """The body as a JSON object; empty, oversized and non-JSON bodies are told apart."""
    if len(body) > MAX_BODY_BYTES:
        raise InputError(413, f"the body is {len(body):,} bytes; the limit is {MAX_BODY_BYTES:,} "
                              "bytes (simplify the geometry or send fewer vertices)")
    if not body.strip():
        raise InputError(400, "the body is empty; send a GeoJSON geometry or Feature, e.g. "
                              '{"type": "Polygon", "coordinates": [[[lon, lat], ...]]}')
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InputError(400, f"the body is not valid JSON ({exc}); send a GeoJSON geometry or "
                              "Feature") from None
    if not isinstance(doc, dict):
        raise InputError(400, f"the body is JSON {type(doc).__name__}, not a GeoJSON object; "
                              "send a geometry or Feature object")
    return doc


def _geometry_member(doc: dict) -> dict:
    kind = doc.get("type")
    if kind == "Feature":
        geom = doc.get("geometry")
        if not isinstance(geom, dict):
            raise InputError(422, "the Feature has no geometry; put the site in its `geometry`")
        return geom
    if kind == "FeatureCollection":
        feats = doc.get("features")
        if isinstance(feats, list) and len(feats) == 1 and isinstance(feats[0], dict):
            return _geometry_member(feats[0])
        n = len(feats) if isinstance(feats, list) else 0
        raise InputError(422, f"the FeatureCollection has {n} features; send exactly one "
                              "geometry or Feature")
    if kind not in GEOMETRY_TYPES:
        raise InputError(422, f"GeoJSON type {kind!r} is not a geometry; use one of "
                              f"{', '.join(GEOMETRY_TYPES)} or a Feature")
    return doc


def _declared_crs(doc: dict) -> str | None:
    """The old-style GeoJSON ``crs`` member (``{"type": "name", "properties": {"name": …}}``)."""
    crs = doc.get("crs")
    if isinstance(crs, dict):
        name = (crs.get("properties") or {}).get("name")
        if isinstance(name, str):
            return name
    return None


def _to_shape(geom: dict) -> Geometry:
    try:
        g = shape(geom)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        raise InputError(422, f"the {geom.get('type')} coordinates are malformed ({exc}); "
                              "each position is [x, y]") from None
    if not _finite(g):
        raise InputError(422, "coordinates must be finite numbers")
    return g


def _finite(g: Geometry) -> bool:
    return bool(np.isfinite(shapely.get_coordinates(g)).all())


def _outside_area_of_use(g: Geometry, info: CrsInfo) -> str | None:
    """Why lon/lat converted from a projected CRS lie where that CRS is not defined, or None.

    pyproj converts any number, so easting and northing given the wrong way round (or in the
    wrong CRS) come back as a real-looking place far from Tianjin; the CRS's area of use catches it.
    """
    area = info.pyproj.area_of_use
    if not info.projected or area is None:
        return None
    minx, miny, maxx, maxy = shapely.bounds(g)
    tol = 0.01
    if area.west - tol <= minx and maxx <= area.east + tol and area.south - tol <= miny and maxy <= area.north + tol:
        return None
    return (f"the coordinates fall outside where {info.code} is defined (lon {area.west}…{area.east}, "
            f"lat {area.south}…{area.north}); check the numbers and the crs, and that easting "
            "comes before northing")


def _check_coord_sys_applies(csys: str, info: CrsInfo) -> None:
    """AMap/Baidu offsets are defined on lon/lat only; with a projected CRS they make no sense."""
    if csys != "wgs84" and info.projected:
        raise InputError(400, f"coord_sys={csys} applies to lon/lat input only, not to {info.code}")


def parse_geometry(doc: dict, crs: str | None = None, coord_sys: str | None = None, *,
                   polygon_only: bool = False, repair_invalid: bool = True,
                   max_vertices: int = MAX_VERTICES) -> ParsedGeometry:
    """Check a GeoJSON geometry/Feature and bring it to WGS84 lon/lat.

    ``crs`` (or the body's old-style ``crs`` member) names the CRS of the coordinates, written in
    that CRS's authority axis order as OGC API - Features Part 2 does; without one, GeoJSON's
    lon/lat. ``coord_sys`` marks lon/lat copied from AMap (gcj02) or Baidu (bd09).
    """
    info = parse_crs(crs or _declared_crs(doc))
    csys = parse_coord_sys(coord_sys)
    raw = _geometry_member(doc)
    g = _to_shape(raw)
    if g.is_empty:
        raise InputError(422, "the geometry is empty; send at least one ring of coordinates")
    if polygon_only and g.geom_type not in POLYGONAL:
        raise InputError(422, f"the site must be a Polygon or MultiPolygon, not a {g.geom_type}; "
                              "draw the site's outline as a closed ring")
    n = int(shapely.get_num_coordinates(g))
    if n > max_vertices:
        raise InputError(422, f"the geometry has {n:,} vertices; the limit is {max_vertices:,} "
                              "(simplify it, e.g. QGIS Vector › Geometry Tools › Simplify)")
    warnings: list[str] = []
    _check_coord_sys_applies(csys, info)
    if info.yx_on_wire:
        g = swap_xy(g)
    if csys != "wgs84":
        g = convert_geometry(g, csys, "wgs84")
        warnings.append(f"coordinates converted from {csys.upper()} to WGS84")
    else:
        g = transform_geometry(g, info.code, "CRS84")
    if not _finite(g):
        raise InputError(422, f"the coordinates are not valid {info.code} positions; check the "
                              "crs parameter")
    outside = _outside_area_of_use(g, info)
    if outside:
        raise InputError(422, outside)
    if looks_swapped(g):
        order = "lat,lon" if info.yx_on_wire else "lon,lat"
        raise InputError(422, f"the coordinates look like latitude and longitude swapped: they fit "
                              f"Tianjin only with x and y exchanged. With crs={info.code} write "
                              f"each position as [{order}]")
    if g.geom_type in POLYGONAL or g.geom_type in ("LineString", "MultiLineString"):
        reason = problem(g)
        if reason is not None:
            if not repair_invalid:
                raise InputError(422, f"the geometry is invalid ({reason}); fix it or send "
                                      "repair=true to have it repaired")
            rep = repair(g)
            if rep.geometry.is_empty:
                raise InputError(422, f"the geometry is invalid ({reason}) and repairing it "
                                      "leaves nothing; redraw it")
            g = rep.geometry
            warnings.extend(rep.warnings)
    return ParsedGeometry(g, info.code, csys, n, warnings)


def parse_point(lon: float, lat: float, coord_sys: str | None = None,
                crs: str | None = None) -> tuple[Point, list[str]]:
    """A query point brought to WGS84 lon/lat; swapped or out-of-range values are refused.

    With ``crs`` (e.g. EPSG:4548), ``lon`` is the easting and ``lat`` the northing in that CRS:
    the parameters are named, so no axis-order question arises.
    """
    csys = parse_coord_sys(coord_sys)
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise InputError(400, "lon and lat must be finite numbers")
    info = parse_crs(crs)
    warnings: list[str] = []
    if info.projected:
        _check_coord_sys_applies(csys, info)
        x, y = transform_xy(np.array([lon]), np.array([lat]), info.code, "CRS84")
        if not (np.isfinite(x[0]) and np.isfinite(y[0])):
            raise InputError(400, f"lon={lon}, lat={lat} is not a valid {info.code} position "
                                  "(lon = easting, lat = northing)")
        outside = _outside_area_of_use(Point(float(x[0]), float(y[0])), info)
        if outside:
            raise InputError(400, f"lon={lon}, lat={lat}: {outside}")
        lon, lat = float(x[0]), float(y[0])
        warnings.append(f"easting/northing converted from {info.code} to WGS84 lon={lon:.6f}, lat={lat:.6f}")
    if looks_swapped(Point(lon, lat)):
        raise InputError(422, f"lon={lon}, lat={lat} looks swapped: Tianjin is near lon 117, "
                              f"lat 39; try lon={lat}&lat={lon}")
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InputError(400, f"lon={lon}, lat={lat} is not a position on Earth "
                              "(lon -180…180, lat -90…90)")
    if csys != "wgs84":
        x, y = convert(lon, lat, csys, "wgs84")
        lon, lat = float(x), float(y)
        warnings.append(f"coordinates converted from {csys.upper()} to WGS84")
    return Point(lon, lat), warnings
