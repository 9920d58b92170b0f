"""/api documents every operation: a description, and an example for every input.

A developer generating a client from /api, or trying a call in Swagger UI, should never meet an
operation without a word of explanation or a parameter they must guess a value for. The examples
are also real requests: they must be answered, not refused.
"""
from __future__ import annotations

import orjson
import pytest

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def doc(client):
    return client.get("/api").json()


def _operations(doc):
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method in METHODS:
                yield path, method, op


def _parameter(doc, p):
    if "$ref" in p:
        return doc["components"]["parameters"][p["$ref"].rsplit("/", 1)[1]]
    return p


def _example(p):
    if "example" in p:
        return p["example"]
    if "examples" in p:
        return next(iter(p["examples"].values()))["value"]
    return p.get("schema", {}).get("example")


def test_every_operation_has_a_summary_and_a_description(doc):
    lacking = [f"{m.upper()} {path}" for path, m, op in _operations(doc)
               if not (op.get("summary") or "").strip() or not (op.get("description") or "").strip()]
    assert lacking == [], ("operations without a description (add them to "
                           "planmap/api/openapi_docs.py OPERATIONS): " + ", ".join(lacking))


def test_every_parameter_has_a_description_and_an_example(doc):
    lacking = []
    for path, m, op in _operations(doc):
        for raw in op.get("parameters", []):
            p = _parameter(doc, raw)
            if p["in"] not in ("query", "path"):
                continue
            if not (p.get("description") or "").strip() or _example(p) is None:
                lacking.append(f"{m.upper()} {path} {p['in']}:{p['name']}")
    assert lacking == [], "parameters without a description or an example: " + ", ".join(lacking)


def test_every_request_body_has_an_example(doc):
    bodies = 0
    for path, m, op in _operations(doc):
        if m != "post":
            continue
        body = op.get("requestBody")
        assert body, f"POST {path} documents no request body"
        for media_type, media in body["content"].items():
            bodies += 1
            assert "example" in media or media.get("examples"), f"POST {path} {media_type}"
    assert bodies >= 3  # the two GeoJSON inputs (json and geo+json) and the import upload


def test_the_siting_example_is_a_site_that_gets_a_verdict(client, doc):
    body = doc["paths"]["/analysis/siting"]["post"]["requestBody"]["content"]["application/json"]
    for example in body["examples"].values():
        r = client.post("/analysis/siting", content=orjson.dumps(example["value"]),
                        headers={"Content-Type": "application/json"})
        assert r.status_code == 200, r.text
        assert r.json()["verdict"] in ("conflict", "possible_conflict", "caution", "clear")


def test_the_intersects_examples_are_answered(client, doc):
    body = doc["paths"]["/query/intersects"]["post"]["requestBody"]["content"]["application/json"]
    for example in body["examples"].values():
        r = client.post("/query/intersects", content=orjson.dumps(example["value"]))
        assert r.status_code == 200, r.text


def test_the_query_examples_of_a_get_operation_work_together(client, doc):
    """Every example of /query/point and /collections/{id}/items, sent at once, is a valid call."""
    for path in ("/query/point", "/collections/{collection_id}/items", "/stats/projects"):
        op = doc["paths"][path]["get"]
        url, params = path, {}
        for raw in op["parameters"]:
            p = _parameter(doc, raw)
            value = _example(p)
            if isinstance(value, list):
                value = ",".join(str(v) for v in value)
            if p["in"] == "path":
                url = url.replace("{" + p["name"] + "}", str(value))
            else:
                params[p["name"]] = value
        r = client.get(url, params=params)
        assert r.status_code == 200, (path, params, r.text)
