"""HTTP routes for land-cover rasters: ``/rasters…``, ``/analysis/zonal``, ``/indicators`` and
``/export/{layer}.tif``.

Routes parse and shape; the work is in :mod:`planmap.rasters`, :mod:`planmap.analysis.zonal`,
:mod:`planmap.analysis.indicators` and :mod:`planmap.export.rasterize`. The raster catalog is
the GeoPackage's ``P.rasters/`` folder plus the embedded default (``app.state.rasters`` when a
test or deployment sets one).
"""
from __future__ import annotations

import csv
import io
from functools import lru_cache
from typing import Annotated

from fastapi import APIRouter, Depends, Path as PathParam, Query, Request
from fastapi.responses import FileResponse, Response

from ..analysis.indicators import board
from ..analysis.input import InputError, parse_geometry
from ..analysis.zonal import zonal_layer
from ..export.files import ExportError
from ..export.rasterize import rasterize_layer
from ..rasters.catalog import RasterCatalog, RasterError, RasterInfo
from ..rasters.tiles import check_tile, render_tile
from ..store import LayerStore
from .deps import get_store
from .errors import ProblemError
from .query_routes import _body
from .responses import json_response

router = APIRouter(tags=["Rasters"])
Store = Annotated[LayerStore, Depends(get_store)]
MAX_ZONES = 200
COG = "image/tiff; application=geotiff; profile=cloud-optimized"
_PROBLEM = {"application/problem+json": {"schema": {
    "type": "object", "required": ["status", "detail"],
    "properties": {"type": {"type": "string"}, "title": {"type": "string"},
                   "status": {"type": "integer"}, "detail": {"type": "string"}}}}}


def _answers(*media: str) -> dict:
    """What a route documents in /api: its 200 media types and its problem answers."""
    return {200: {"description": "OK", "content": {m: {"schema": {}} for m in media}},
            400: {"description": "Bad request (the detail says what to change)", "content": _PROBLEM},
            404: {"description": "Unknown raster or layer", "content": _PROBLEM},
            413: {"description": "Body too large", "content": _PROBLEM},
            415: {"description": "Not a raster", "content": _PROBLEM},
            422: {"description": "Unusable input (the detail names the problem)", "content": _PROBLEM}}


def get_catalog(request: Request, store: Store) -> RasterCatalog:
    cat = getattr(request.app.state, "rasters", None)
    if cat is None:
        cat = request.app.state.rasters = RasterCatalog.for_gpkg(store.path)
    return cat


Catalog = Annotated[RasterCatalog, Depends(get_catalog)]


def default_raster(request: Request) -> RasterInfo | None:
    """The raster the siting report reads its land-cover mix from (None when there is none)."""
    return get_catalog(request, request.app.state.store).default()
RasterParam = Annotated[str | None, Query(description="A raster id from /rasters (default: the "
                                                      "embedded MODIS 2019 land cover)")]


def _raster(cat: RasterCatalog, rid: str | None) -> RasterInfo:
    try:
        if rid:
            return cat.get(rid)
    except RasterError as exc:
        raise ProblemError(exc.status, exc.detail) from None
    info = cat.default()
    if info is None:
        raise ProblemError(404, "no raster is registered; add one with planmap raster add")
    return info


def _version(info: RasterInfo) -> int:
    return info.path.stat().st_mtime_ns


def _links(request: Request, info: RasterInfo) -> list[dict]:
    base = str(request.base_url).rstrip("/")
    return [{"rel": "self", "href": f"{base}/rasters/{info.id}", "type": "application/json"},
            {"rel": "enclosure", "href": f"{base}/rasters/{info.id}.tif", "type": COG},
            {"rel": "tiles", "type": "image/png",
             "href": f"{base}/rasters/{info.id}/tiles/WebMercatorQuad/{{tileMatrix}}/{{tileRow}}/{{tileCol}}.png"}]


@router.get("/rasters", response_class=Response,
            responses=_answers("application/json"), summary="The registered land-cover rasters")
def list_rasters(request: Request, cat: Catalog) -> Response:
    rasters = cat.all()
    default = cat.default()
    return json_response({"default": default.id if default else None,
                          "rasters": [{**i.describe(), "links": _links(request, i)}
                                      for i in rasters.values()]})


