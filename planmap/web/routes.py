"""Web routes: the map page and the finer geometry levels it fetches on zoom."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from ..api.deps import get_store
from ..api.errors import ProblemError
from ..store import LayerStore
from . import mapdata
from .mapview import BASEMAPS, LANGS, MapOptions, render_html, tianditu_key

router = APIRouter()
_cache: dict[tuple, str] = {}


def _layers(store: LayerStore, layers: str | None) -> tuple[str, ...] | None:
    if not layers:
        return None
    wanted = tuple(x.strip() for x in layers.split(",") if x.strip())
    for lid in wanted:
        store.get(lid)  # 404 with the known ids for a typo
    return wanted


def _basemap(basemap: str) -> str:
    if basemap not in BASEMAPS:
        raise ProblemError(400, f"basemap={basemap!r} is not offered; use one of {', '.join(BASEMAPS)}")
    return basemap


@router.get("/map", response_class=HTMLResponse, summary="The interactive planning map",
            tags=["Map"])
def map_page(request: Request, store: Annotated[LayerStore, Depends(get_store)],
             layers: Annotated[str | None, Query(description="comma-separated layer ids")] = None,
             basemap: Annotated[str | None, Query(description="osm, tianditu, amap (overlays shifted to GCJ-02) "
                                                  "or none; default: the PLANMAP_BASEMAP setting")] = None,
             lang: Annotated[str, Query(description="interface language: zh or en")] = "zh") -> HTMLResponse:
    basemap = _basemap(basemap or request.app.state.basemap)
    if lang not in LANGS:
        raise ProblemError(400, f"lang={lang!r} is not offered; use zh or en")
    wanted = _layers(store, layers)
    base = str(request.base_url).rstrip("/")
    options = MapOptions(layers=wanted, basemap=basemap, static_prefix=base + "/static", lang=lang,
                         api_base=base, tianditu_key=tianditu_key() if basemap == "tianditu" else "")
    key = (store.etag, options)
    if key not in _cache:
        for stale in [k for k in _cache if k[0] != store.etag]:  # pages of an older store version
            del _cache[stale]
        _cache[key] = render_html(store, options)
    return HTMLResponse(_cache[key])


@router.get("/map/data/topology.json", summary="Map geometry at a detail level (TopoJSON)",
            tags=["Map"])
def map_topology(store: Annotated[LayerStore, Depends(get_store)],
                 level: Annotated[int, Query(ge=0, le=len(mapdata.DETAIL_LEVELS) - 1,
                                             description="0 overview … 2 finest")] = 0,
                 basemap: Annotated[str, Query(description="amap shifts coordinates to GCJ-02")] = "osm",
                 layers: Annotated[str | None, Query(description="comma-separated layer ids")] = None) -> Response:
    text = mapdata.topology(store, _layers(store, layers), level, _basemap(basemap))
    return Response(text, media_type="application/json",
                    headers={"Cache-Control": "public, max-age=3600", "ETag": f'"{store.etag}-{level}-{basemap}"'})
