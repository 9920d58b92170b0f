"""The audit trail over HTTP: ``GET /audit`` (admin), a feature's history and its restore
(editor).

History numbers a feature's versions 1, 2, … oldest first; a restore writes one of them back as
a new change, which is itself audited (op ``restore``), so the trail only ever grows.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from .. import audit, edit
from ..auth.deps import require_admin, require_editor
from ..auth.tokens import Account
from ..store import LayerStore
from .deps import get_store
from .edit_routes import _do, _fid, feature_response, item_url
from .errors import ProblemError
from .responses import json_response

router = APIRouter(tags=["Audit trail"])
Store = Annotated[LayerStore, Depends(get_store)]
AUDIT_LIMIT_MAX = 1000


def _instant(raw: str | None, name: str) -> str | None:
    """An ISO 8601 date or date-time as the trail writes times (UTC, microseconds, Z)."""
    if raw is None or not raw.strip():
        return None
    try:
        t = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ProblemError(400, f"{name}={raw!r}: give an ISO 8601 date or time, e.g. "
                                "2026-12-01 or 2026-12-01T08:00:00Z") from None
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@router.get("/audit", summary="The audit trail: who changed what, when (admin)")
def audit_log(
    store: Store,
    account: Annotated[Account, Depends(require_admin)],
    user: Annotated[str | None, Query(description="only changes by this account")] = None,
    layer: Annotated[str | None, Query(description="only changes to this layer")] = None,
    since: Annotated[str | None, Query(description="only changes at or after this time (UTC)")] = None,
    until: Annotated[str | None, Query(description="only changes at or before this time (UTC)")] = None,
    limit: Annotated[int, Query(description=f"records per page, clamped to 1–{AUDIT_LIMIT_MAX}")] = 100,
    offset: Annotated[int, Query(ge=0, description="records to skip")] = 0,
    features: Annotated[bool, Query(description="include the features before and after "
                                                "(false: only who, when, what and which ids)")] = True,
) -> Response:
    if layer is not None:
        store.get(layer)
    limit = max(1, min(limit, AUDIT_LIMIT_MAX))
    matched, records = audit.query(store.path, user, layer, _instant(since, "since"),
                                   _instant(until, "until"), limit, offset, features)
    return json_response({"numberMatched": matched, "numberReturned": len(records),
                          "records": records})


@router.get("/collections/{collection_id}/items/{feature_id}/history",
            summary="Every version of a feature (editor)")
def item_history(collection_id: str, feature_id: str, request: Request, store: Store,
                 account: Annotated[Account, Depends(require_editor)]) -> Response:
    layer = store.get(collection_id)
    fid = _fid(feature_id)
    versions = audit.history(store.path, collection_id, fid)
    if not versions:
        if fid not in layer.gdf.index:
            raise ProblemError(404, f"no feature {fid} in {collection_id}, and no record of one")
        from .geojson import features  # noqa: PLC0415
        feat = features(layer.gdf.loc[[fid]], _crs84(), list(layer.gdf.columns.drop("geometry")))[0]
        versions = [{"version": 1, "op": "original", "user": None, "time": None, "seq": None,
                     "feature": feat}]
    base = item_url(request, collection_id, fid)
    for v in versions:
        v["restore"] = f"{base}/history/{v['version']}/restore"
    return json_response({"collection": collection_id, "id": fid, "versions": versions})


def _crs84():
    from ..geo.crs import SUPPORTED  # noqa: PLC0415
    return SUPPORTED[0]


@router.post("/collections/{collection_id}/items/{feature_id}/history/{version}/restore",
             summary="Bring back one version of a feature, as a new change (editor)")
async def restore_version(collection_id: str, feature_id: str, version: int, request: Request,
                          store: Store, account: Annotated[Account, Depends(require_editor)]
                          ) -> Response:
    store.get(collection_id)
    fid = _fid(feature_id)
    result = await _do(edit.restore, store, collection_id, fid, version, account)
    return feature_response(request, collection_id, result)
