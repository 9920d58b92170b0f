"""HTML views of the OGC resources (``f=html``), rendered with Jinja2 templates."""
from __future__ import annotations

import json
from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from ..layers.registry import GEOM_QUALITY_ZH
from ..web.safejson import script_json
from .urls import public_base_url

TEMPLATES = Path(__file__).resolve().parent.parent / "web" / "templates"
_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
_env.filters["tojson"] = lambda v: Markup(script_json(v))  # also escapes U+2028/2029
_env.filters["tojson_attr"] = lambda v: json.dumps(v, ensure_ascii=False)
_env.globals["quality_zh"] = GEOM_QUALITY_ZH


def render(template: str, request: Request, **ctx) -> HTMLResponse:
    base = public_base_url(request)
    html = _env.get_template(template).render(base=base, **ctx)
    return HTMLResponse(html)
