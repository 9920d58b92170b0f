"""Geometry validation and repair with reasons a user can act on.

Input polygons from users are often self-intersecting (a bow-tie drawn by hand), have their ring
unclosed, or carry lat/lon swapped. :func:`check_geometry` says what is wrong in words;
:func:`repair` fixes what can be fixed and reports what it did.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import shapely
from shapely import Geometry
from shapely.geometry import MultiPolygon, Polygon
from shapely.validation import explain_validity

from .measure import to_metric

# Tianjin's extent with a margin (WGS84); used to spot swapped axes and far-away input.
TIANJIN_BOUNDS = (116.6, 38.5, 118.1, 40.3)


@dataclass
class RepairReport:
    geometry: Geometry
    repaired: bool = False
    warnings: list[str] = field(default_factory=list)


def problem(geom: Geometry) -> str | None:
    """Return a human reason why ``geom`` is invalid, or None when it is valid."""
    if geom is None or geom.is_empty:
        return "the geometry is empty"
    if shapely.is_valid(geom):
        return None
    return explain_validity(geom)


# The geometry types each registry geometry kind accepts.
KIND_TYPES = {"polygon": ("Polygon", "MultiPolygon"), "line": ("LineString", "MultiLineString"),
              "point": ("Point", "MultiPoint")}
MIN_PART_M2 = 1.0   # a polygon part smaller than this (EPSG:4548) is a sliver, not a place
MIN_PART_M = 1.0    # likewise a line part shorter than this


def degenerate(geom: Geometry | None, kind: str) -> str | None:
    """Why a stored geometry is unfit for a layer of ``kind``, or None when it is fine.

    A missing geometry is fine for point layers only (a project known only to its district has no
    point); everything else must be valid, of the layer's type and without zero-size parts, because
    a self-intersecting ring or a zero-area part silently changes spatial answers.
    """
    if geom is None or geom.is_empty:
        return None if kind == "point" else "the geometry is empty"
    if geom.geom_type not in KIND_TYPES[kind]:
        return f"a {geom.geom_type} in a {kind} layer"
    reason = problem(geom)
    if reason is not None:
        return f"invalid: {reason}"
    parts = getattr(geom, "geoms", [geom])
    if kind == "polygon":
        small = [p for p in parts if shapely.area(to_metric(p)) < MIN_PART_M2]
        if small:
            return f"{len(small)} polygon part(s) under {MIN_PART_M2:g} m²"
    elif kind == "line":
        short = [p for p in parts if shapely.length(to_metric(p)) < MIN_PART_M]
        if short:
            return f"{len(short)} line part(s) shorter than {MIN_PART_M:g} m"
    return None


def polygonal_part(geom: Geometry) -> Geometry:
    """Keep the polygonal part of a geometry (make_valid can return collections)."""
    if isinstance(geom, (Polygon, MultiPolygon)):
        return geom
    polys = [g for g in getattr(geom, "geoms", []) if isinstance(g, (Polygon, MultiPolygon))]
    if not polys:
        return Polygon()
    return shapely.union_all(polys)


def repair(geom: Geometry) -> RepairReport:
    """Make a geometry valid, keeping its dimension, and say what was changed."""
    reason = problem(geom)
    if reason is None:
        return RepairReport(geom)
    fixed = shapely.make_valid(geom)
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        fixed = polygonal_part(fixed)
    return RepairReport(fixed, True, [f"repaired invalid geometry ({reason})"])


def looks_swapped(geom: Geometry) -> bool:
    """True when the coordinates fit Tianjin only with x and y exchanged (lat/lon swapped)."""
    minx, miny, maxx, maxy = geom.bounds
    w, s, e, n = TIANJIN_BOUNDS
    fits = minx >= w and maxx <= e and miny >= s and maxy <= n
    fits_swapped = miny >= w and maxy <= e and minx >= s and maxx <= n
    return fits_swapped and not fits


def within_tianjin_bounds(geom: Geometry) -> bool:
    minx, miny, maxx, maxy = geom.bounds
    w, s, e, n = TIANJIN_BOUNDS
    return not (maxx < w or minx > e or maxy < s or miny > n)
