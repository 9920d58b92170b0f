"""`/stats/projects`: totals equal the feature counts, groups add up, filters answer questions."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("by", ["district", "twin_city", "park", "barrier_zone", "wetland", "category"])
def test_totals_equal_feature_count(client, store, by):
    body = client.get(f"/stats/projects?by={by}").json()
    gdf = store.get("projects").gdf
    assert body["by"] == by
    assert body["total"]["count"] == len(gdf)
    assert sum(g["count"] for g in body["groups"]) == len(gdf)
    assert body["total"]["investment_yi"] == pytest.approx(gdf["investment_yi"].sum(), abs=1e-3)
    assert body["total"]["with_investment"] == int(gdf["investment_yi"].notna().sum())
    assert sum(g["investment_yi"] or 0 for g in body["groups"]) == pytest.approx(body["total"]["investment_yi"], abs=1e-2)
    assert sum(g["with_investment"] for g in body["groups"]) == body["total"]["with_investment"]


def test_a_group_without_a_stated_figure_has_null_investment_not_zero(client):
    groups = client.get("/stats/projects?by=category").json()["groups"]
    unknown = [g for g in groups if g["with_investment"] == 0]
    assert unknown, "every category states an investment somewhere; the test needs one that does not"
    assert all(g["investment_yi"] is None for g in unknown)
    assert all(g["investment_yi"] is not None for g in groups if g["with_investment"] > 0)


def test_zone_groups_carry_the_layers_own_names(client, store):
    groups = client.get("/stats/projects?by=barrier_zone").json()["groups"]
    names = set(store.get("barrier_zones").gdf["name"])
    keyed = {g["key"] for g in groups if g["key"] is not None}
    assert keyed and keyed <= names
    for g in groups:
        if g["key"] is not None:
            zone = store.get("barrier_zones").gdf.set_index("name").loc[g["key"]]
            assert g["value"] == zone["level"]


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
