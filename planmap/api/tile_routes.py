"""OGC API - Tiles for every layer: vector tiles (MVT) in WebMercatorQuad, from the same store.

``/collections/{id}/tiles`` lists the layer's tileset, ``/collections/{id}/tiles/WebMercatorQuad``
describes it, and ``…/{tileMatrix}/{tileRow}/{tileCol}`` answers one tile. Tiles carry an ETag
made of the store's version and the tile's address (a changed layer changes every ETag), answer
304 to a matching ``If-None-Match`` and 204 when no feature meets the tile. Encoded tiles are
kept in a bounded cache per store version.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response

from ..export.mvt import MAX_ZOOM, TILE_MATRIX_SET, TileError, check_tile, encode_tile
from ..store import LayerStore
from .deps import get_store
from .errors import ProblemError
from .responses import JSON, json_response
from .urls import public_base_url

router = APIRouter(tags=["OGC API - Tiles"])
Store = Annotated[LayerStore, Depends(get_store)]
MVT = "application/vnd.mapbox-vector-tile"
TMS_URI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
CACHE_HEADERS = {"Cache-Control": "public, max-age=3600"}


@lru_cache(maxsize=1024)
def _tile(store_key: int, etag: str, layer_id: str, z: int, y: int, x: int, store: LayerStore) -> bytes:
    return encode_tile(store.get(layer_id), z, y, x)


def _tileset(base: str, layer_id: str, title: str) -> dict:
    href = f"{base}/collections/{layer_id}/tiles/{TILE_MATRIX_SET}"
    return {
        "title": f"{title} (vector tiles)", "dataType": "vector", "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
        "tileMatrixSetURI": TMS_URI,
        "tileMatrixSetLimits": [{"tileMatrix": str(z), "minTileRow": 0, "maxTileRow": 2 ** z - 1,
                                 "minTileCol": 0, "maxTileCol": 2 ** z - 1} for z in range(MAX_ZOOM + 1)],
        "links": [
            {"href": href, "rel": "self", "type": JSON, "title": "This tileset"},
            {"href": TMS_URI, "rel": "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme",
             "title": "WebMercatorQuad"},
            {"href": href + "/{tileMatrix}/{tileRow}/{tileCol}", "rel": "item", "type": MVT,
             "templated": True, "title": "Mapbox vector tiles"},
        ],
    }


@router.get("/collections/{collection_id}/tiles", summary="The tilesets of a layer (vector tiles)")
def tilesets(request: Request, store: Store, collection_id: Annotated[str, Path()]) -> Response:
    layer = store.get(collection_id)
    base = public_base_url(request)
    ts = _tileset(base, layer.id, layer.spec.title_en)
    return json_response({"tilesets": [{k: ts[k] for k in ("title", "dataType", "crs", "tileMatrixSetURI")}
                                       | {"links": ts["links"][:1]}]})


@router.get("/collections/{collection_id}/tiles/WebMercatorQuad",
            summary="The WebMercatorQuad vector tileset of a layer")
def tileset(request: Request, store: Store, collection_id: Annotated[str, Path()]) -> Response:
    layer = store.get(collection_id)
    return json_response(_tileset(public_base_url(request), layer.id, layer.spec.title_en))


@router.get("/collections/{collection_id}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}",
            summary="One vector tile (MVT) of a layer",
            responses={200: {"content": {MVT: {}}, "description": "The tile"},
                       204: {"description": "No feature of the layer meets this tile"},
                       304: {"description": "Unchanged since the ETag sent in If-None-Match"}})
def tile(request: Request, store: Store, collection_id: Annotated[str, Path()],
         tileMatrix: Annotated[int, Path()], tileRow: Annotated[int, Path()],
         tileCol: Annotated[int, Path()]) -> Response:
    layer = store.get(collection_id)
    try:
        check_tile(tileMatrix, tileRow, tileCol)
    except TileError as exc:
        raise ProblemError(404, str(exc)) from None
    etag = f'"{store.etag}-{layer.id}-{tileMatrix}-{tileRow}-{tileCol}"'
    headers = {"ETag": etag, **CACHE_HEADERS}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    data = _tile(id(store), store.etag, layer.id, tileMatrix, tileRow, tileCol, store)
    if not data:
        return Response(status_code=204, headers=headers)
    return Response(data, media_type=MVT, headers=headers)
