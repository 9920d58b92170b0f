"""Which projects belong to which polygon, and the statistics built on that: one join, one answer.

The build and every import store the spatial join's answer on each project (`district`,
`twin_city`, `barrier_level`, `wetland`, `park`; :mod:`planmap.layers.joins`). Everything that
counts projects per feature reads those fields through this module — the map's panels, the
district theme, ``/stats/projects`` and the exports — and never re-runs a point-in-polygon test of
its own, so a zone can never list 209 projects on the map while the API says 49.

A project located only to its district has no point but does carry its district, so it counts in
its district (and nowhere finer): the join fields say exactly what is known.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..store import LayerStore

PROJECTS = "projects"


@dataclass(frozen=True)
class Membership:
    """How a polygon layer's features are matched by a projects column."""

    layer: str          # the layer whose features hold projects
    column: str         # the projects column holding the join's answer
    attribute: str      # the feature attribute that column's value names


# Layer → how its features are joined to projects. A new joined layer is one line here.
MEMBERSHIPS: dict[str, Membership] = {
    "districts": Membership("districts", "district", "name"),
    "twin_cities": Membership("twin_cities", "twin_city", "name"),
    "barrier_zones": Membership("barrier_zones", "barrier_level", "level"),
    "wetlands": Membership("wetlands", "wetland", "name"),
    "parks": Membership("parks", "park", "name"),
}

# `/stats/projects?by=` → the layer whose join it groups by (category is a plain field).
STATS_BY: dict[str, str | None] = {"district": "districts", "twin_city": "twin_cities",
                                   "barrier_zone": "barrier_zones", "wetland": "wetlands",
                                   "park": "parks", "category": None}


def _key(value):
    """A join value as a comparable key: 1.0 and 1 are the same level; NA is None."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def members(store: LayerStore, layer_id: str) -> dict[int, list[int]]:
    """Feature id → the sorted ids of the projects the join puts in it (empty features left out)."""
    m = MEMBERSHIPS.get(layer_id)
    if m is None or PROJECTS not in store.ids() or layer_id not in store.ids():
        return {}
    feats = store.get(layer_id).gdf
    proj = store.get(PROJECTS).gdf
    if m.column not in proj.columns or m.attribute not in feats.columns:
        return {}
    by_value: dict[object, list[int]] = {}
    for fid, v in zip(proj.index.to_numpy(), proj[m.column].to_numpy(dtype=object)):
        k = _key(v)
        if k is not None:
            by_value.setdefault(k, []).append(int(fid))
    out: dict[int, list[int]] = {}
    for fid, v in zip(feats.index.to_numpy(), feats[m.attribute].to_numpy(dtype=object)):
        hit = by_value.get(_key(v))
        if hit:
            out[int(fid)] = sorted(hit)
    return out


def _labels(store: LayerStore, layer_id: str | None) -> dict:
    """Join value → the feature's own name (level 1 → 一级管控区), so groups read as on the map."""
    if layer_id is None or layer_id not in store.ids():
        return {}
    m = MEMBERSHIPS[layer_id]
    gdf = store.get(layer_id).gdf
    return {_key(v): n for v, n in zip(gdf[m.attribute], gdf["name"])}


def _figure(values: pd.Series) -> dict:
    """Count, stated-investment sum and how many state one; the sum is null when none does."""
    stated = values.dropna()
    return {"count": int(len(values)), "with_investment": int(len(stated)),
            "investment_yi": round(float(stated.sum()), 4) if len(stated) else None}


def project_stats(store: LayerStore, by: str, projects: pd.DataFrame | None = None) -> dict:
    """Projects grouped by a join field (or category): the figures `/stats/projects` answers.

    ``projects`` is the (possibly filtered) projects table; by default the whole layer. Groups are
    keyed by the feature's name (the layer's own label, e.g. 一级管控区); projects the join puts in
    no feature form the group with key None. Unknown investment is null, never 0.
    """
    layer_id = STATS_BY[by]
    gdf = store.get(PROJECTS).gdf if projects is None else projects
    column = MEMBERSHIPS[layer_id].column if layer_id else "category"
    labels = _labels(store, layer_id)
    keys = [_key(v) for v in gdf[column].to_numpy(dtype=object)]
    names = [labels.get(k, k) if k is not None else None for k in keys]
    inv = pd.to_numeric(gdf["investment_yi"], errors="coerce").astype(float).to_numpy()
    frame = pd.DataFrame({"key": pd.Series(names, dtype=object), "value": pd.Series(keys, dtype=object),
                          "inv": inv})
    groups = []
    for key, part in frame.groupby("key", dropna=False, sort=False):
        key = None if key is None or (isinstance(key, float) and np.isnan(key)) else key
        value = part["value"].iloc[0]
        groups.append({"key": key, "value": value if key is not None else None,
                       **_figure(part["inv"])})
    groups.sort(key=lambda g: (-g["count"], g["key"] is None, str(g["key"] or "")))
    return {"by": by, "layer": layer_id, "groups": groups, "total": _figure(frame["inv"])}
