"""The OGC API - Features skeleton as a client sees it, and bad input answered with 4xx."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest

from planmap.api.params import LIMIT_DEFAULT, LIMIT_MAX


def _rels(doc: dict) -> dict[str, dict]:
    return {link["rel"]: link for link in doc["links"]}


def test_landing_page_has_the_links_qgis_needs(client):
    r = client.get("/", headers={"Accept": "application/json"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    rels = _rels(r.json())
    assert {"service-desc", "service-doc", "conformance", "data"} <= set(rels)
    assert "openapi" in rels["service-desc"]["type"]


def test_browser_gets_html_landing_page(client):
    r = client.get("/", headers={"Accept": "text/html,application/xhtml+xml"})
    assert r.headers["content-type"].startswith("text/html")
    assert "双城间绿色生态屏障" in r.text


def test_conformance_declares_core_and_geojson(client):
    conf = client.get("/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conf
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in conf


def test_collections_list_every_layer_with_extent(client, store):
    doc = client.get("/collections").json()
    ids = [c["id"] for c in doc["collections"]]
    assert ids == store.ids()
    for c in doc["collections"]:
        minx, miny, maxx, maxy = c["extent"]["spatial"]["bbox"][0]
        assert 116.5 < minx < maxx < 118.2 and 38.4 < miny < maxy < 40.4
        assert any(link["rel"] == "items" for link in c["links"])


def test_items_are_geojson_and_paging_reaches_every_feature(client, store):
    seen, url, pages = [], "/collections/districts/items?limit=5", 0
    while url:
        r = client.get(url)
        assert r.status_code == 200
        assert r.headers["content-type"] == "application/geo+json"
        doc = r.json()
        assert doc["numberMatched"] == 16 and doc["numberReturned"] == len(doc["features"])
        seen += [f["id"] for f in doc["features"]]
        nxt = [link for link in doc["links"] if link["rel"] == "next"]
        url = nxt[0]["href"].replace("http://testserver", "") if nxt else None
        pages += 1
    assert pages == 4 and sorted(seen) == list(range(1, 17))


def test_bbox_selects_features(client):
    doc = client.get("/collections/districts/items?bbox=117.17,39.10,117.19,39.12").json()
    names = {f["properties"]["name"] for f in doc["features"]}
    assert "和平区" in names and "蓟州区" not in names


def test_single_feature_and_its_links(client):
    r = client.get("/collections/wetlands/items/1")
    assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
    feat = r.json()
    assert feat["id"] == 1 and feat["properties"]["geom_quality"] == "schematic"


def test_openapi_is_30_with_a_named_limit_component(client):
    r = client.get("/api")
    assert r.status_code == 200 and "openapi" in r.headers["content-type"]
    doc = r.json()
    assert doc["openapi"].startswith("3.0")
    limit = doc["components"]["parameters"]["limit"]["schema"]
    assert limit["default"] == LIMIT_DEFAULT and limit["maximum"] == LIMIT_MAX
    items = doc["paths"]["/collections/{collection_id}/items"]["get"]["parameters"]
    assert {"$ref": "#/components/parameters/limit"} in items


def _problem(r, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["status"] == status and body["detail"]
    assert "Traceback" not in r.text
    return body


def test_unknown_collection_is_a_404_problem_naming_the_known_ones(client):
    body = _problem(client.get("/collections/barrier/items"), 404)
    assert "eco_barrier" in body["detail"]


@pytest.mark.parametrize("bbox", ["1,2,3", "117,39,nan,40", "117,39,inf,40", "a,b,c,d", "117,40,118,39"])
def test_bad_bbox_is_a_400(client, bbox):
    body = _problem(client.get(f"/collections/districts/items?bbox={bbox}"), 400)
    assert "bbox" in body["detail"]


def test_limit_over_the_maximum_is_clamped_as_documented(client):
    r = client.get(f"/collections/districts/items?limit={LIMIT_MAX * 10}")
    assert r.status_code == 200 and r.json()["numberReturned"] == 16
    self_link = [link for link in r.json()["links"] if link["rel"] == "self"][0]["href"]
    assert parse_qs(urlparse(self_link).query)["limit"] == [str(LIMIT_MAX)]
    r = client.get("/collections/districts/items?limit=0")
    assert r.status_code == 200 and r.json()["numberReturned"] == 1


@pytest.mark.parametrize("url,status", [
    ("/collections/districts/items?offset=-1", 400),
    ("/collections/districts/items?limit=ten", 400),
    ("/collections/districts/items?crs=EPSG:9999", 400),
    ("/collections/districts/items?bbox-crs=foo&bbox=1,2,3,4", 400),
    ("/collections/districts/items?f=xml", 400),
    ("/collections/districts/items/abc", 404),
    ("/collections/districts/items/0", 404),
    ("/map?basemap=google", 400),
    ("/map?layers=districts,nope", 404),
    ("/no/such/path", 404),
])
def test_bad_input_is_answered_with_a_4xx_problem(client, url, status):
    _problem(client.get(url), status)


def test_map_page_uses_only_vendored_assets(client, store):
    r = client.get("/map?basemap=none")
    assert r.status_code == 200
    urls = set(re.findall(r"""(?:src|href)=["']([^"']+)["']""", r.text))
    external = {u for u in urls if u.startswith("http") and not u.startswith("http://testserver")}
    assert external == set()
    for layer in store:
        assert layer.spec.title_zh in r.text
    assert "示意" in r.text  # the legend marks schematic layers


def test_map_assets_are_served(client):
    page = client.get("/map?basemap=none").text
    for url in re.findall(r"""src=["'](http://testserver/static/[^"']+)["']""", page):
        assert client.get(url.replace("http://testserver", "")).status_code == 200


def test_wrong_method_is_a_405_with_an_allow_header(client):
    r = client.post("/collections")
    _problem(r, 405)
    assert r.headers["allow"] == "GET"
