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

from .openapi_docs import document
from .openapi_edit import document_security
from .params import LIMIT_DEFAULT, LIMIT_MAX
from .schemas import RESPONSES, SCHEMAS

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
        "schema": {"type": "string"},
    },
    "bbox-crs": {
        "name": "bbox-crs", "in": "query", "required": False,
        "description": "The CRS of `bbox` (a URI listed in the collection's `crs`).",
        "schema": {"type": "string"},
    },
    "filter": {
        "name": "filter", "in": "query", "required": False,
        "description": ("A CQL2 filter over the collection's queryables, e.g. "
                        "`name LIKE '%湿地%'`, `level = 1` or "
                        "`S_INTERSECTS(geometry, POLYGON((117 39, 117.5 39, 117.5 39.5, 117 39)))`."),
        "schema": {"type": "string"},
    },
    "filter-lang": {
        "name": "filter-lang", "in": "query", "required": False,
        "description": "The language of `filter`: cql2-text (default) or cql2-json.",
        "schema": {"type": "string", "enum": ["cql2-text", "cql2-json"], "default": "cql2-text"},
    },
    "filter-crs": {
        "name": "filter-crs", "in": "query", "required": False,
        "description": "The CRS of geometry literals in `filter` (default CRS84).",
        "schema": {"type": "string"},
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


_ANY = {"schema": {}}
_PROBLEM = {"application/problem+json": {"schema": {
    "type": "object", "required": ["status", "detail"],
    "properties": {"type": {"type": "string"}, "title": {"type": "string"},
                   "status": {"type": "integer"}, "detail": {"type": "string"}}}}}
# what each OGC path really answers with (f=json / f=html), so clients and tests can trust /api
_MEDIA: dict[str, tuple[str, ...]] = {
    "/": ("application/json", "text/html"),
    "/conformance": ("application/json", "text/html"),
    "/collections": ("application/json", "text/html"),
    "/collections/{collection_id}": ("application/json", "text/html"),
    "/collections/{collection_id}/items": ("application/geo+json", "text/html"),
    "/collections/{collection_id}/items/{feature_id}": ("application/geo+json", "text/html"),
    "/collections/{collection_id}/queryables": ("application/schema+json",),
    "/export/planmap.gpkg": ("application/geopackage+sqlite3",),
    "/export/{filename}": ("application/geopackage+sqlite3", "application/zip",
                           "application/vnd.google-earth.kml+xml", "application/geo+json",
                           "text/csv", "application/flatgeobuf"),
}


def _document_media(doc: dict[str, Any]) -> None:
    for path, media in _MEDIA.items():
        op = doc.get("paths", {}).get(path, {}).get("get")
        if not op:
            continue
        responses = op.setdefault("responses", {})
        ok = responses.setdefault("200", {"description": "OK"})
        ok["content"] = {m: _ANY for m in media}
        responses.pop("422", None)
        for code, text in (("400", "Bad request (problem details say what to change)"),
                           ("404", "No such collection, feature or export")):
            responses[code] = {"description": text, "content": _PROBLEM}


def _document_bodies(doc: dict[str, Any]) -> None:
    """Name what each JSON answer holds (``components.schemas``), and the problems it may give."""
    doc.setdefault("components", {}).setdefault("schemas", {}).update(SCHEMAS)
    for (path, method), media in RESPONSES.items():
        op = doc.get("paths", {}).get(path, {}).get(method)
        if not op:
            continue
        responses = op.setdefault("responses", {})
        ok = responses.setdefault("200", {"description": "OK"})
        content = ok.setdefault("content", {})
        for m, name in media.items():
            content[m] = {"schema": {"$ref": f"#/components/schemas/{name}"}}
        if path == "/analysis/siting":
            content["text/html"] = _ANY  # f=html: the printable report
        if path in _MEDIA:  # OGC paths: their problem responses are set by _document_media
            continue
        responses["400"] = {"description": "Bad request (problem details say what to change)",
                            "content": _PROBLEM}
        responses["422"] = {"description": "Unusable input: swapped coordinates, an invalid "
                                           "geometry, a file with no rows (problem details say why)",
                            "content": _PROBLEM}
        if method == "post":
            responses["413"] = {"description": "Body too large", "content": _PROBLEM}
        if path.startswith("/query/"):
            responses["404"] = {"description": "Unknown layer id, or no such feature for `of`",
                                "content": _PROBLEM}


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
    _document_media(doc)
    _document_bodies(doc)
    document(doc)  # descriptions and examples (openapi_docs.py)
    document_security(doc, getattr(app.state, "read_role", None))  # bearer scheme (openapi_edit.py)
    app.openapi_schema = doc
    return doc
