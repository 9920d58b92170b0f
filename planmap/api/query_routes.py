"""HTTP routes for spatial queries and the siting check (``/query/*``, ``/analysis/siting``).

The routes only parse parameters and shape responses; the work is in :mod:`planmap.analysis`.
Bodies are read as raw bytes (not a pydantic model) so that an empty, oversized or non-JSON body
gets a message about *that*, instead of a generic validation error.
"""
from __future__ import annotations

from typing import Annotated

import shapely
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from shapely.geometry import mapping

from ..analysis.input import MAX_BODY_BYTES, InputError, load_json, parse_geometry, parse_point
from ..analysis.query import QueryEngine, engine_for
from ..analysis.siting import QUALITY_ZH, VERDICT_ZH, check_site
from ..analysis.zonal import site_land_cover
from ..geo.crs import transform_geometry
from ..geo.measure import to_metric
from ..store import LayerStore
from .deps import get_store
from .errors import ProblemError
from .html import render
from .negotiate import wants
from .responses import json_response

router = APIRouter(tags=["Spatial queries"])

NEARBY_MAX_M = 50_000.0
SITING_BASEMAPS = ("osm", "none")


def get_engine(store: Annotated[LayerStore, Depends(get_store)]) -> QueryEngine:
    return engine_for(store)


Engine = Annotated[QueryEngine, Depends(get_engine)]
CoordSys = Annotated[str | None, Query(description="wgs84 (default), gcj02 (AMap) or bd09 (Baidu)")]
Layers = Annotated[str | None, Query(description="Comma-separated layer ids (default: all)")]
PointCrs = Annotated[str | None, Query(description="CRS of lon/lat, e.g. EPSG:4548 (then lon is the "
                                                   "easting and lat the northing); default CRS84")]


def _layers(raw: str | None) -> list[str] | None:
    ids = [x.strip() for x in (raw or "").split(",") if x.strip()]
    return ids or None


