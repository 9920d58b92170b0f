"""HTML views of the OGC resources (``f=html``), rendered with Jinja2 templates."""
from __future__ import annotations

import json
from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from ..layers.registry import GEOM_QUALITY_ZH
from ..web.mapview import tianditu_key
from ..web.safejson import script_json
from .urls import public_base_url

TEMPLATES = Path(__file__).resolve().parent.parent / "web" / "templates"
_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
_env.filters["tojson"] = lambda v: Markup(script_json(v))  # also escapes U+2028/2029
_env.filters["tojson_attr"] = lambda v: json.dumps(v, ensure_ascii=False)
_env.globals["quality_zh"] = GEOM_QUALITY_ZH


def pages_config(request: Request, base: str, basemap: str | None = None) -> dict:
    """What ``static/pages.js`` needs for a page's preview map: tiles and the district outlines.

    The basemap is the page's own (the siting report's ``basemap=``) or the service's setting.
    Tiles are only drawn where they line up with the WGS84 features on these pages: ``amap``
    (GCJ-02) and ``tianditu`` without a key draw none. The outlines are the map's overview
    geometry (a 36 kB TopoJSON, cached by the browser), fetched from this service.
    """
    chosen = basemap or getattr(request.app.state, "basemap", "none")
    key = tianditu_key() if chosen == "tianditu" else ""
    if chosen == "amap" or (chosen == "tianditu" and not key):
        chosen = "none"
    return {"basemap": chosen, "tianditu_key": key,
            "districts_url": f"{base}/map/data/topology.json?level=0&layers=districts"}


def render(template: str, request: Request, **ctx) -> HTMLResponse:
    base = public_base_url(request)
    pages = pages_config(request, base, ctx.get("basemap"))
    html = _env.get_template(template).render(base=base, pages=pages, **ctx)
    return HTMLResponse(html)
