"""``GET /export/{id}.{ext}`` and ``/export/planmap.gpkg``: layers as downloadable GIS files.

Exports are built from the store on first request and cached per (store version, layer, format,
CRS), so a second download is instant and a rebuilt GeoPackage (new etag) is never stale.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from ..export.files import BY_SUFFIX, ExportError, export_all_bytes, export_layer
from ..geo.crs import SUPPORTED
from ..store import LayerStore
from .deps import get_store
from .errors import ProblemError
from .params import parse_crs
from ..audit.export import with_audit
from ..auth.deps import optional_account
from ..auth.tokens import Account

router = APIRouter(tags=["Exports"])
Store = Annotated[LayerStore, Depends(get_store)]
CrsParam = Annotated[str | None, Query(
    description="CRS of the file: " + ", ".join(c.code for c in SUPPORTED) + " (default CRS84)")]


@lru_cache(maxsize=64)
def _cached(store_key: int, etag: str, layer_id: str, fmt: str, crs_code: str, geometry: str,
            store: LayerStore) -> bytes:
    crs = parse_crs(crs_code)
    if layer_id == "planmap" and fmt == "gpkg":
        return export_all_bytes(store, crs)
    return export_layer(store.get(layer_id), fmt, crs, geometry)


def _download(data: bytes, media_type: str, filename: str) -> Response:
    return Response(data, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/export/planmap.gpkg", summary="Every layer in one GeoPackage, styled for QGIS")
def export_everything(store: Store, crs: CrsParam = None,
                      account: Annotated[Account | None, Depends(optional_account)] = None) -> Response:
    info = parse_crs(crs)
    data = _cached(id(store), store.etag, "planmap", "gpkg", info.code, "wkt", store)
    if account is not None and account.has("admin"):  # the audit trail, for admins only
        data = with_audit(data, store.path)
    return _download(data, BY_SUFFIX["gpkg"].media_type, "planmap.gpkg")


@router.get("/export/{filename}", summary="One layer as a GIS file",
            description="`{id}.gpkg`, `{id}.zip` (Shapefile), `{id}.kml`, `{id}.geojson`, "
                        "`{id}.csv` or `{id}.fgb`.")
def export_one(filename: str, store: Store, crs: CrsParam = None,
               geometry: Annotated[str, Query(description="CSV only: wkt or xy (points)")] = "wkt",
               ) -> Response:
    layer_id, dot, suffix = filename.rpartition(".")
    if not dot or suffix.lower() not in BY_SUFFIX:
        raise ProblemError(404, f"no export {filename!r}; ask for {{layer}}."
                                f"{{{'|'.join(BY_SUFFIX)}}}, e.g. wetlands.gpkg")
    fmt = BY_SUFFIX[suffix.lower()]
    store.get(layer_id)  # 404 with the known ids
    info = parse_crs(crs)
    try:
        data = _cached(id(store), store.etag, layer_id, fmt.key, info.code, geometry, store)
    except ExportError as exc:
        raise ProblemError(400, str(exc)) from None
    return _download(data, fmt.media_type, f"{layer_id}.{fmt.suffix}")
