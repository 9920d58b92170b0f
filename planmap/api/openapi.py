"""An OpenAPI 3.0 document that QGIS and GDAL can use.

FastAPI emits OpenAPI 3.1 with every parameter inlined. QGIS reads the page size only from a
*named* ``components.parameters.limit`` (its default and maximum), and GDAL expects 3.0. So the
generated document is rewritten: shared OGC parameters become named components referenced by
``$ref``, and 3.1-only constructs (``type: 'null'`` in ``anyOf``, ``examples`` lists) are
turned into their 3.0 equivalents.
"""
from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from .params import LIMIT_DEFAULT, LIMIT_MAX

OGC_PARAMETERS: dict[str, dict[str, Any]] = {
    "limit": {
        "name": "limit", "in": "query", "required": False, "style": "form", "explode": False,
        "description": (f"The number of features per page. Default {LIMIT_DEFAULT}; values over "
                        f"{LIMIT_MAX} are clamped to {LIMIT_MAX}, and values under 1 to 1. "
                        "Follow the `next` link for the following page."),
        "schema": {"type": "integer", "minimum": 1, "maximum": LIMIT_MAX, "default": LIMIT_DEFAULT},
    },
    "offset": {
        "name": "offset", "in": "query", "required": False,
        "description": "The number of features to skip (used by the `next`/`prev` links).",
        "schema": {"type": "integer", "minimum": 0, "default": 0},
    },
    "bbox": {
        "name": "bbox", "in": "query", "required": False, "style": "form", "explode": False,
        "description": "minx,miny,maxx,maxy (or 6 numbers with heights), in `bbox-crs` (default CRS84).",
        "schema": {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
    },
    "crs": {
        "name": "crs", "in": "query", "required": False,
        "description": "The CRS of the response geometries (a URI listed in the collection's `crs`).",
        "schema": {"type": "string", "format": "uri"},
    },
    "bbox-crs": {
        "name": "bbox-crs", "in": "query", "required": False,
        "description": "The CRS of `bbox` (a URI listed in the collection's `crs`).",
        "schema": {"type": "string", "format": "uri"},
    },
    "f": {
        "name": "f", "in": "query", "required": False,
        "description": "Response format: json (GeoJSON for features) or html.",
        "schema": {"type": "string", "enum": ["json", "html"]},
    },
}


def _to_30(node: Any) -> Any:
    if isinstance(node, dict):
        node = {k: _to_30(v) for k, v in node.items()}
        any_of = node.get("anyOf")
        if isinstance(any_of, list) and any(s == {"type": "null"} for s in any_of):
            rest = [s for s in any_of if s != {"type": "null"}]
            node.pop("anyOf")
            if len(rest) == 1:
                node.update(rest[0])
            else:
                node["anyOf"] = rest
            node["nullable"] = True
        if "examples" in node and isinstance(node["examples"], list) and "in" not in node:
            ex = node.pop("examples")
            if ex:
                node["example"] = ex[0]
        if node.get("type") == "null":
            node.pop("type")
            node["nullable"] = True
        if "const" in node:
            node["enum"] = [node.pop("const")]
        return node
    if isinstance(node, list):
        return [_to_30(v) for v in node]
    return node


def build_openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    doc = get_openapi(title=app.title, version=app.version, description=app.description,
                      routes=app.routes)
    doc = _to_30(doc)
    doc["openapi"] = "3.0.3"
    comps = doc.setdefault("components", {})
    comps.setdefault("parameters", {}).update(OGC_PARAMETERS)
    for path_item in doc.get("paths", {}).values():
        for op in path_item.values():
            params = op.get("parameters")
            if not isinstance(params, list):
                continue
            new = []
            for p in params:
                name = p.get("name")
                if name in OGC_PARAMETERS and p.get("in") == "query":
                    new.append({"$ref": f"#/components/parameters/{name}"})
                else:
                    new.append(p)
            op["parameters"] = new
    app.openapi_schema = doc
    return doc
