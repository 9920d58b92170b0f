"""`GET /stats/projects` and `POST /projects/import`.

Statistics are computed from the store's `projects` layer on each request (a few thousand rows:
microseconds), so they always agree with what the map and the items endpoint show, including
rows imported a moment ago. Optional filters answer questions such as "how many projects and how
much stated investment in 津南区's part of the barrier": ``?by=barrier_zone&district=津南区``.
"""
from __future__ import annotations

import asyncio
import threading

import pandas as pd
from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.responses import Response
from .responses import json_response

from ..analysis.membership import STATS_BY, project_stats
from ..imports.projects_import import import_projects
from ..imports.table import TableError
from ..store import LayerStore
from .deps import get_store
from .errors import ProblemError
from ..audit import AuditError
from ..audit.provenance import ImportProvenance
from ..auth.deps import require_editor
from ..auth.tokens import Account

router = APIRouter()
MAX_UPLOAD = 50 * 1024 * 1024
_import_lock = threading.Lock()


@router.get("/stats/projects", summary="Project counts and stated investment by district, park, barrier zone or category")
def stats_projects(
    by: str = Query("district", description="district | twin_city | barrier_zone | wetland | park | category"),
    district: str | None = Query(None, description="only projects in this district"),
    category: str | None = Query(None, description="only projects of this category"),
    barrier_level: int | None = Query(None, ge=1, le=3, description="only projects in this barrier control zone"),
    store: LayerStore = Depends(get_store),
) -> Response:
    if by not in STATS_BY:
        raise ProblemError(400, f"by={by!r}: use one of {', '.join(STATS_BY)}")
    gdf = store.get("projects").gdf
    if district:
        gdf = gdf[gdf["district"] == district]
    if category:
        gdf = gdf[gdf["category"] == category]
    if barrier_level is not None:
        gdf = gdf[pd.to_numeric(gdf["barrier_level"], errors="coerce") == barrier_level]
    body = project_stats(store, by, gdf)
    body["filters"] = {k: v for k, v in (("district", district), ("category", category),
                                         ("barrier_level", barrier_level)) if v is not None}
    return json_response(body)


@router.post("/projects/import", summary="Import a project list (CSV or XLSX); answers a row-level report")
async def post_import(file: UploadFile = File(..., description="CSV (UTF-8 or GBK) or XLSX"),
                      store: LayerStore = Depends(get_store),
                      account: Account = Depends(require_editor)) -> Response:
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise ProblemError(413, f"file larger than {MAX_UPLOAD // 2**20} MB; split it")
    if not data:
        raise ProblemError(400, "the uploaded file is empty")
    name = file.filename or "upload.csv"

    def run():
        with _import_lock:  # one writer at a time; readers keep the old layer until the swap
            return import_projects(data, name, store, provenance=ImportProvenance(account))

    try:
        report = await asyncio.to_thread(run)
    except TableError as exc:
        raise ProblemError(415 if "unsupported" in str(exc) else 400, str(exc)) from exc
    except AuditError as exc:
        raise ProblemError(503, str(exc)) from exc
    return json_response(report.as_dict())
