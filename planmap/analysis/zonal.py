"""Zonal statistics of a land-cover raster: each class's area and share inside a zone.

The cell rule is **fractional coverage**: a cell counts by the share of its own area that lies
inside the zone. Cells wholly inside count fully (found by rasterising the zone by cell centre,
less the cells its boundary crosses); for every cell the boundary crosses, the exact share is
computed with shapely (cell square ∩ zone). So the geometry adds no error; what remains is the
raster's own: one class per cell, so nothing smaller than a cell is seen.

Areas are in EPSG:4548 like every planmap area: each cell's area is measured in EPSG:4548 (one
measurement per row of a window, at its central column; across a 1,024-cell window the
projection's scale changes by less than 1e-4), whatever the raster's CRS. The raster is read in
windows of at most ``WINDOW`` x ``WINDOW`` cells inside the zone's bounding box, so memory is
bounded by the window, not by the raster.

Resolution rule: a share is judged only when the zone holds at least ``MIN_FULL_CELLS`` cells
wholly inside it. With fewer, a handful of boundary cells and the one-class-per-cell rule can
move a share by tens of percentage points, so the answer carries ``judgeable: false`` and a
warning that names the cell size.

Why not exactextract: it computes the same fractional coverage, but it is one more compiled
extension (C++ on GEOS) for one loop that rasterio and shapely already do; the windows, the EPSG:4548 cell areas and the resolution rule would still be
code here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterator

import numpy as np
import rasterio
import shapely
from pyproj import Transformer
from rasterio.features import rasterize
from rasterio.windows import Window, from_bounds
from shapely import Geometry

from ..geo.crs import AREA_CRS
from ..geo.measure import area_km2
from ..rasters.catalog import RasterInfo
from ..rasters.classes import ClassScheme

WINDOW = 1024
# GDAL keeps decoded blocks in a cache of 5 % of RAM by default; a zone is read once, window by
# window, so a small cache costs nothing and keeps memory bounded on a large raster.
GDAL_CACHE_MB = 64
MIN_FULL_CELLS = 100
GROUP_SHARES = ("blue", "green", "blue_green", "forest", "built")
CELL_RULE = ("fractional coverage: each cell counts by the exact share of its area inside the "
             "zone (cells the boundary crosses are intersected with shapely); areas in EPSG:4548")


def resolution_rule() -> str:
    return (f"a share is judged only when the zone holds at least {MIN_FULL_CELLS} cells wholly "
            "inside it; with fewer the answer is 'cannot be judged at this resolution'")


@dataclass
class _Tally:
    """Running sums over the windows of one zone."""

    by_value: dict[int, float] = field(default_factory=dict)  # m² per cell value
    nodata_m2: float = 0.0
    full_cells: int = 0
    partial_cells: int = 0

    def add(self, values: np.ndarray, weights: np.ndarray) -> None:
        if values.size == 0:
            return
        if values.min() >= 0 and values.max() < 65536:  # class codes: a bincount, no sort
            sums = np.bincount(values, weights=weights)
            uniq = np.nonzero(sums)[0]
            sums = sums[uniq]
        else:
            uniq, inv = np.unique(values, return_inverse=True)
            sums = np.bincount(inv.ravel(), weights=weights.ravel())
        for v, s in zip(uniq.tolist(), sums.tolist()):
            self.by_value[int(v)] = self.by_value.get(int(v), 0.0) + s


def _windows(ds, bounds: tuple[float, float, float, float]) -> Iterator[Window]:
    """Windows of at most WINDOW x WINDOW cells covering ``bounds`` (in the raster's CRS)."""
    win = from_bounds(*bounds, transform=ds.transform)
    col0 = max(0, int(np.floor(win.col_off)))
    row0 = max(0, int(np.floor(win.row_off)))
    col1 = min(ds.width, int(np.ceil(win.col_off + win.width)))
    row1 = min(ds.height, int(np.ceil(win.row_off + win.height)))
    if col0 >= col1 or row0 >= row1:  # the zone lies outside the raster
        return
    # Aligned to multiples of WINDOW (itself a multiple of the COG's 512-cell blocks), so no
    # block is decoded twice by neighbouring windows.
    for r in range(row0 - row0 % WINDOW, row1, WINDOW):
        for c in range(col0 - col0 % WINDOW, col1, WINDOW):
            r0, c0 = max(r, row0), max(c, col0)
            yield Window(c0, r0, min(c + WINDOW, col1) - c0, min(r + WINDOW, row1) - r0)


def _row_areas(ds, win: Window, to_metric: Transformer) -> np.ndarray:
    """The EPSG:4548 area (m²) of one cell per row of the window, at its central column."""
    t = ds.transform
    c = win.col_off + win.width // 2
    rows = np.arange(win.row_off, win.row_off + win.height, dtype=float)
    corners = [(c, rows), (c + 1, rows), (c + 1, rows + 1), (c, rows + 1)]
    xs, ys = [], []
    for col, row in corners:
        x, y = t @ (np.full_like(row, col), row)
        mx, my = to_metric.transform(x, y)
        xs.append(np.asarray(mx))
        ys.append(np.asarray(my))
    area = np.zeros_like(rows)
    for i in range(4):
        j = (i + 1) % 4
        area += xs[i] * ys[j] - xs[j] * ys[i]
    return np.abs(area) / 2


TILE = 32  # boundary cells are intersected with the zone cut to 32 x 32-cell tiles


def _edge_fractions(wt, rr: np.ndarray, cc: np.ndarray, zone: Geometry) -> np.ndarray:
    """Exact share of each boundary cell (row rr, col cc of the window) inside the zone.

    A cell is intersected not with the whole zone (thousands of vertices for a district) but
    with the zone cut to the 32 x 32-cell tile it lies in, which has a handful: the cost per
    cell stays flat however detailed the zone.
    """
    x0, y0 = wt @ (cc, rr)
    x1, y1 = wt @ (cc + 1, rr + 1)
    cells = shapely.box(np.minimum(x0, x1), np.minimum(y0, y1), np.maximum(x0, x1),
                        np.maximum(y0, y1))
    tile_r, tile_c = rr // TILE, cc // TILE
    keys, inverse = np.unique(tile_r * 100_000 + tile_c, return_inverse=True)
    tr, tc = keys // 100_000, keys % 100_000
    ax0, ay0 = wt @ (tc * TILE, tr * TILE)
    ax1, ay1 = wt @ ((tc + 1) * TILE, (tr + 1) * TILE)
    pieces = np.array(
        [shapely.clip_by_rect(zone, min(a, c), min(b, d), max(a, c), max(b, d))
         for a, b, c, d in zip(ax0.tolist(), ay0.tolist(), ax1.tolist(), ay1.tolist())], dtype=object)
    # Rectangle clipping per cell is 2-3x faster than GEOS's general overlay (same areas).
    bx0, by0 = np.minimum(x0, x1).tolist(), np.minimum(y0, y1).tolist()
    bx1, by1 = np.maximum(x0, x1).tolist(), np.maximum(y0, y1).tolist()
    inside = np.array([shapely.area(shapely.clip_by_rect(p, a, b, c, d)) for p, a, b, c, d
                       in zip(pieces[inverse.ravel()], bx0, by0, bx1, by1)])
    return np.clip(inside / shapely.area(cells), 0, 1)


def _coverage(ds, win: Window, zone: Geometry) -> tuple[np.ndarray, np.ndarray]:
    """Fraction of each cell inside the zone, and a mask of the cells wholly inside."""
    wt = ds.window_transform(win)
    shape = (int(win.height), int(win.width))
    # The zone cut to the window (one cell of margin): rasterize then walks a few hundred
    # vertices, not every vertex of a district, in each window.
    ax, ay = wt @ (-1, -1)
    bx, by = wt @ (win.width + 1, win.height + 1)
    zone = shapely.clip_by_rect(zone, min(ax, bx), min(ay, by), max(ax, bx), max(ay, by))
    if zone.is_empty:
        return np.zeros(shape), np.zeros(shape, bool)
    inside = rasterize([(zone, 1)], out_shape=shape, transform=wt, fill=0, dtype="uint8",
                       all_touched=False).astype(bool)
    edge = rasterize([(zone.boundary, 1)], out_shape=shape, transform=wt, fill=0,
                     dtype="uint8", all_touched=True).astype(bool)
    frac = np.where(inside & ~edge, 1.0, 0.0)
    rr, cc = np.nonzero(edge)
    if rr.size:
        frac[rr, cc] = _edge_fractions(wt, rr, cc, zone)
    return frac, inside & ~edge


@lru_cache(maxsize=32)
def _transformer(src: str, dst: str) -> Transformer:
    """Cached: building a transformer costs about 0.1 s, more than a zone's windows."""
    return Transformer.from_crs(src, dst, always_xy=True)


def _to_raster_crs(zone_wgs84: Geometry, crs) -> Geometry:
    """The zone in the raster's CRS; densified first so long edges keep their true shape."""
    if crs.to_epsg() == 4326:
        return zone_wgs84
    dense = shapely.segmentize(zone_wgs84, 0.002)
    tr = _transformer("EPSG:4326", crs.to_wkt())
    return shapely.make_valid(shapely.transform(dense, lambda xy: np.column_stack(
        tr.transform(xy[:, 0], xy[:, 1]))))


def _tally(ds, zone: Geometry, nodata: set[int]) -> _Tally:
    tally = _Tally()
    to_metric = _transformer(ds.crs.to_wkt(), AREA_CRS)
    shapely.prepare(zone)
    for win in _windows(ds, zone.bounds):
        frac, full = _coverage(ds, win, zone)
        touched = frac > 0
        if not touched.any():
            continue
        data = ds.read(1, window=win)
        weights = frac * _row_areas(ds, win, to_metric)[:, None]
        is_nodata = np.isin(data, list(nodata)) if nodata else np.zeros(data.shape, bool)
        if np.issubdtype(data.dtype, np.floating):
            is_nodata |= np.isnan(data)
        valid = touched & ~is_nodata
        tally.nodata_m2 += float(weights[touched & is_nodata].sum())
        tally.full_cells += int((full & ~is_nodata).sum())
        tally.partial_cells += int((valid & ~full).sum())
        tally.add(data[valid].astype(np.int64), weights[valid])
    return tally


def _shares(tally: _Tally, scheme: ClassScheme) -> dict[str, Any]:
    names = scheme.by_value()
    classified = sum(tally.by_value.values())
    classes = []
    for v, m2 in sorted(tally.by_value.items(), key=lambda kv: -kv[1]):
        c = names.get(v)
        classes.append({"value": v, "name_en": c.name_en if c else None,
                        "name_zh": c.name_zh if c else None, "color": c.color if c else None,
                        "area_km2": round(m2 / 1e6, 4),
                        "share": round(m2 / classified, 6) if classified else None})
    groups = {}
    for g in GROUP_SHARES:
        members = set(scheme.group(g))
        if not members:
            groups[f"{g}_share"] = None  # the class file does not say which classes these are
            continue
        m2 = sum(a for v, a in tally.by_value.items() if v in members)
        groups[f"{g}_share"] = round(m2 / classified, 6) if classified else None
    return {"classified_km2": round(classified / 1e6, 4), "classes": classes, **groups}


def zonal(info: RasterInfo, zone_wgs84: Geometry, ds=None) -> dict[str, Any]:
    """Class areas and shares of one zone (a WGS84 polygon) on one registered raster."""
    scheme = info.scheme
    own = ds is None
    if own:
        env = rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB)
        env.__enter__()
        ds = rasterio.open(info.path)
    try:
        nodata = set(scheme.nodata)
        if ds.nodata is not None and float(ds.nodata).is_integer():
            nodata.add(int(ds.nodata))
        zone = _to_raster_crs(zone_wgs84, ds.crs)
        tally = _tally(ds, zone, nodata)
    finally:
        if own:
            ds.close()
            env.__exit__(None, None, None)
    zone_km2 = area_km2(zone_wgs84)
    out = _shares(tally, scheme)
    covered = out["classified_km2"] + tally.nodata_m2 / 1e6
    warnings = []
    judgeable = tally.full_cells >= MIN_FULL_CELLS
    if not judgeable:
        warnings.append(
            f"the zone holds {tally.full_cells} cells of this raster wholly inside it (cells of "
            f"about {info.res_m:,.0f} m); at least {MIN_FULL_CELLS} are needed, so its shares "
            "cannot be judged at this resolution")
    if zone_km2 > 0 and covered < 0.99 * zone_km2:
        warnings.append(f"the raster covers {covered:,.2f} of the zone's {zone_km2:,.2f} km² "
                        "(the rest is outside it or no data); shares are of the covered part")
    return {"area_km2": round(zone_km2, 4), "covered_km2": round(covered, 4),
            "nodata_km2": round(tally.nodata_m2 / 1e6, 4),
            **out,
            "cells": {"full": tally.full_cells, "partial": tally.partial_cells,
                      "size_m": info.res_m},
            "judgeable": judgeable, "warnings": warnings}


