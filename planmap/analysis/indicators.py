"""The planning-targets board: every quantitative target of the plans beside what the data say.

Each target (``targets.toml``) gets its source line, the measured value, the data used with its
resolution, and a status:

- ``met`` / ``not_met``: the measurement can decide it;
- ``cannot_judge``: it cannot, and ``reason`` says why. A share on a raster too coarse for the
  zone (fewer than :data:`~planmap.analysis.zonal.MIN_FULL_CELLS` cells wholly inside it) or
  for the thing measured (cells over the target's ``max_cell_m``), an
  area measured on a schematic outline (it was drawn to the published figure, so comparing the
  two proves nothing), a figure no layer holds (the natural shoreline), a layer missing from
  this data store. The measured value is still shown when there is one; unknown is null.
"""
from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

import shapely

from ..geo.measure import area_km2
from ..rasters.catalog import RasterInfo
from ..store import LayerStore
from .zonal import CELL_RULE, MIN_FULL_CELLS, raster_summary, resolution_rule, zonal

TARGETS_PATH = Path(__file__).resolve().parent / "targets.toml"
STATUS_ZH = {"met": "达标", "not_met": "未达标", "cannot_judge": "无法判断"}
STATUS_EN = {"met": "met", "not_met": "not met", "cannot_judge": "cannot be judged"}


@lru_cache(maxsize=1)
def load_targets(path: Path = TARGETS_PATH) -> tuple[dict[str, Any], ...]:
    with open(path, "rb") as fh:
        doc = tomllib.load(fh)
    for t in doc["target"]:
        if t.get("op") not in (">=", ">", "<=", "about"):
            raise ValueError(f"target {t.get('id')}: op must be >=, >, <= or about")
        if t.get("kind") not in ("share", "area", "length"):
            raise ValueError(f"target {t.get('id')}: kind must be share, area or length")
    return tuple(doc["target"])


def _holds(op: str, measured: float, value: float, tolerance: float = 0.0) -> bool:
    if op == ">=":
        return measured >= value
    if op == ">":
        return measured > value
    if op == "<=":
        return measured <= value
    return abs(measured - value) <= tolerance * value


def _zone(store: LayerStore, t: dict[str, Any]):
    """The target's zone (merged features, WGS84) and the features' geometry qualities."""
    layer = store.get(t["layer"])
    gdf = layer.gdf
    for k, v in t.get("where", {}).items():
        gdf = gdf[gdf[k] == v]
    geoms = [g for g in gdf.geometry.values if g is not None and not g.is_empty]
    if not geoms:
        return None, []
    return shapely.union_all(geoms), sorted(set(gdf["geom_quality"].dropna()))


def _base(t: dict[str, Any]) -> dict[str, Any]:
    return {"id": t["id"], "title_zh": t["title_zh"], "title_en": t["title_en"],
            "source": t["source"], "quote": t["quote"], "kind": t["kind"], "op": t["op"],
            "target": t["value"], "unit": t.get("unit", "share"), "year": t.get("year"),
            "zone": {"layer": t.get("layer"), "where": t.get("where", {})} if t.get("layer") else None}


def _status(row: dict[str, Any], status: str, reason: str | None) -> dict[str, Any]:
    row.update(status=status, status_zh=STATUS_ZH[status], status_en=STATUS_EN[status],
               reason=reason)
    return row


def judge(t: dict[str, Any], store: LayerStore, raster: RasterInfo | None) -> dict[str, Any]:
    """One row of the board."""
    row = _base(t)
    row.update(measured=None, data=None)
    if t["kind"] == "length":
        return _status(row, "cannot_judge", t.get("why_not") or "no layer holds this figure")
    if t["layer"] not in store.ids():
        return _status(row, "cannot_judge", f"layer {t['layer']} is not in this data store")
    zone, qualities = _zone(store, t)
    if zone is None:
        return _status(row, "cannot_judge", f"no feature of {t['layer']} matches {t.get('where')}")
    if t["kind"] == "area":
        row["measured"] = round(area_km2(zone), 2)
        row["data"] = {"layer": t["layer"], "geom_quality": qualities,
                       "resolution": "vector, areas in EPSG:4548"}
        if any(q != "official" for q in qualities):
            return _status(row, "cannot_judge",
                           f"the {t['layer']} outline is {'/'.join(qualities)}: drawn from the "
                           "description to the published figure, so its area cannot test it; "
                           "load the official boundary (planmap build --replace)")
        ok = _holds(t["op"], row["measured"], t["value"], t.get("tolerance", 0.0))
        return _status(row, "met" if ok else "not_met", None)
    if raster is None:
        return _status(row, "cannot_judge", "no land-cover raster is loaded (planmap raster add)")
    stats = zonal(raster, zone)
    share = stats.get(f"{t['group']}_share")
    row["measured"] = share
    row["data"] = {**raster_summary(raster), "zone_km2": stats["area_km2"],
                   "full_cells": stats["cells"]["full"], "partial_cells": stats["cells"]["partial"],
                   "zone_geom_quality": qualities}
    row["warnings"] = stats["warnings"]
    if share is None:
        return _status(row, "cannot_judge", f"the raster's class file does not say which classes "
                                            f"are {t['group']}, or the zone has no classified cell")
    reasons = []
    if not stats["judgeable"]:
        reasons.append(f"cannot be judged at this resolution: {stats['cells']['full']} cells of "
                       f"about {raster.res_m:,.0f} m lie wholly inside the zone, fewer than the "
                       f"{MIN_FULL_CELLS} needed")
    if t.get("max_cell_m") and raster.res_m > t["max_cell_m"]:
        reasons.append(f"cells of about {raster.res_m:,.0f} m are coarser than the "
                       f"{t['max_cell_m']} m this figure needs (targets.toml says why)")
    if reasons:
        return _status(row, "cannot_judge", "; ".join(reasons))
    ok = _holds(t["op"], share, t["value"])
    return _status(row, "met" if ok else "not_met", None)


def board(store: LayerStore, raster: RasterInfo | None) -> dict[str, Any]:
    """The whole board, as ``GET /indicators`` answers it."""
    rows = [judge(t, store, raster) for t in load_targets()]
    return {"raster": raster_summary(raster) if raster else None, "cell_rule": CELL_RULE,
            "resolution_rule": resolution_rule(),
            "counts": {s: sum(r["status"] == s for r in rows) for s in STATUS_EN},
            "targets": rows}
