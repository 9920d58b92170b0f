"""OGC API - Features as QGIS, GDAL and OWSLib see it: links, conformance, OpenAPI, paging."""
from __future__ import annotations

import pytest

PART3 = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/"


def test_landing_has_the_links_qgis_needs(client):
    rels = {l["rel"]: l for l in client.get("/", headers={"Accept": "application/json"}).json()["links"]}
    for rel in ("service-desc", "service-doc", "data", "conformance"):
        assert rel in rels
    assert client.get(rels["service-desc"]["href"].split("8000")[-1].replace("http://testserver", "")).status_code == 200


def test_conformance_declares_parts_1_2_3_and_cql2(client):
    conf = set(client.get("/conformance").json()["conformsTo"])
    for c in ("ogcapi-features-1/1.0/conf/core", "ogcapi-features-1/1.0/conf/geojson",
              "ogcapi-features-1/1.0/conf/html", "ogcapi-features-1/1.0/conf/oas30",
              "ogcapi-features-2/1.0/conf/crs"):
        assert f"http://www.opengis.net/spec/{c}" in conf
    for c in ("queryables", "queryables-query-parameters", "filter", "features-filter"):
        assert PART3 + c in conf
    assert "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions" in conf


def test_openapi_has_named_limit_with_default_and_maximum(client):
    doc = client.get("/api").json()
    assert doc["openapi"].startswith("3.0")
    limit = doc["components"]["parameters"]["limit"]
    assert limit["schema"]["default"] == 100 and limit["schema"]["maximum"] == 10000
    items = doc["paths"]["/collections/{collection_id}/items"]["get"]["parameters"]
    refs = {p.get("$ref") for p in items}
    assert {"#/components/parameters/limit", "#/components/parameters/filter"} <= refs


def test_collections_declare_crs_and_storage_crs(client, store):
    colls = client.get("/collections").json()["collections"]
    assert [c["id"] for c in colls] == store.ids()
    for c in colls:
        assert "http://www.opengis.net/def/crs/EPSG/0/4548" in c["crs"]
        assert c["storageCrs"] == "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


@pytest.mark.parametrize("layer_id", ["districts", "eco_corridors"])
def test_paging_with_next_links_returns_every_feature_once(client, store, layer_id):
    url, ids, pages = f"/collections/{layer_id}/items?limit=3", [], 0
    while url:
        body = client.get(url).json()
        assert body["numberMatched"] == len(store.get(layer_id))
        assert body["numberReturned"] == len(body["features"])
        ids += [f["id"] for f in body["features"]]
        nxt = [l["href"] for l in body["links"] if l["rel"] == "next"]
        url = nxt[0].replace("http://testserver", "") if nxt else None
        pages += 1
    assert ids == sorted(store.get(layer_id).gdf.index.tolist())  # complete, stable order
    assert pages == -(-len(ids) // 3)


def test_geojson_content_type_and_content_crs(client):
    r = client.get("/collections/wetlands/items?crs=EPSG:4326")
    assert r.headers["content-type"] == "application/geo+json"
    assert r.headers["content-crs"] == "<http://www.opengis.net/def/crs/EPSG/0/4326>"


@pytest.mark.parametrize("path", ["/", "/collections", "/collections/wetlands",
                                  "/collections/wetlands/items", "/collections/wetlands/items/1"])
def test_html_views_have_a_small_map(client, path):
    r = client.get(path, params={"f": "html"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert 'id="minimap"' in r.text and "leaflet.js" in r.text


def test_owslib_reads_collections_and_items(live_server, store):
    features_mod = pytest.importorskip("owslib.ogcapi.features")
    w = features_mod.Features(live_server)
    ids = [c["id"] for c in w.collections()["collections"]]
    assert ids == store.ids()
    items = w.collection_items("wetlands", limit=2)
    assert items["numberMatched"] == len(store.get("wetlands")) and len(items["features"]) == 2
    assert "湿地" in "".join(f["properties"]["name"] for f in w.collection_items("wetlands")["features"])
