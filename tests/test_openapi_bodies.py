"""Real answers of the main endpoints match the response schemas /api documents."""
from __future__ import annotations

import jsonschema
import orjson
import pytest


def _json_schema(node):
    """OpenAPI 3.0 `nullable` → JSON Schema's null type, so jsonschema can check it."""
    if isinstance(node, dict):
        node = {k: _json_schema(v) for k, v in node.items()}
        if node.pop("nullable", False):
            if "type" in node:
                node["type"] = [node["type"], "null"]
            elif "$ref" in node:
                node = {"anyOf": [{"$ref": node.pop("$ref")}, {"type": "null"}], **node}
        return node
    if isinstance(node, list):
        return [_json_schema(v) for v in node]
    return node


@pytest.fixture(scope="module")
def validate(client):
    doc = client.get("/api").json()
    components = _json_schema(doc["components"])

    def check(instance, name):
        jsonschema.validate(instance, {"$ref": f"#/components/schemas/{name}", "components": components})
        return instance
    return check


SITE = {"type": "Polygon", "coordinates": [[[117.40, 39.0], [117.45, 39.0], [117.45, 39.05], [117.40, 39.0]]]}


def test_every_typed_path_names_a_schema_that_exists(client):
    doc = client.get("/api").json()
    schemas = doc["components"]["schemas"]
    refs = [media["schema"]["$ref"].rsplit("/", 1)[1]
            for item in doc["paths"].values() for op in item.values()
            for media in op["responses"].get("200", {}).get("content", {}).values()
            if "$ref" in media.get("schema", {})]
    assert len(refs) >= 12 and all(r in schemas for r in refs)


def test_query_siting_stats_and_items_answers_match_their_schemas(client, validate):
    validate(client.get("/query/point", params={"lon": 117.45, "lat": 39.05}).json(), "PointQueryResult")
    validate(client.get("/query/nearby", params={"lon": 117.2, "lat": 39.12, "distance_m": 2000}).json(),
             "NearbyResult")
    body = orjson.dumps(SITE)
    validate(client.post("/query/intersects", content=body).json(), "IntersectsResult")
    report = validate(client.post("/analysis/siting", content=body).json(), "SitingReport")
    assert report["verdict"] == "possible_conflict"  # the zone it overlaps is schematic
    for by in ("district", "twin_city", "park", "barrier_zone", "wetland", "category"):
        validate(client.get("/stats/projects", params={"by": by}).json(), "ProjectStats")
    # projects include citywide items with a null geometry
    items = validate(client.get("/collections/projects/items", params={"limit": 1000}).json(),
                     "FeatureCollection")
    assert any(f["geometry"] is None for f in items["features"])
    validate(client.get("/collections/parks/items/1").json(), "Feature")


def test_schema_catches_a_wrong_answer(validate):
    with pytest.raises(jsonschema.ValidationError):
        validate({"point": {"lon": 1}, "numberMatched": 0, "features": [], "warnings": []},
                 "PointQueryResult")


def test_import_report_matches_its_schema(tmp_path, validate):
    import shutil

    from fastapi.testclient import TestClient

    from planmap.api.app import create_app
    from planmap.config import DEFAULT_GPKG
    from planmap.store import LayerStore

    path = tmp_path / "planmap.gpkg"
    shutil.copy(DEFAULT_GPKG, path)
    from bearer import bearer

    c = TestClient(create_app(LayerStore.from_gpkg(path)), headers=bearer(path))
    data = "name,lon,lat\n好项目,117.2,39.1\n,abc,\n".encode()
    validate(c.post("/projects/import", files={"file": ("a.csv", data, "text/csv")}).json(), "ImportReport")