@router.get("/rasters/{raster_id}.tif", response_class=Response,
            responses=_answers(COG), summary="Download a raster (Cloud-Optimised GeoTIFF)")
def download_raster(raster_id: str, cat: Catalog) -> Response:
    info = _raster(cat, raster_id)
    return FileResponse(info.path, media_type=COG, filename=f"{info.id}.tif")


@router.get("/rasters/{raster_id}", response_class=Response,
            responses=_answers("application/json"),
            summary="One raster: CRS, resolution, extent, classes, source")
def describe_raster(raster_id: str, request: Request, cat: Catalog) -> Response:
    info = _raster(cat, raster_id)
    return json_response({**info.describe(), "links": _links(request, info)})


@lru_cache(maxsize=512)
def _tile(rid: str, version: int, z: int, x: int, y: int, info: RasterInfo) -> bytes:
    return render_tile(info, z, x, y)


@router.get("/rasters/{raster_id}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}.png",
            response_class=Response, responses=_answers("image/png"),
            summary="A PNG map tile of a raster, coloured by its classes")
def raster_tile(raster_id: str, cat: Catalog,
                tileMatrix: Annotated[int, PathParam(description="Zoom level, 0-18")],
                tileRow: Annotated[int, PathParam(description="Tile row (y), 0 at the top")],
                tileCol: Annotated[int, PathParam(description="Tile column (x)")]) -> Response:
    problem = check_tile(tileMatrix, tileCol, tileRow)
    if problem:
        raise ProblemError(400, problem)
    info = _raster(cat, raster_id)
    data = _tile(info.id, _version(info), tileMatrix, tileCol, tileRow, info)
    return Response(data, media_type="image/png", headers={"Cache-Control": "max-age=3600"})


def _layer_zones(store: LayerStore, layer_id: str, ids: str | None) -> list:
    layer = store.get(layer_id)
    if layer.spec.geometry != "polygon":
        raise ProblemError(400, f"{layer_id} is a {layer.spec.geometry} layer; zonal statistics "
                                "need polygons, e.g. layer=barrier_zones")
    gdf = layer.gdf
    if ids:
        try:
            wanted = [int(x) for x in ids.split(",") if x.strip()]
        except ValueError:
            raise ProblemError(400, f"ids={ids!r}: give feature ids as integers, e.g. ids=1,2") from None
        missing = [i for i in wanted if i not in gdf.index]
        if missing:
            raise ProblemError(404, f"{layer_id} has no feature {missing}; ids run 1..{len(gdf)}")
        gdf = gdf.loc[wanted]
    if len(gdf) > MAX_ZONES:
        raise ProblemError(400, f"{len(gdf)} zones; at most {MAX_ZONES} per request (use ids=)")
    return [(int(fid), row.get("name"), row.geometry) for fid, row in gdf.iterrows()
            if row.geometry is not None and not row.geometry.is_empty]


@lru_cache(maxsize=64)
def _zonal_cached(rid: str, version: int, etag: str, layer_id: str, ids: str | None,
                  info: RasterInfo, store: LayerStore) -> dict:
    return zonal_layer(info, _layer_zones(store, layer_id, ids))


@router.get("/analysis/zonal", response_class=Response,
            responses=_answers("application/json"),
            summary="Land-cover class areas and shares per feature of a layer")
def zonal_get(store: Store, cat: Catalog, layer: Annotated[str, Query(description="A polygon layer id")],
              raster: RasterParam = None,
              ids: Annotated[str | None, Query(description="Comma-separated feature ids (default: all)")] = None,
              ) -> Response:
    info = _raster(cat, raster)
    store.get(layer)  # 404 naming the known layers
    out = _zonal_cached(info.id, _version(info), store.etag, layer, ids, info, store)
    return json_response({"layer": layer, **out})


@router.post("/analysis/zonal", response_class=Response,
             responses=_answers("application/json"),
             summary="Land-cover class areas and shares inside a GeoJSON polygon")
async def zonal_post(request: Request, cat: Catalog, raster: RasterParam = None,
                     crs: Annotated[str | None, Query(description="CRS of the body")] = None,
                     coord_sys: Annotated[str | None, Query(description="wgs84 (default), gcj02 or bd09")] = None,
                     ) -> Response:
    info = _raster(cat, raster)
    doc = await _body(request)
    try:
        parsed = parse_geometry(doc, crs, coord_sys, polygon_only=True)
    except InputError as exc:
        raise ProblemError(exc.status, exc.detail) from None
    out = zonal_layer(info, [(None, None, parsed.geometry)])
    return json_response({**out, "warnings": parsed.warnings})


