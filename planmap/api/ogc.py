"""OGC API - Features routes: landing page, conformance, collections, items, queryables.

Every route reads layers through the store dependency; no layer is special-cased. JSON is the
default for clients (QGIS and GDAL send ``Accept: application/json``), HTML for browsers.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from ..geo.crs import SUPPORTED
from ..edit.rows import store_etag
from ..store import Layer, LayerStore
from .deps import get_store
from .errors import ProblemError
from .geojson import features
from .html import render
from .cql import parse_filter
from .negotiate import wants
from .responses import json_response
from .urls import public_base_url
from .params import LIMIT_MAX, bbox_to_crs84, clamp_limit, parse_bbox, parse_crs

router = APIRouter()

GEOJSON = "application/geo+json"
JSON = "application/json"
OPENAPI_JSON = "application/vnd.oai.openapi+json;version=3.0"

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-common-2/1.0/conf/collections",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
    "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
    # Part 4 (draft): POST/PUT/DELETE, PATCH, ETags; planmap/api/edit_routes.py
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/optimistic-locking-etags",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/features",
    # OGC API - Tiles: vector tiles of every layer; planmap/api/tile_routes.py
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
]

Store = Annotated[LayerStore, Depends(get_store)]
FormatParam = Annotated[str | None, Query(description="json or html")]


def base_url(request: Request) -> str:
    return public_base_url(request)  # never the raw Host header; see planmap.api.urls


def _link(href: str, rel: str, type_: str, title: str) -> dict:
    return {"href": href, "rel": rel, "type": type_, "title": title}


@router.get("/", summary="Landing page", tags=["OGC API - Features"])
def landing(request: Request, store: Store, f: FormatParam = None) -> Response:
    base = base_url(request)
    doc = {
        "title": "planmap: Tianjin twin-city spatial plan",
        "description": ("天津“一市双城多节点”空间规划图层：津城、滨城、736 km² 双城间绿色生态屏障、"
                        "湿地保护区、生态廊道、园区与项目。Tianjin's spatial plan as map layers."),
        "links": [
            _link(f"{base}/?f=json", "self", JSON, "This document"),
            _link(f"{base}/?f=html", "alternate", "text/html", "This document as HTML"),
            _link(f"{base}/api", "service-desc", OPENAPI_JSON, "The OpenAPI definition"),
            _link(f"{base}/api.html", "service-doc", "text/html", "The API documentation"),
            _link(f"{base}/conformance", "conformance", JSON, "Conformance classes"),
            _link(f"{base}/collections", "data", JSON, "The layers (collections)"),
            _link(f"{base}/map", "alternate", "text/html", "The interactive planning map"),
        ],
    }
    if wants(request, f) == "html":
        return render("landing.html", request, doc=doc, layers=list(store))
    return json_response(doc)


@router.get("/conformance", summary="Conformance classes", tags=["OGC API - Features"])
def conformance(request: Request, f: FormatParam = None) -> Response:
    doc = {"conformsTo": CONFORMANCE}
    if wants(request, f) == "html":
        return render("conformance.html", request, doc=doc)
    return json_response(doc)


def collection_doc(layer: Layer, base: str) -> dict:
    spec = layer.spec
    url = f"{base}/collections/{spec.id}"
    return {
        "id": spec.id,
        "title": spec.title,
        "description": spec.description,
        "itemType": "feature",
        "extent": {"spatial": {"bbox": [list(layer.bounds)], "crs": SUPPORTED[0].uri}},
        "crs": [c.uri for c in SUPPORTED],
        "storageCrs": SUPPORTED[0].uri,
        "links": [
            _link(url, "self", JSON, spec.title),
            _link(f"{url}?f=html", "alternate", "text/html", f"{spec.title} (HTML)"),
            _link(f"{url}/items", "items", GEOJSON, f"{spec.title} features"),
            _link(f"{url}/items?f=html", "items", "text/html", f"{spec.title} features (HTML)"),
            _link(f"{url}/queryables", "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                  "application/schema+json", "Queryable properties"),
        ],
    }


@router.get("/collections", summary="The layers", tags=["OGC API - Features"])
def collections(request: Request, store: Store, f: FormatParam = None) -> Response:
    base = base_url(request)
    doc = {
        "links": [_link(f"{base}/collections", "self", JSON, "Collections"),
                  _link(f"{base}/collections?f=html", "alternate", "text/html", "Collections (HTML)")],
        "collections": [collection_doc(layer, base) for layer in store],
        "crs": [c.uri for c in SUPPORTED],
    }
    if wants(request, f) == "html":
        return render("collections.html", request, doc=doc, store=store)
    return json_response(doc)


@router.get("/collections/{collection_id}", summary="One layer", tags=["OGC API - Features"])
def collection(collection_id: str, request: Request, store: Store, f: FormatParam = None) -> Response:
    layer = store.get(collection_id)
    doc = collection_doc(layer, base_url(request))
    if wants(request, f) == "html":
        return render("collection.html", request, doc=doc, layer=layer)
    return json_response(doc)


@router.get("/collections/{collection_id}/queryables", summary="Queryable properties",
            tags=["OGC API - Features"])
def queryables(collection_id: str, request: Request, store: Store) -> Response:
    layer = store.get(collection_id)
    types = {"str": "string", "int": "integer", "float": "number"}
    props: dict[str, Any] = {"geometry": {"format": f"geometry-{layer.spec.geometry}",
                                          "title": "geometry"}}
    for fs in layer.spec.fields:
        props[fs.name] = {"type": types.get(fs.type, "string"), "title": fs.title_zh,
                          "description": fs.title_en}
    doc = {"$schema": "https://json-schema.org/draft/2020-12/schema",
           "$id": f"{base_url(request)}/collections/{collection_id}/queryables",
           "type": "object", "title": layer.spec.title, "properties": props,
           "additionalProperties": False}
    return json_response(doc, media_type="application/schema+json")


def _property_filters(request: Request, layer: Layer) -> dict[str, str]:
    names = set(layer.spec.field_names)
    return {k: v for k, v in request.query_params.items() if k in names}


def _apply_property_filters(gdf, filters: dict[str, str], layer: Layer):
    types = {f.name: f.type for f in layer.spec.fields}
    for name, raw in filters.items():
        col = gdf[name]
        if types.get(name) in ("int", "float"):
            try:
                val = float(raw)
            except ValueError:
                raise ProblemError(400, f"{name} takes a number; got {raw!r}") from None
            gdf = gdf[col.astype(float) == val]
        else:
            gdf = gdf[col.astype(str) == raw]
    return gdf


@router.get("/collections/{collection_id}/items", summary="Features of a layer",
            tags=["OGC API - Features"])
def items(
    collection_id: str,
    request: Request,
    store: Store,
    bbox: Annotated[str | None, Query(description="minx,miny,maxx,maxy")] = None,
    limit: Annotated[int | None, Query(description=f"page size, clamped to 1–{LIMIT_MAX}")] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    crs: Annotated[str | None, Query()] = None,
    bbox_crs: Annotated[str | None, Query(alias="bbox-crs")] = None,
    filter: Annotated[str | None, Query(description="a CQL2 filter, e.g. name LIKE '%湿地%'")] = None,
    filter_lang: Annotated[str | None, Query(alias="filter-lang")] = None,
    filter_crs: Annotated[str | None, Query(alias="filter-crs")] = None,
    f: FormatParam = None,
) -> Response:
    layer = store.get(collection_id)
    out_crs = parse_crs(crs, "crs")
    in_crs = parse_crs(bbox_crs, "bbox-crs")
    box = parse_bbox(bbox)
    page = clamp_limit(limit)
    gdf = layer.gdf
    if box is not None:
        gdf = gdf.iloc[layer.positions_in_bbox(bbox_to_crs84(box, in_crs))]
    filters = _property_filters(request, layer)
    if filters:
        gdf = _apply_property_filters(gdf, filters, layer)
    if filter is not None and filter.strip():
        cql = parse_filter(filter, filter_lang, parse_crs(filter_crs, "filter-crs"), layer.spec)
        gdf = gdf[cql.mask(gdf)]
    matched = len(gdf)
    window = gdf.iloc[offset: offset + page]
    fmt = wants(request, f)
    links = _page_links(request, collection_id, offset, page, len(window), matched, fmt)
    if fmt == "html":
        feats = features(window, SUPPORTED[0], layer.spec.field_names)
        return render("items.html", request, layer=layer, features=feats, links=links,
                      matched=matched, offset=offset)
    doc = {
        "type": "FeatureCollection",
        "features": features(window, out_crs, layer.spec.field_names),
        "numberMatched": matched,
        "numberReturned": len(window),
        "timeStamp": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "links": links,
    }
    return json_response(doc, GEOJSON, headers={"Content-Crs": f"<{out_crs.uri}>"})


def _page_links(request: Request, cid: str, offset: int, page: int, returned: int,
                matched: int, fmt: str) -> list[dict]:
    base = f"{base_url(request)}/collections/{cid}/items"
    params = {k: v for k, v in request.query_params.items() if k not in ("offset", "limit", "f")}
    ftype = "text/html" if fmt == "html" else GEOJSON

    def href(off: int, f: str | None = None) -> str:
        q = dict(params, offset=off, limit=page)
        if f:
            q["f"] = f
        return f"{base}?{urlencode(q)}"

    links = [_link(href(offset, "html" if fmt == "html" else "json"), "self", ftype, "This page"),
             _link(href(offset, "json" if fmt == "html" else "html"), "alternate",
                   GEOJSON if fmt == "html" else "text/html", "This page in another format"),
             _link(f"{base_url(request)}/collections/{cid}", "collection", JSON, "The collection")]
    if offset + returned < matched:
        links.append(_link(href(offset + page, "html" if fmt == "html" else None), "next", ftype,
                           "Next page"))
    if offset > 0:
        links.append(_link(href(max(0, offset - page), "html" if fmt == "html" else None), "prev",
                           ftype, "Previous page"))
    return links


@router.get("/collections/{collection_id}/items/{feature_id}", summary="One feature",
            tags=["OGC API - Features"])
def item(collection_id: str, feature_id: str, request: Request, store: Store,
         crs: Annotated[str | None, Query()] = None, f: FormatParam = None) -> Response:
    layer = store.get(collection_id)
    out_crs = parse_crs(crs, "crs")
    try:
        fid = int(feature_id)
        row = layer.gdf.loc[[fid]]
    except (ValueError, KeyError):
        raise ProblemError(404, f"no feature {feature_id!r} in {collection_id}; feature ids are "
                                f"integers 1–{len(layer)}") from None
    feat = features(row, out_crs, layer.spec.field_names)[0]
    base = base_url(request)
    url = f"{base}/collections/{collection_id}/items/{fid}"
    feat["links"] = [_link(url, "self", GEOJSON, "This feature"),
                     _link(f"{url}?f=html", "alternate", "text/html", "This feature (HTML)"),
                     _link(f"{base}/collections/{collection_id}", "collection", JSON,
                           layer.spec.title)]
    if wants(request, f) == "html":
        return render("item.html", request, layer=layer, feature=feat,
                      feature4326=features(row, SUPPORTED[0], layer.spec.field_names)[0])
    return json_response(feat, GEOJSON, headers={"Content-Crs": f"<{out_crs.uri}>",
                                                 "ETag": store_etag(layer, fid)})
