"""PNG map tiles of a class raster in WebMercatorQuad, warped on request with rasterio.

Each tile is a 256 x 256 warp (nearest neighbour: a class code is never averaged) of the part of
the raster under it, coloured by the class file; no data and cells outside the raster are
transparent. GDAL reads only the blocks the tile covers, so a tile costs the same on a 40-cell
raster and on a 20,000-cell one at the zoom where a cell is about a pixel. PNG is written by
GDAL's own PNG driver, so no imaging library is needed.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import rasterio
import rasterio.errors
from rasterio.enums import Resampling
from rasterio.io import MemoryFile
from rasterio.transform import from_bounds
from rasterio.warp import reproject

from .catalog import RasterInfo

TILE = 256
MAX_ZOOM = 18
ORIGIN = 20037508.342789244  # half the Web Mercator world width, metres


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """A WebMercatorQuad tile's bounds in EPSG:3857 (row 0 at the top)."""
    size = 2 * ORIGIN / (1 << z)
    left = -ORIGIN + x * size
    top = ORIGIN - y * size
    return left, top - size, left + size, top


def check_tile(z: int, x: int, y: int) -> str | None:
    """Why a tile address is invalid, or None."""
    if not 0 <= z <= MAX_ZOOM:
        return f"tileMatrix must be 0..{MAX_ZOOM}; got {z}"
    n = 1 << z
    if not (0 <= x < n and 0 <= y < n):
        return f"tileRow and tileCol must be 0..{n - 1} at tileMatrix {z}; got row {y}, col {x}"
    return None


def _palette(info: RasterInfo) -> np.ndarray:
    """RGBA per cell value (0..65535): class colours, everything else transparent."""
    lut = np.zeros((65536, 4), dtype=np.uint8)
    for c in info.scheme.classes:
        h = c.color.lstrip("#")
        lut[c.value] = (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16), 255)
    for v in info.scheme.nodata:
        lut[v] = 0
    return lut


def _overview(src, info: RasterInfo, z: int) -> dict:
    """Open arguments for the coarsest overview still finer than the tile's pixels.

    Reading a zoomed-out tile from the full grid would touch every block of a large raster.
    """
    pixel_m = 2 * ORIGIN / (1 << z) / TILE * math.cos(math.radians(39.1))  # at Tianjin
    factors = src.overviews(1)
    level = -1
    for i, f in enumerate(factors):
        if f * info.res_m <= pixel_m:
            level = i
    return {"overview_level": level} if level >= 0 else {}


def render_tile(info: RasterInfo, z: int, x: int, y: int) -> bytes:
    """The tile as PNG bytes (transparent where the raster has nothing)."""
    left, bottom, right, top = tile_bounds(z, x, y)
    with rasterio.open(info.path) as full:
        opts = _overview(full, info, z)
    with rasterio.open(info.path, **opts) as src:
        src_nodata = src.nodata
        fill = int(src_nodata) if src_nodata is not None and float(src_nodata).is_integer() \
            and src_nodata >= 0 else 0
        out = np.full((TILE, TILE), fill, dtype=src.dtypes[0])
        reproject(rasterio.band(src, 1), out,
                  dst_transform=from_bounds(left, bottom, right, top, TILE, TILE),
                  dst_crs="EPSG:3857", resampling=Resampling.nearest, src_nodata=src_nodata,
                  dst_nodata=fill)
    codes = np.clip(np.nan_to_num(out, nan=fill), 0, 65535).astype(np.int64)
    rgba = _palette(info)[codes]
    if src_nodata is not None:
        rgba[out == src_nodata] = 0
    with warnings.catch_warnings(), MemoryFile() as mem:
        warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)  # a PNG tile has none
        with mem.open(driver="PNG", width=TILE, height=TILE, count=4, dtype="uint8") as dst:
            dst.write(np.moveaxis(rgba, 2, 0))
        return mem.read()


def lonlat_to_tile(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The (col, row) of the tile holding a point, for tests and links."""
    n = 1 << z
    col = int((lon + 180) / 360 * n)
    row = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return col, row
