"""Web routes: the map page and the finer geometry levels it fetches on zoom."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from .. import config
from ..api.deps import get_store
from ..api.errors import ProblemError
from ..api.urls import public_base_url
from ..store import LayerStore
from . import mapdata
from .pagecache import ByteLRU
from .mapview import BASEMAPS, LANGS, MapOptions, render_html, tianditu_key

router = APIRouter()
# Rendered /map pages by (store version, options); bounded by PLANMAP_MAP_CACHE_BYTES.
page_cache = ByteLRU(lambda: config.MAP_CACHE_BYTES)


def _layers(store: LayerStore, layers: str | None) -> tuple[str, ...] | None:
    """The requested layer ids, normalised: known ids only (404 otherwise), each once, in the
    store's order; all of them is the same request as none. So ``a,b``, ``b,a,a`` and ``a, b``
    share one cache entry."""
    if not layers:
        return None
    wanted = {x.strip() for x in layers.split(",") if x.strip()}
    for lid in sorted(wanted):
        store.get(lid)  # 404 with the known ids for a typo
    ordered = tuple(lid for lid in store.ids() if lid in wanted)
    return None if not ordered or len(ordered) == len(store.ids()) else ordered


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
    base = public_base_url(request)  # PLANMAP_PUBLIC_URL or an allow-listed host, never raw Host
    options = MapOptions(layers=wanted, basemap=basemap, static_prefix=base + "/static", lang=lang,
                         api_base=base, tianditu_key=tianditu_key() if basemap == "tianditu" else "")
    key = (store.etag, options)
    page = page_cache.get(key)
    if page is None:
        page = render_html(store, options)
        page_cache.put(key, page, version=store.etag)
    return HTMLResponse(page)


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
