"""OGC API - Features Part 4 on editable layers: POST, PUT, PATCH and DELETE on items.

Every write needs an ``editor`` token (``Authorization: Bearer``). Answers carry the feature's
ETag; a write with an ``If-Match`` that no longer matches is 412, a write without one is allowed
(OWSLib and most clients send none). Bodies are GeoJSON in CRS84 unless ``Content-Crs`` names
another supported CRS. The checks, joins and audit record are those of :mod:`planmap.edit`.
"""
from __future__ import annotations

import asyncio
from typing import Annotated, Any

import numpy as np
import orjson
import shapely
from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import Response
from shapely.geometry import mapping, shape
from starlette.exceptions import HTTPException

from .. import edit
from ..auth.deps import require_editor
from ..auth.tokens import Account
from ..geo.crs import transformer
from ..store import LayerStore
from .deps import get_store
from .errors import ProblemError
from .params import parse_crs

router = APIRouter(tags=["OGC API - Features Part 4 (editing)"])
Store = Annotated[LayerStore, Depends(get_store)]
Editor = Annotated[Account, Depends(require_editor)]
IfMatch = Annotated[str | None, Header(alias="If-Match", description=(
    "The ETag of the feature as you last read it; a stale one is answered 412. Optional."))]
ContentCrs = Annotated[str | None, Header(alias="Content-Crs", description=(
    "The CRS of the body's coordinates, e.g. <http://www.opengis.net/def/crs/EPSG/0/4548>; "
    "default CRS84 (lon, lat)."))]
MAX_BODY = 2 * 2**20
GEOJSON = "application/geo+json"
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded", "text/plain")


async def read_json(request: Request, media: tuple[str, ...] | None = None) -> Any:
    """The JSON body, at most :data:`MAX_BODY` bytes. Form encodings are refused (415): a
    browser can send those cross-site without asking, JSON it cannot."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype in FORM_TYPES or (media and ctype and ctype not in media):
        want = ", ".join(media or ("application/geo+json", "application/json"))
        raise ProblemError(415, f"Content-Type {ctype!r}: send {want}")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY:
        raise ProblemError(413, f"body larger than {MAX_BODY // 2**20} MB")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise ProblemError(413, f"body larger than {MAX_BODY // 2**20} MB")
    if not body:
        raise ProblemError(400, "the body is empty; send a GeoJSON Feature")
    try:
        return orjson.loads(bytes(body))
    except orjson.JSONDecodeError as exc:
        raise ProblemError(400, f"the body is not JSON: {exc}") from None


def to_crs84(body: Any, content_crs: str | None) -> Any:
    """Reproject the body's geometry from ``Content-Crs`` (wire axis order) to CRS84."""
    if not content_crs or not isinstance(body, dict) or not isinstance(body.get("geometry"), dict):
        return body
    crs = parse_crs(content_crs.strip().strip("<>"), "Content-Crs")
    if crs.code == "CRS84":
        return body
    try:
        geom = shape(body["geometry"])
    except Exception:  # noqa: BLE001 - the edit checks report it with the right words
        return body
    t = transformer(crs.code, "CRS84")

    def fn(c: np.ndarray) -> np.ndarray:
        c = c[:, ::-1] if crs.yx_on_wire else c
        x, y = t.transform(c[:, 0], c[:, 1])
        return np.column_stack([x, y])

    return {**body, "geometry": mapping(shapely.transform(geom, fn))}


def _fid(feature_id: str) -> int:
    try:
        return int(feature_id)
    except ValueError:
        raise ProblemError(404, f"no feature {feature_id!r}: feature ids are integers") from None


async def _do(fn, *args) -> edit.transaction.Result:
    try:
        return await asyncio.to_thread(fn, *args)
    except edit.EditError as exc:
        raise HTTPException(exc.status, exc.detail, headers=exc.headers) from None


def item_url(request: Request, cid: str, fid: int) -> str:
    return f"{str(request.base_url).rstrip('/')}/collections/{cid}/items/{fid}"


def feature_response(request: Request, cid: str, result, status: int = 200,
                     location: bool = False) -> Response:
    url = item_url(request, cid, result.fid)
    feat = dict(result.feature)
    feat["links"] = [{"href": url, "rel": "self", "type": GEOJSON, "title": "This feature"}]
    headers = {"ETag": result.etag, "Content-Crs": "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"}
    if location:
        headers["Location"] = url
    return Response(orjson.dumps(feat), status_code=status, media_type=GEOJSON, headers=headers)


@router.post("/collections/{collection_id}/items", status_code=201,
             summary="Add a feature to an editable layer (editor)")
async def create_item(collection_id: str, request: Request, store: Store, account: Editor,
                      content_crs: ContentCrs = None) -> Response:
    store.get(collection_id)
    body = to_crs84(await read_json(request), content_crs)
    result = await _do(edit.create, store, collection_id, account, body)
    return feature_response(request, collection_id, result, 201, location=True)


@router.put("/collections/{collection_id}/items/{feature_id}",
            summary="Replace a feature of an editable layer (editor)")
async def replace_item(collection_id: str, feature_id: str, request: Request, store: Store,
                       account: Editor, if_match: IfMatch = None,
                       content_crs: ContentCrs = None) -> Response:
    store.get(collection_id)
    fid = _fid(feature_id)
    body = to_crs84(await read_json(request), content_crs)
    result = await _do(edit.replace, store, collection_id, fid, account, body, if_match)
    return feature_response(request, collection_id, result)


@router.patch("/collections/{collection_id}/items/{feature_id}",
              summary="Change some fields or the point of a feature (editor; JSON merge patch)")
async def update_item(collection_id: str, feature_id: str, request: Request, store: Store,
                      account: Editor, if_match: IfMatch = None,
                      content_crs: ContentCrs = None) -> Response:
    store.get(collection_id)
    fid = _fid(feature_id)
    patch = to_crs84(await read_json(request, ("application/merge-patch+json", "application/json")),
                     content_crs)
    result = await _do(edit.update, store, collection_id, fid, account, patch, if_match)
    return feature_response(request, collection_id, result)


@router.delete("/collections/{collection_id}/items/{feature_id}", status_code=204,
               summary="Delete a feature of an editable layer (editor)")
async def delete_item(collection_id: str, feature_id: str, store: Store, account: Editor,
                      if_match: IfMatch = None) -> Response:
    store.get(collection_id)
    fid = _fid(feature_id)
    await _do(edit.delete, store, collection_id, fid, account, if_match)
    return Response(status_code=204)