@lru_cache(maxsize=16)
def _board_cached(rid: str | None, version: int, etag: str, info: RasterInfo | None,
                  store: LayerStore) -> dict:
    return board(store, info)


SHEET_COLUMNS = ["id", "title_zh", "title_en", "target", "op", "unit", "year", "measured",
                 "status", "status_zh", "reason", "source", "quote", "data", "resolution_m"]


def _board_rows(doc: dict) -> list[list]:
    """The board as rows of a sheet; an unknown measurement stays empty, never 0."""
    rows = []
    for r in doc["targets"]:
        data = r.get("data") or {}
        rows.append([r["id"], r["title_zh"], r["title_en"], r["target"], r["op"], r["unit"],
                     r["year"], r["measured"], r["status_en"], r["status_zh"], r["reason"],
                     r["source"], r["quote"], data.get("title") or data.get("layer"),
                     data.get("res_m")])
    return rows


def _board_csv(doc: dict) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(SHEET_COLUMNS)
    for row in _board_rows(doc):
        w.writerow(["" if v is None else v for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _board_xlsx(doc: dict) -> bytes:
    from openpyxl import Workbook  # noqa: PLC0415

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("targets")
    ws.append(SHEET_COLUMNS)
    for row in _board_rows(doc):
        ws.append(row)
    about = wb.create_sheet("about")
    raster = doc.get("raster") or {}
    for k in ("title", "source", "licence", "year", "crs", "res_m"):
        about.append([f"raster {k}", raster.get(k)])
    about.append(["cell rule", doc["cell_rule"]])
    about.append(["resolution rule", doc["resolution_rule"]])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@router.get("/indicators", response_class=Response,
            responses=_answers("application/json", "text/csv"),
            summary="The planning-targets board: each target beside the measured value")
def indicators(store: Store, cat: Catalog, raster: RasterParam = None,
               f: Annotated[str | None, Query(description="json (default) or csv (a sheet)")] = None,
               ) -> Response:
    info = _raster(cat, raster) if raster or cat.default() else None
    doc = _board_cached(info.id if info else None, _version(info) if info else 0, store.etag, info, store)
    if f == "csv":
        return Response(_board_csv(doc), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="indicators.csv"'})
    if f not in (None, "json"):
        raise ProblemError(400, f"f={f!r}: use json or csv")
    return json_response(doc)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/export/indicators.{suffix}", response_class=Response,
            responses=_answers("text/csv", XLSX),
            summary="The planning-targets board as a sheet (CSV or XLSX)")
def export_indicators(suffix: Annotated[str, PathParam(description="csv or xlsx")], store: Store,
                      cat: Catalog, raster: RasterParam = None) -> Response:
    if suffix not in ("csv", "xlsx"):
        raise ProblemError(404, f"no export indicators.{suffix}; ask for indicators.csv or indicators.xlsx")
    info = _raster(cat, raster) if raster or cat.default() else None
    doc = _board_cached(info.id if info else None, _version(info) if info else 0, store.etag, info, store)
    data, media = (_board_csv(doc), "text/csv; charset=utf-8") if suffix == "csv" else (_board_xlsx(doc), XLSX)
    return Response(data, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="indicators.{suffix}"'})


@lru_cache(maxsize=16)
def _tif_cached(etag: str, layer_id: str, res: float, store: LayerStore) -> bytes:
    return rasterize_layer(store.get(layer_id), res)


@router.get("/export/{layer_id}.tif", response_class=Response,
            responses=_answers(COG), summary="A vector layer rasterised to a COG in EPSG:4548")
def export_tif(layer_id: str, store: Store,
               res: Annotated[float, Query(description="Cell size in metres (1-10,000)")] = 100.0,
               ) -> Response:
    store.get(layer_id)
    try:
        data = _tif_cached(store.etag, layer_id, float(res), store)
    except ExportError as exc:
        raise ProblemError(400, str(exc)) from None
    return Response(data, media_type=COG,
                    headers={"Content-Disposition": f'attachment; filename="{layer_id}.tif"'})
