"""Response bodies of the API as named OpenAPI 3.0 schemas (``components.schemas``).

Routes build their JSON by hand (orjson, no pydantic models), so FastAPI cannot infer what they
answer. These schemas say it, so an API client can generate typed code from ``/api`` and the
schemathesis run checks every answer against them. They are deliberately open
(``additionalProperties`` allowed) where a layer's own fields appear.
"""
from __future__ import annotations

from typing import Any


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(required: list[str], props: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": props, **extra}


_STR = {"type": "string"}
_NUM = {"type": "number"}
_INT = {"type": "integer"}
_STRS = {"type": "array", "items": _STR}
_NULLABLE_NUM = {"type": "number", "nullable": True}
_PROPS = {"type": "object", "additionalProperties": True,
          "description": "The layer's public fields (see the collection's queryables)."}

SCHEMAS: dict[str, dict[str, Any]] = {
    "Link": _obj(["href", "rel"], {"href": _STR, "rel": _STR, "type": _STR, "title": _STR,
                                    "hreflang": _STR}),
    "LandingPage": _obj(["links"], {"title": _STR, "description": _STR,
                                    "links": {"type": "array", "items": _ref("Link")}}),
    "Conformance": _obj(["conformsTo"], {"conformsTo": _STRS}),
    "Collection": _obj(["id", "links"], {
        "id": _STR, "title": _STR, "description": _STR, "itemType": _STR,
        "extent": {"type": "object", "properties": {"spatial": _obj(["bbox"], {
            "bbox": {"type": "array", "items": {"type": "array", "items": _NUM}}, "crs": _STR})}},
        "crs": _STRS, "storageCrs": _STR,
        "links": {"type": "array", "items": _ref("Link")}}),
    "Collections": _obj(["collections", "links"], {
        "collections": {"type": "array", "items": _ref("Collection")},
        "links": {"type": "array", "items": _ref("Link")}, "crs": _STRS}),
    "Geometry": _obj(["type"], {"type": _STR, "coordinates": {"type": "array", "items": {}},
                                "geometries": {"type": "array", "items": {}}},
                     nullable=True, description="A GeoJSON geometry, or null for a feature "
                                                "without a location (a citywide project)."),
    "Feature": _obj(["type", "geometry", "properties"], {
        "type": {"type": "string", "enum": ["Feature"]}, "id": {},
        "geometry": _ref("Geometry"), "properties": _PROPS,
        "links": {"type": "array", "items": _ref("Link")}}),
    "FeatureCollection": _obj(["type", "features"], {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {"type": "array", "items": _ref("Feature")},
        "numberMatched": _INT, "numberReturned": _INT, "timeStamp": _STR,
        "links": {"type": "array", "items": _ref("Link")}}),
    "QueryHit": _obj(["layer", "id", "name", "properties"], {
        "layer": _STR, "layer_title": _STR, "id": _INT, "name": {"type": "string", "nullable": True},
        "distance_m": _NUM, "properties": _PROPS}),
    "PointQueryResult": _obj(["point", "numberMatched", "features", "warnings"], {
        "point": _obj(["lon", "lat"], {"lon": _NUM, "lat": _NUM}), "coord_sys": _STR,
        "numberMatched": _INT, "features": {"type": "array", "items": _ref("QueryHit")},
        "warnings": _STRS}),
    "IntersectsResult": _obj(["input", "numberMatched", "features", "warnings"], {
        "input": _obj(["type", "vertices"], {"type": _STR, "vertices": _INT, "crs": _STR,
                                             "coord_sys": _STR, "area_m2": _NUM}),
        "numberMatched": _INT, "features": {"type": "array", "items": _ref("QueryHit")},
        "warnings": _STRS}),
    "NearbyResult": _obj(["origin", "distance_m", "numberMatched", "features", "warnings"], {
        "origin": {"type": "object", "description": "{lon, lat} or {of: 'layer:id'}"},
        "distance_m": _NUM, "numberMatched": _INT,
        "features": {"type": "array", "items": _ref("QueryHit")}, "warnings": _STRS}),
    "SitingFinding": _obj(["rule", "verdict", "layer", "id", "feature"], {
        "rule": _STR,
        "verdict": {"type": "string", "enum": ["conflict", "possible_conflict", "caution"],
                    "description": "graded by the feature's geom_quality: a conflict rule met by a "
                                   "non-official geometry is a possible_conflict (待核实)"},
        "rule_verdict": {"type": "string", "enum": ["conflict", "caution"]},
        "layer": _STR, "layer_title_zh": _STR, "layer_title_en": _STR,
        "id": _INT, "feature": _STR, "level": {"type": "integer", "nullable": True},
        "verify_zh": {"type": "string", "nullable": True},
        "verify_en": {"type": "string", "nullable": True},
        "overlap_m2": _NUM, "share_of_site": _NUM, "distance_m": _NUM, "limit_m": _NUM,
        "geom_quality": _STR, "reason_zh": _STR, "reason_en": _STR}),
    "SitingArea": _obj(["layer", "name", "area_m2", "share_of_site"], {
        "layer": _STR, "id": _INT, "name": _STR, "area_m2": _NUM, "share_of_site": _NUM,
        "geom_quality": _STR}),
    "SitingReport": _obj(["verdict", "site", "conflicts", "cautions", "summary"], {
        "verdict": {"type": "string", "enum": ["conflict", "possible_conflict", "caution", "clear"]},
        "verdict_zh": _STR, "verdict_en": _STR,
        "rests_on": {"type": "array", "items": _STR,
                     "description": "geom_quality of every feature the verdict rests on"},
        "site": _obj(["area_m2"], {"area_m2": _NUM, "vertices": _INT, "input_vertices": _INT,
                                    "crs": _STR, "coord_sys": _STR}),
        "conflicts": {"type": "array", "items": _ref("SitingFinding")},
        "cautions": {"type": "array", "items": _ref("SitingFinding")},
        "districts": {"type": "array", "items": _ref("SitingArea")},
        "parks": {"type": "array", "items": _ref("SitingArea")},
        "twin_cities": {"type": "array", "items": _ref("SitingArea")},
        "nearest_corridor": {"type": "object", "nullable": True},
        "projects_nearby": {"type": "array", "items": {"type": "object"}},
        "projects_within_m": _NUM,
        "summary": _obj(["zh", "en"], {"zh": _STR, "en": _STR}),
        "warnings": _STRS, "notes": _STRS, "rules_version": _STR}),
    "ProjectStats": _obj(["by", "groups", "total"], {
        "by": {"type": "string", "enum": ["district", "twin_city", "barrier_zone", "wetland", "park",
                                          "category"]},
        "layer": {"type": "string", "nullable": True,
                  "description": "the layer whose join the groups follow (null for category)"},
        "groups": {"type": "array", "items": _obj(["key", "count", "with_investment", "investment_yi"], {
            "key": {"type": "string", "nullable": True,
                    "description": "the feature's own name (一级管控区 …); null: in none of them"},
            "value": {"nullable": True, "description": "the join field's value (a level for zones)"},
            "count": _INT,
            "with_investment": {"type": "integer", "description": "how many state an investment"},
            "investment_yi": {"type": "number", "nullable": True,
                              "description": "sum of stated investments; null when none states one"}})},
        "total": _obj(["count", "with_investment", "investment_yi"], {
            "count": _INT, "with_investment": _INT,
            "investment_yi": {"type": "number", "nullable": True}}),
        "filters": {"type": "object"}}),
    "ImportReport": _obj(["file", "rows", "imported", "bad_rows", "problems"], {
        "file": _STR, "rows": _INT, "imported": _INT, "already_present": _INT, "bad_rows": _INT,
        "loc_quality": {"type": "object", "additionalProperties": _INT},
        "problems": {"type": "array", "items": _obj(["row", "column", "problem"], {
            "row": _INT, "column": _STR, "problem": _STR})}}),
}

# (path, method) → {media type: schema name}; paths not listed keep an untyped body.
RESPONSES: dict[tuple[str, str], dict[str, str]] = {
    ("/", "get"): {"application/json": "LandingPage"},
    ("/conformance", "get"): {"application/json": "Conformance"},
    ("/collections", "get"): {"application/json": "Collections"},
    ("/collections/{collection_id}", "get"): {"application/json": "Collection"},
    ("/collections/{collection_id}/items", "get"): {"application/geo+json": "FeatureCollection"},
    ("/collections/{collection_id}/items/{feature_id}", "get"): {"application/geo+json": "Feature"},
    ("/query/point", "get"): {"application/json": "PointQueryResult"},
    ("/query/intersects", "post"): {"application/json": "IntersectsResult"},
    ("/query/nearby", "get"): {"application/json": "NearbyResult"},
    ("/analysis/siting", "post"): {"application/json": "SitingReport"},
    ("/stats/projects", "get"): {"application/json": "ProjectStats"},
    ("/projects/import", "post"): {"application/json": "ImportReport"},
}
