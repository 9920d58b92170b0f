"""The data behind the map page, shaped for the browser and kept small.

Why this module exists: folium's best-known failure is a page that inlines every layer at full
resolution and freezes the browser. Here polygon and line layers become one TopoJSON topology per
detail level — shared borders (districts, the twin cities cut from them) are stored once, so
simplifying them keeps neighbours closed — and points travel as compact rows. Only the overview
level is inlined; finer levels are fetched by the page when the planner zooms in.

When the basemap is AMap (GCJ-02), every coordinate is shifted to GCJ-02 *before* the topology is
built, so overlays line up with AMap's streets.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import shapely
import topojson
from shapely.ops import polylabel

from ..geo.chinese_coords import convert, convert_geometry
from ..analysis.membership import MEMBERSHIPS, members
from ..layers.registry import GEOM_QUALITY_ZH
from ..store import Layer, LayerStore

# Detail levels: (lowest zoom at which the level is used, simplification tolerance in degrees).
# 1e-4° is about 10 m at Tianjin's latitude; level 2 is close to the source resolution.
DETAIL_LEVELS: tuple[tuple[int, float], ...] = ((0, 8e-4), (11, 1.5e-4), (13, 2e-5))
PROJECTS = "projects"
DROP_FIELDS = {"district_shares"}
# Long texts a served page fetches when a feature's details open (GET /collections/{id}/items/{fid})
# instead of inlining them for every feature: they are half the page's weight and read one at a time.
DEFERRED_FIELDS = ("quote", "note", "source", "import_key", "attributes")


def coord_sys_for(basemap: str) -> str:
    """The coordinate system overlays must be drawn in to line up with a basemap."""
    return "gcj02" if basemap == "amap" else "wgs84"


def _clean(value):
    """JSON-safe scalar: NaN/None become None, numpy scalars become Python ones."""
    if value is None:
        return None
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else round(float(value), 6)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value if isinstance(value, (int, str)) else str(value)


def _props(layer: Layer, omit: tuple[str, ...] = ()) -> pd.DataFrame:
    names = [f for f in layer.spec.field_names
             if f in layer.gdf.columns and f not in DROP_FIELDS and f not in omit]
    df = layer.gdf[names].copy()
    df.insert(0, "fid", layer.gdf.index.astype(int))
    return df


def _shift(geoms, coord_sys: str):
    return geoms if coord_sys == "wgs84" else convert_geometry(geoms, "wgs84", coord_sys)


def line_layers(store: LayerStore, wanted: tuple[str, ...] | None) -> list[Layer]:
    """Polygon and line layers (the ones that go into the topology), in registry order."""
    return [lyr for lyr in store if lyr.spec.geometry != "point" and not lyr.gdf.empty
            and (wanted is None or lyr.id in wanted)]


def point_layers(store: LayerStore, wanted: tuple[str, ...] | None) -> list[Layer]:
    return [lyr for lyr in store if lyr.spec.geometry == "point" and not lyr.gdf.empty
            and (wanted is None or lyr.id in wanted)]


def topology(store: LayerStore, wanted: tuple[str, ...] | None, level: int, basemap: str) -> str:
    """One TopoJSON document (text) with an object per polygon/line layer at a detail level."""
    return _topology_cached(store, store.etag, wanted, level, coord_sys_for(basemap))


@lru_cache(maxsize=64)
def _topology_cached(store: LayerStore, _etag: str, wanted, level: int, coord_sys: str) -> str:
    layers = line_layers(store, wanted)
    if not layers:
        return json.dumps({"type": "Topology", "objects": {}, "arcs": []})
    frames = []
    for lyr in layers:
        df = _props(lyr)
        # Points mixed into a polygon layer (e.g. parks known only by a place) stay points.
        geoms = shapely.make_valid(_shift(lyr.gdf.geometry.values, coord_sys))
        frames.append(pd.concat([df.reset_index(drop=True),
                                 pd.Series(geoms, name="geometry")], axis=1))
    import geopandas as gpd  # noqa: PLC0415

    gdfs = [gpd.GeoDataFrame(f, geometry="geometry", crs="EPSG:4326") for f in frames]
    _, tol = DETAIL_LEVELS[level]
    topo = topojson.Topology(gdfs, object_name=[lyr.id for lyr in layers], prequantize=False,
                             topology=True, toposimplify=tol, simplify_with="shapely",
                             presimplify=False)
    doc = topo.to_dict()
    return json.dumps(_quantize(doc), ensure_ascii=False, separators=(",", ":"), default=_clean)


def _quantize(doc: dict, decimals: int = 5) -> dict:
    """Round arc coordinates to ~1 m (1e-5°) and delta-encode them as TopoJSON allows."""
    scale = 10 ** -decimals
    xs = [c[0] for arc in doc["arcs"] for c in arc] or [0.0]
    ys = [c[1] for arc in doc["arcs"] for c in arc] or [0.0]
    x0, y0 = min(xs), min(ys)
    arcs = []
    for arc in doc["arcs"]:
        prev, out = (0, 0), []
        for x, y in arc:
            q = (round((x - x0) / scale), round((y - y0) / scale))
            d = (q[0] - prev[0], q[1] - prev[1])
            if out and d == (0, 0):
                continue
            out.append(list(d))
            prev = q
        if len(out) < 2:
            out.append([0, 0])
        arcs.append(out)
    doc["arcs"] = arcs
    doc["transform"] = {"scale": [scale, scale], "translate": [x0, y0]}
    doc.pop("bbox", None)
    for obj in doc["objects"].values():
        for g in obj.get("geometries", []):
            if g.get("type") == "Point":
                g["coordinates"] = [round((g["coordinates"][0] - x0) / scale),
                                    round((g["coordinates"][1] - y0) / scale)]
            elif g.get("type") == "MultiPoint":
                g["coordinates"] = [[round((x - x0) / scale), round((y - y0) / scale)]
                                    for x, y in g["coordinates"]]
            g.pop("bbox", None)
    return doc


@dataclass(frozen=True)
class PointRows:
    """A point layer as column names plus rows ``[lon, lat, *values]`` (compact for the page)."""

    fields: list[str]
    rows: list[list]


def points(layer: Layer, basemap: str, omit: tuple[str, ...] = ()) -> PointRows:
    """Every feature as a compact row; lon/lat are null for a feature without a point.

    Features without a point (a project known only to its district) stay in the rows so that
    panels, search and totals list them; the page draws no marker for them.
    """
    df = _props(layer, omit)
    cent = shapely.centroid(layer.gdf.geometry.values)
    # get_x/get_y keep one value per row (NaN for a missing or empty point).
    x, y = shapely.get_x(cent), shapely.get_y(cent)
    x = np.where(pd.isna(cent), np.nan, x)
    lon, lat = convert(x, y, "wgs84", coord_sys_for(basemap))
    fields = list(df.columns)
    rows = [([round(float(a), 6), round(float(b), 6)] if np.isfinite(a) and np.isfinite(b) else [None, None])
            + [_clean(v) for v in rec]
            for a, b, rec in zip(lon, lat, df.itertuples(index=False, name=None))]
    return PointRows(fields, rows)


# Polygon layers whose features get a permanent label on the map.
LABELLED = ("districts", "twin_cities", "eco_barrier", "wetlands", "barrier_zones")


def label_points(store: LayerStore, layer_id: str, basemap: str) -> dict[int, list[float]]:
    """Where each feature's label goes ([lat, lon]): the pole of inaccessibility of its largest
    part (the point farthest inside it), so a label never sits outside or on a thin edge."""
    if layer_id not in store.ids():
        return {}
    gdf = store.get(layer_id).gdf
    out = {}
    for fid, geom in zip(gdf.index, gdf.geometry):
        if geom is None or geom.is_empty:
            continue
        part = max(getattr(geom, "geoms", [geom]), key=lambda g: g.area)
        pt = polylabel(part, tolerance=1e-4)
        lon, lat = convert(np.array([pt.x]), np.array([pt.y]), "wgs84", coord_sys_for(basemap))
        out[int(fid)] = [round(float(lat[0]), 6), round(float(lon[0]), 6)]
    return out


def projects_inside(store: LayerStore, wanted: tuple[str, ...] | None) -> dict[str, dict[int, list[int]]]:
    """For every joined feature (district, zone, wetland, park …), the ids of its projects.

    The same join as ``/stats/projects`` (:mod:`planmap.analysis.membership`), so a panel's list
    and total always equal the API's. Empty when the projects layer is not built yet.
    """
    return {lid: members(store, lid) for lid in MEMBERSHIPS
            if lid in store.ids() and (wanted is None or lid in wanted)}


def district_totals(store: LayerStore, inside: dict[str, dict[int, list[int]]]) -> dict[int, dict]:
    """Project count, stated investment (亿元) and how many state one, per district, for the theme.

    The investment is null where no project states a figure, so the map never shows 0 for unknown.
    """
    if "districts" not in inside:
        return {}
    inv = pd.to_numeric(store.get(PROJECTS).gdf["investment_yi"], errors="coerce").astype(float)
    area = store.get("districts").gdf["area_km2"]
    out = {}
    for fid in store.get("districts").gdf.index:
        pids = inside["districts"].get(int(fid), [])
        vals = inv.loc[pids].dropna()
        out[int(fid)] = {"count": len(pids), "per_km2": round(len(pids) / float(area.loc[fid]), 4),
                         "investment_yi": round(float(vals.sum()), 2) if len(vals) else None,
                         "with_figure": int(len(vals))}
    return out


def quality_labels() -> dict[str, str]:
    return dict(GEOM_QUALITY_ZH)
