"""Web routes: the map page and the vendored static assets."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from ..api.deps import get_store
from ..api.errors import ProblemError
from ..store import LayerStore
from .mapview import BASEMAPS, MapOptions, render_html

router = APIRouter()
_cache: dict[tuple, str] = {}


@router.get("/map", response_class=HTMLResponse, summary="The interactive planning map",
            tags=["Map"])
def map_page(request: Request, store: Annotated[LayerStore, Depends(get_store)],
             layers: Annotated[str | None, Query(description="comma-separated layer ids")] = None,
             basemap: Annotated[str, Query(description="osm or none")] = "osm") -> HTMLResponse:
    if basemap not in BASEMAPS:
        raise ProblemError(400, f"basemap={basemap!r} is not offered; use one of {', '.join(BASEMAPS)}")
    wanted = None
    if layers:
        wanted = tuple(x.strip() for x in layers.split(",") if x.strip())
        for lid in wanted:
            store.get(lid)  # 404 with the known ids for a typo
    prefix = str(request.base_url).rstrip("/") + "/static"
    key = (store.etag, wanted, basemap, prefix)
    if key not in _cache:
        _cache[key] = render_html(store, MapOptions(layers=wanted, basemap=basemap,
                                                    static_prefix=prefix))
    return HTMLResponse(_cache[key])