def _checked(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except InputError as exc:
        raise ProblemError(exc.status, exc.detail) from None


async def _body(request: Request) -> dict:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise ProblemError(413, f"the body is {int(declared):,} bytes; the limit is "
                                f"{MAX_BODY_BYTES:,} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise ProblemError(413, f"the body is over the {MAX_BODY_BYTES:,}-byte limit")
        chunks.append(chunk)
    return _checked(load_json, b"".join(chunks))


@router.get("/query/point", summary="Features of every polygon layer containing a point")
def query_point(engine: Engine, lon: Annotated[float, Query(description="Longitude")],
                lat: Annotated[float, Query(description="Latitude")],
                coord_sys: CoordSys = None, layers: Layers = None, crs: PointCrs = None) -> Response:
    pt, warnings = _checked(parse_point, lon, lat, coord_sys, crs)
    hits = engine.at_point(pt.x, pt.y, _layers(layers))
    return json_response({"point": {"lon": pt.x, "lat": pt.y}, "coord_sys": coord_sys or "wgs84",
                  "numberMatched": len(hits), "features": hits, "warnings": warnings})


@router.post("/query/intersects", summary="Features a GeoJSON geometry touches")
async def query_intersects(request: Request, engine: Engine, layers: Layers = None,
                           crs: Annotated[str | None, Query(description="CRS of the body")] = None,
                           coord_sys: CoordSys = None) -> Response:
    doc = await _body(request)
    parsed = _checked(parse_geometry, doc, crs, coord_sys)
    hits = engine.intersecting(parsed.geometry, _layers(layers))
    return json_response({"input": {"type": parsed.geometry.geom_type, "vertices": parsed.vertices,
                            "crs": parsed.crs, "coord_sys": parsed.coord_sys,
                            "area_m2": round(float(shapely.area(to_metric(parsed.geometry))), 1)},
                  "numberMatched": len(hits), "features": hits, "warnings": parsed.warnings})


def _parse_of(raw: str) -> tuple[str, int]:
    layer, sep, fid = raw.partition(":")
    if not sep or not fid.strip().isdigit():
        raise ProblemError(400, f"of={raw!r}: write a feature as layer:id, e.g. of=eco_corridors:5")
    return layer.strip(), int(fid)


@router.get("/query/nearby", summary="Features within a distance of a point or feature, nearest first")
def query_nearby(engine: Engine,
                 distance_m: Annotated[float, Query(description=f"Search radius in metres (≤ {NEARBY_MAX_M:.0f})")] = 1000.0,
                 lon: Annotated[float | None, Query()] = None,
                 lat: Annotated[float | None, Query()] = None,
                 of: Annotated[str | None, Query(description="Instead of lon/lat: a feature, layer:id")] = None,
                 layer: Layers = None, coord_sys: CoordSys = None, crs: PointCrs = None,
                 limit: Annotated[int | None, Query(ge=1, le=10_000)] = None) -> Response:
    if not (0 <= distance_m <= NEARBY_MAX_M):
        raise ProblemError(400, f"distance_m must be between 0 and {NEARBY_MAX_M:.0f}; got {distance_m}")
    warnings: list[str] = []
    exclude = None
    if of:
        lid, fid = _parse_of(of)
        try:
            origin = engine.feature_metric(lid, fid)
        except KeyError as exc:
            if exc.__class__ is not KeyError:
                raise
            raise ProblemError(404, str(exc.args[0])) from None
        exclude = (lid, fid)
        where: dict = {"of": f"{lid}:{fid}"}
    elif lon is None or lat is None:
        raise ProblemError(400, "give lon and lat (or of=layer:id) to search around")
    else:
        pt, warnings = _checked(parse_point, lon, lat, coord_sys, crs)
        origin = engine.point_to_metric(pt.x, pt.y)
        where = {"lon": pt.x, "lat": pt.y}
    hits = engine.nearby(origin, distance_m, _layers(layer), exclude=exclude, limit=limit)
    return json_response({"origin": where, "distance_m": distance_m, "numberMatched": len(hits),
                  "features": hits, "warnings": warnings})


@router.post("/analysis/siting", summary="Siting check (合规性审查) of a proposed project site")
async def siting(request: Request, engine: Engine,
                 crs: Annotated[str | None, Query(description="CRS of the body")] = None,
                 coord_sys: CoordSys = None,
                 repair: Annotated[bool, Query(description="Repair an invalid polygon (default) or refuse it")] = True,
                 f: Annotated[str | None, Query(description="json or html (a printable report)")] = None,
                 basemap: Annotated[str | None, Query(description="HTML report: osm tiles, or none (an intranet "
                                                          "without internet access); default: the PLANMAP_BASEMAP "
                                                          "setting (none when it is tianditu or amap)")] = None) -> Response:
    fmt = wants(request, f)
    if basemap is None:  # the service's setting; this report draws OSM tiles or none
        basemap = request.app.state.basemap if request.app.state.basemap in SITING_BASEMAPS else "none"
    if basemap not in SITING_BASEMAPS:
        raise ProblemError(400, f"basemap={basemap!r} is not offered here; use one of {', '.join(SITING_BASEMAPS)}")
    doc = await _body(request)
    parsed = _checked(parse_geometry, doc, crs, coord_sys, polygon_only=True, repair_invalid=repair)
    report = check_site(engine, parsed.geometry, warnings=parsed.warnings)
    from .raster_routes import default_raster  # noqa: PLC0415  (it imports this module)
    report["land_cover"] = site_land_cover(default_raster(request), parsed.geometry)
    overlaps = report.pop("_geometries")
    report["site"].update({"crs": parsed.crs, "coord_sys": parsed.coord_sys,
                           "input_vertices": parsed.vertices})
    if fmt == "html":
        site_gj = mapping(parsed.geometry)
        overlap_gj = [mapping(transform_geometry(g, "EPSG:4548", "CRS84")) for g in overlaps]
        return render("siting.html", request, report=report, site=site_gj, overlaps=overlap_gj,
                      basemap=basemap, verdict_zh=VERDICT_ZH, quality_zh=QUALITY_ZH)
    return json_response(report)
