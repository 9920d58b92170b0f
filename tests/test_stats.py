"""`/stats/projects`: totals equal the feature counts, groups add up, filters answer questions."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("by", ["district", "park", "barrier_zone", "category"])
def test_totals_equal_feature_count(client, store, by):
    body = client.get(f"/stats/projects?by={by}").json()
    gdf = store.get("projects").gdf
    assert body["by"] == by
    assert body["total"]["count"] == len(gdf)
    assert sum(g["count"] for g in body["groups"]) == len(gdf)
    assert body["total"]["investment_yi"] == pytest.approx(gdf["investment_yi"].sum(), abs=1e-3)
    assert sum(g["investment_yi"] for g in body["groups"]) == pytest.approx(body["total"]["investment_yi"], abs=1e-2)


def test_category_counts_match_the_layer(client, store):
    body = client.get("/stats/projects?by=category").json()
    counts = store.get("projects").gdf["category"].value_counts().to_dict()
    assert {g["key"]: g["count"] for g in body["groups"]} == counts


def test_jinnan_part_of_the_barrier(client, store):
    body = client.get("/stats/projects?by=barrier_zone&district=津南区").json()
    gdf = store.get("projects").gdf
    assert body["total"]["count"] == int((gdf["district"] == "津南区").sum())
    assert body["filters"] == {"district": "津南区"}


def test_bad_by_is_400(client):
    r = client.get("/stats/projects?by=colour")
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/problem+json")
    assert client.get("/stats/projects?barrier_level=9").status_code == 400
