"""Generated land-cover rasters for the raster tests and the benchmark.

The truth is vector: the level-1 control zone split by a north-south line placed (by bisection,
areas in EPSG:4548) so that 70 % of the zone lies west of it. West of the line is forest, east
cropland (CLCD codes 2 and 1), and the cells outside the zone are water (5). The same truth is
then drawn on three grids (30 m in EPSG:32650, in EPSG:4548, and about 30 m in EPSG:4326), so a
correct zonal statistic must read 70 % on each.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio
import shapely
from pyproj import Transformer
from rasterio.enums import Resampling
from rasterio.transform import from_origin
from rasterio.warp import reproject



def transform_geometry(geom, src: str, dst: str):
    """Any CRS pyproj knows (planmap's own helper accepts only the CRSs it serves)."""
    src = "EPSG:4326" if src == "CRS84" else src
    tr = Transformer.from_crs(src, dst, always_xy=True)
    return shapely.transform(geom, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))

FOREST, CROP, WATER = 2, 1, 5


def split_line_x(zone_wgs84, share: float, crs: str) -> float:
    """The x (in the projected ``crs``) west of which ``share`` of the zone's area lies.

    Areas are taken in ``crs`` itself: EPSG:32650 and EPSG:4548 share the central meridian
    117°E, so an area ratio in one equals the EPSG:4548 ratio to about 1e-4.
    """
    zone = transform_geometry(zone_wgs84, "CRS84", crs)
    total = shapely.area(zone)
    lo, hi = zone.bounds[0], zone.bounds[2]
    miny, maxy = zone.bounds[1] - 1, zone.bounds[3] + 1
    for _ in range(40):
        mid = (lo + hi) / 2
        west = shapely.area(shapely.intersection(zone, shapely.box(lo - 1e6, miny, mid, maxy)))
        lo, hi = (mid, hi) if west / total < share else (lo, mid)
    return (lo + hi) / 2


def write_truth(path: Path, zone_wgs84, crs: str = "EPSG:32650", res: float = 30.0,
                share: float = 0.7, dtype: str = "uint8") -> Path:
    """A raster on a ``res`` grid in ``crs`` whose zone is ``share`` forest (see module doc)."""
    from rasterio.features import rasterize

    x70 = split_line_x(zone_wgs84, share, crs)
    zone = transform_geometry(shapely.segmentize(zone_wgs84, 0.002), "CRS84", crs)
    minx, miny, maxx, maxy = zone.bounds
    pad = 10 * res
    left, top = np.floor((minx - pad) / res) * res, np.ceil((maxy + pad) / res) * res
    width = int(np.ceil((maxx + pad - left) / res))
    height = int(np.ceil((top - (miny - pad)) / res))
    transform = from_origin(left, top, res, res)
    inside = rasterize([(zone, 1)], out_shape=(height, width), transform=transform, fill=0,
                       dtype="uint8").astype(bool)
    xs = left + (np.arange(width) + 0.5) * res
    data = np.where(np.broadcast_to(xs[None, :] < x70, (height, width)), FOREST, CROP).astype(dtype)
    data[~inside] = WATER
    with rasterio.open(path, "w", driver="GTiff", width=width, height=height, count=1,
                       dtype=dtype, crs=crs, transform=transform, nodata=0, tiled=True,
                       compress="deflate") as dst:
        dst.write(data, 1)
    return path


def warp_to(src_path: Path, dst_path: Path, crs: str, res: float) -> Path:
    """The same raster on a grid in another CRS (nearest neighbour, as one warps classes)."""
    with rasterio.open(src_path) as src:
        tr = Transformer.from_crs(src.crs, crs, always_xy=True)
        xs, ys = tr.transform([src.bounds.left, src.bounds.right, src.bounds.left, src.bounds.right],
                              [src.bounds.bottom, src.bounds.bottom, src.bounds.top, src.bounds.top])
        left, top = min(xs), max(ys)
        width = int(np.ceil((max(xs) - left) / res))
        height = int(np.ceil((top - min(ys)) / res))
        transform = from_origin(left, top, res, res)
        out = np.zeros((height, width), dtype=src.dtypes[0])
        reproject(rasterio.band(src, 1), out, dst_transform=transform, dst_crs=crs,
                  resampling=Resampling.nearest, dst_nodata=0)
    with rasterio.open(dst_path, "w", driver="GTiff", width=width, height=height, count=1,
                       dtype=out.dtype, crs=crs, transform=transform, nodata=0, tiled=True,
                       compress="deflate") as dst:
        dst.write(out, 1)
    return dst_path