def raster_summary(info: RasterInfo) -> dict[str, Any]:
    """What every zonal answer says about the data it used."""
    m = info.meta
    return {"id": info.id, "title": m.get("title"), "crs": m.get("crs"), "res": m.get("res"),
            "res_m": m.get("res_m"), "classes": m["classes"]["key"], "source": m.get("source"),
            "licence": m.get("licence"), "year": m.get("year")}


def zonal_layer(info: RasterInfo, features: list[tuple[Any, str | None, Geometry]]) -> dict[str, Any]:
    """Zonal statistics for each (id, name, WGS84 polygon); the raster is opened once."""
    with rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB), rasterio.open(info.path) as ds:
        rows = [{"id": fid, "name": name, **zonal(info, geom, ds)} for fid, name, geom in features]
    return {"raster": raster_summary(info), "cell_rule": CELL_RULE,
            "resolution_rule": resolution_rule(), "features": rows}


def site_land_cover(info: RasterInfo | None, site_wgs84: Geometry) -> dict[str, Any] | None:
    """The land-cover mix of a siting check's site on the default raster (None: no raster).

    The same numbers as ``POST /analysis/zonal``; on the coarse default raster a site of a few
    hectares lies inside one or two cells, and the answer says it cannot be judged.
    """
    if info is None:
        return None
    return {"raster": raster_summary(info), "cell_rule": CELL_RULE, **zonal(info, site_wgs84)}
