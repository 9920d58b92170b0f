"""OGC API - Features Part 4 on projects: create, replace, update, delete with ETags, the import's
checks and joins, and OWSLib doing the same over real HTTP with a token."""
from __future__ import annotations


import pytest
from fastapi.testclient import TestClient

from conftest import serving
from planmap.api.app import create_app
from planmap.auth import create_token

SITE = [117.3912, 38.9923]


def _feature(name="编辑测试泵站", coords=SITE, **props):
    return {"type": "Feature", "geometry": None if coords is None else {"type": "Point", "coordinates": coords},
            "properties": {"name": name, "category": "water", **props}}


@pytest.fixture()
def env(tmp_store):
    store = tmp_store
    token = create_token(store.path, "editor1", "editor")
    return store, TestClient(create_app(store), headers={"Authorization": f"Bearer {token}"}), token


def test_create_is_201_with_location_etag_and_the_imports_joins(env):
    store, client, _ = env
    r = client.post("/collections/projects/items", json=_feature(investment_yi=1.5))
    assert r.status_code == 201, r.text
    loc = r.headers["location"]
    got = client.get(loc)
    assert got.status_code == 200 and got.headers["etag"] == r.headers["etag"]
    p = got.json()["properties"]
    # the same join as the import: the point decides district, twin city, barrier zone
    from planmap.layers.joins import join_points, store_layers
    import shapely
    joined = join_points(shapely.points([SITE]), store_layers(store)).iloc[0]
    assert p["district"] == joined["district"] == "津南区"
    assert p["barrier_level"] == joined["barrier_level"]
    assert p["loc_quality"] == "exact" and p["origin"] == "api:editor1"
    assert p["investment_yi"] == 1.5


@pytest.mark.parametrize("body, status, words", [
    (_feature(coords=[39.0, 117.3]), 422, "swapped"),
    (_feature(coords=[121.5, 31.2]), 422, "outside Tianjin"),
    (_feature(name=""), 422, "name"),
    (_feature(investment_yi="三亿"), 400, "investment_yi"),
    (_feature(colour="red"), 400, "unknown properties"),
    (_feature(coords=None, district_stated="火星区"), 422, "16 districts"),
    (_feature(coords=None), 422, "district"),
    ({"type": "Polygon", "coordinates": []}, 400, "GeoJSON Feature"),
])
def test_bad_features_are_4xx_naming_what_to_fix(env, body, status, words):
    store, client, _ = env
    n = len(store.get("projects"))
    r = client.post("/collections/projects/items", json=body)
    assert r.status_code == status, r.text
    assert words in r.json()["detail"]
    assert len(store.get("projects")) == n


def test_form_bodies_and_read_only_layers_are_refused(env):
    store, client, _ = env
    r = client.post("/collections/projects/items", data={"name": "x"})
    assert r.status_code == 415
    r = client.post("/collections/districts/items", json=_feature())
    assert r.status_code == 405 and "GET" in r.headers["allow"]


def test_put_with_a_stale_etag_is_412_and_without_one_is_allowed(env):
    store, client, _ = env
    created = client.post("/collections/projects/items", json=_feature())
    url, first = created.headers["location"], created.headers["etag"]
    r = client.patch(url, content=b'{"properties": {"period": "2026"}}',
                     headers={"Content-Type": "application/merge-patch+json", "If-Match": first})
    assert r.status_code == 200 and r.headers["etag"] != first
    stale = client.put(url, json=_feature(name="覆盖"), headers={"If-Match": first})
    assert stale.status_code == 412 and stale.headers["content-type"].startswith("application/problem+json")
    assert client.get(url).json()["properties"]["period"] == "2026"  # nothing written
    fresh = client.put(url, json=_feature(name="覆盖"), headers={"If-Match": r.headers["etag"]})
    assert fresh.status_code == 200 and fresh.json()["properties"]["name"] == "覆盖"
    blind = client.put(url, json=_feature(name="再覆盖"))
    assert blind.status_code == 200
    assert client.delete(url, headers={"If-Match": r.headers["etag"]}).status_code == 412
    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404


def test_patch_moves_the_point_and_joins_again(env):
    store, client, _ = env
    url = client.post("/collections/projects/items", json=_feature()).headers["location"]
    r = client.patch(url, content=b'{"geometry": {"type": "Point", "coordinates": [117.70, 39.02]}}',
                     headers={"Content-Type": "application/merge-patch+json"})
    assert r.status_code == 200, r.text
    p = r.json()["properties"]
    assert p["district"] == "滨海新区" and p["loc_quality"] == "exact"
    assert p["name"] == "编辑测试泵站" and p["category"] == "water"  # untouched members kept
    r = client.patch(url, content=b'{"properties": {"category": null}}',
                     headers={"Content-Type": "application/merge-patch+json"})
    assert r.json()["properties"]["category"] is None
    assert client.patch(url, json={"properties": {}}, headers={"Content-Type": "text/plain"}).status_code == 415


def test_owslib_creates_updates_and_deletes_through_part4(env):
    from owslib.ogcapi.features import Features

    store, _, token = env
    try:
        with serving(create_app(store)) as url:
            api = Features(url, headers={"Authorization": f"Bearer {token}"})
            n = len(store.get("projects"))
            assert api.collection_item_create("projects", _feature(name="OWSLib项目"))
            new = store.get("projects").gdf
            fid = int(new.index[new["name"] == "OWSLib项目"][0])
            assert len(store.get("projects")) == n + 1
            changed = _feature(name="OWSLib项目（改）", coords=[117.20, 39.13], period="2027")
            import json
            assert api.collection_item_update("projects", str(fid), json.dumps(changed))
            item = api.collection_item("projects", str(fid))
            assert item["properties"]["name"] == "OWSLib项目（改）" and item["properties"]["period"] == "2027"
            assert api.collection_item_delete("projects", str(fid))
            assert fid not in store.get("projects").gdf.index
            import requests
            anonymous = requests.post(f"{url}/collections/projects/items", json=_feature(name="匿名"),
                                      timeout=10)
            assert anonymous.status_code == 401
            assert len(store.get("projects")) == n
    finally:
        # OWSLib 0.35 updates its module-wide REQUEST_HEADERS with the headers of any instance:
        # take the token out again so no later client in this process sends it.
        import owslib.ogcapi
        owslib.ogcapi.REQUEST_HEADERS.pop("Authorization", None)


def test_a_second_replica_sees_an_edit_and_its_etag(env):
    store, client_a, token = env
    client_b = TestClient(create_app(data=store.path), headers={"Authorization": f"Bearer {token}"})
    url = client_a.post("/collections/projects/items", json=_feature()).headers["location"]
    seen_by_b = client_b.get(url)
    assert seen_by_b.status_code == 200
    r = client_a.patch(url, content=b'{"properties": {"period": "2028"}}',
                       headers={"Content-Type": "application/merge-patch+json",
                                "If-Match": seen_by_b.headers["etag"]})
    assert r.status_code == 200
    # B's copy is now stale: B's ETag no longer matches, whichever replica the write goes to
    stale = client_b.patch(url, content=b'{"properties": {"period": "2029"}}',
                           headers={"Content-Type": "application/merge-patch+json",
                                    "If-Match": seen_by_b.headers["etag"]})
    assert stale.status_code == 412
    again = client_b.get(url)
    assert again.json()["properties"]["period"] == "2028" and again.headers["etag"] == r.headers["etag"]
