"""What /api says about accounts, editing and the audit trail.

The descriptions and examples of the Part 4 and audit operations (merged into
:data:`~planmap.api.openapi_docs.OPERATIONS` when this module loads), and the post-processing
that declares the bearer scheme's 401/403 answers, and the 412 of a stale ETag, on every
protected operation.
"""
from __future__ import annotations

from typing import Any

from ..auth.deps import SCHEME
from ..auth.reads import secure_reads
from .openapi_docs import OPERATIONS

_PROBLEM = {"application/problem+json": {"schema": {
    "type": "object", "required": ["status", "detail"],
    "properties": {"type": {"type": "string"}, "title": {"type": "string"},
                   "status": {"type": "integer"}, "detail": {"type": "string"}}}}}

_PROJECT = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [117.3912, 38.9923]},
            "properties": {"name": "示例泵站", "category": "water", "district_stated": "津南区",
                           "period": "十四五", "investment_yi": 1.2}}
_FEATURE_SCHEMA = {"type": "object", "required": ["type", "properties"],
                   "properties": {"type": {"type": "string", "enum": ["Feature"]},
                                  "geometry": {"type": "object", "nullable": True},
                                  "properties": {"type": "object"}}}


def _body(example: dict, media: tuple[str, ...], required: bool = True) -> dict:
    return {"required": required,
            "content": {m: {"schema": _FEATURE_SCHEMA if example else {"type": "object"},
                            "example": example} for m in media}}


OPTIONAL_TOKEN = ("/export/planmap.gpkg",)
_ITEM = {"collection_id": (None, "projects"), "feature_id": (None, "1")}
EDIT_OPERATIONS: dict[tuple[str, str], dict[str, Any]] = {
    ("/collections/{collection_id}/items", "post"): {
        "description": (
            "OGC API - Features Part 4: add a feature (a GeoJSON Feature) to an editable layer "
            "(`projects`). Needs an `editor` token. The feature gets the import's checks and "
            "joins: a point inside Tianjin or none (then `district_stated`), district, twin city, "
            "barrier zone and wetland from the point; `origin` names the account. Answers 201 "
            "with `Location` and `ETag`, and the stored feature. One audit record per change."),
        "parameters": {"collection_id": (None, "projects")},
        "requestBody": _body(_PROJECT, ("application/geo+json", "application/json"))},
    ("/collections/{collection_id}/items/{feature_id}", "put"): {
        "description": (
            "Replace a feature: the body is the whole new feature (fields left out become null; "
            "`origin` and `import_key` are kept). Send `If-Match` with the ETag you read to be "
            "told (412) when someone changed it meanwhile."),
        "parameters": _ITEM,
        "requestBody": _body(_PROJECT, ("application/geo+json", "application/json"))},
    ("/collections/{collection_id}/items/{feature_id}", "patch"): {
        "description": (
            "Change some fields or the point (RFC 7396 JSON merge patch, "
            "`application/merge-patch+json`): members not named stay as they are, `null` "
            "clears a field. A moved point becomes `loc_quality` exact and is joined again."),
        "parameters": _ITEM,
        "requestBody": _body({"properties": {"investment_yi": 2.5, "period": "2025-2027"}},
                             ("application/merge-patch+json", "application/json"))},
    ("/collections/{collection_id}/items/{feature_id}", "delete"): {
        "description": "Delete a feature (204). Its history keeps every version, and a restore "
                       "brings it back under the same id.",
        "parameters": _ITEM},
    ("/collections/{collection_id}/items/{feature_id}/history", "get"): {
        "description": (
            "Every version of a feature, oldest first, numbered `version` 1, 2, …: who made it, "
            "when, with which operation, and the feature itself (null for a deletion). Version 1 "
            "of a built feature is the feature as built. Needs an `editor` token."),
        "parameters": _ITEM},
    ("/collections/{collection_id}/items/{feature_id}/history/{version}/restore", "post"): {
        "description": (
            "Write one version of the feature back exactly as it was stored, as a new change "
            "(itself audited, op `restore`). No body is needed. Needs an `editor` token."),
        "parameters": {**_ITEM, "version": ("The version number from the history.", 1)},
        "requestBody": _body({}, ("application/json",), required=False)},
    ("/audit", "get"): {
        "description": (
            "The audit trail (强制留痕), oldest first: for each change who (the token's name), "
            "when (UTC), from which address, the operation (import, create, replace, update, "
            "delete, restore, build-replace), the layer, the feature ids, and the features before "
            "and after as GeoJSON, with the record's hash and the previous record's (a chain "
            "`planmap audit verify` checks). Needs an `admin` token."),
        "parameters": {"user": (None, "editor1"), "layer": (None, "projects"),
                       "since": (None, "2026-01-01"), "until": (None, "2030-12-31T23:59:59Z"),
                       "limit": (None, 100), "offset": (None, 0), "features": (None, True)}},
}
OPERATIONS.update(EDIT_OPERATIONS)


def document_security(doc: dict[str, Any], read_role: str | None) -> None:
    """401/403 on every operation that declares the bearer scheme; 412 on ETag-checked writes."""
    secure_reads(doc, read_role)
    scheme = doc.get("components", {}).get("securitySchemes", {}).get(SCHEME)
    if scheme is not None:
        scheme.setdefault("type", "http")
        scheme.setdefault("scheme", "bearer")
    for path, item in doc.get("paths", {}).items():
        for method, op in item.items():
            if not isinstance(op, dict) or not op.get("security"):
                continue
            if path in OPTIONAL_TOKEN:  # anonymous is fine; an admin token adds the audit table
                op["security"] = [{}, {SCHEME: []}]
            responses = op.setdefault("responses", {})
            responses.setdefault("401", {"description": "No token, or an unknown or revoked one",
                                         "content": _PROBLEM})
            responses.setdefault("403", {"description": "The token's role is too low",
                                         "content": _PROBLEM})
            if method in ("put", "patch", "delete"):
                responses["412"] = {"description": "If-Match names an ETag the feature no longer "
                                                   "has", "content": _PROBLEM}
