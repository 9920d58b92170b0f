"""Any vector layer as a Cloud-Optimised GeoTIFF in EPSG:4548, for models that read grids.

What a cell holds:

- polygon and line layers: the feature's class value when the layer has an integer class field
  (``level`` of ``barrier_zones``: 1, 2, 3), else its feature id; 0 is "no feature". A cell is
  burnt when its centre is inside a polygon (lines: every cell the line touches); where features
  overlap, the later feature id wins;
- point layers: the number of points in the cell (``projects.tif`` is a project-density grid;
  projects without a location are not counted).

The grid is snapped to multiples of ``res`` metres and written window by window into a tiled
GeoTIFF, then copied as a COG, so memory is bounded by the window. At most ``MAX_CELLS`` cells.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
import shapely
from rasterio.enums import MergeAlg
from rasterio.features import rasterize
from rasterio.transform import from_origin
from rasterio.windows import Window

from ..geo.crs import AREA_CRS
from ..store import Layer
from .files import ExportError

MAX_CELLS = 100_000_000
MIN_RES, MAX_RES = 1.0, 10_000.0
WINDOW = 2048


def _burn_values(layer: Layer, gdf: gpd.GeoDataFrame) -> tuple[np.ndarray, str]:
    """The value each feature burns, and what the values mean."""
    field = layer.spec.class_field
    if field and field in gdf.columns and np.issubdtype(gdf[field].dtype, np.integer):
        return gdf[field].to_numpy(dtype=np.int64), f"{field} of the {layer.id} feature (0 = none)"
    return gdf.index.to_numpy(dtype=np.int64), f"feature id of {layer.id} (0 = none)"


def rasterize_layer(layer: Layer, res: float) -> bytes:
    """The layer as COG bytes on a ``res`` metre grid in EPSG:4548 (see the module doc)."""
    if not (MIN_RES <= res <= MAX_RES):
        raise ExportError(f"res={res:g}: give a cell size in metres between {MIN_RES:g} and {MAX_RES:g}")
    gdf = layer.gdf[~shapely.is_missing(layer.gdf.geometry.values)]
    if gdf.empty:
        raise ExportError(f"{layer.id} has no located features to rasterise")
    gdf = gdf.to_crs(AREA_CRS)
    points = layer.spec.geometry == "point"
    minx, miny, maxx, maxy = gdf.total_bounds
    left, top = np.floor(minx / res) * res, np.ceil(maxy / res) * res
    width = max(1, int(np.ceil((maxx - left) / res)) + (1 if points else 0))
    height = max(1, int(np.ceil((top - miny) / res)) + (1 if points else 0))
    if width * height > MAX_CELLS:
        side = np.sqrt((maxx - minx) * (maxy - miny) / MAX_CELLS)
        raise ExportError(f"{layer.id} at res={res:g} m is {width:,} x {height:,} cells, over the "
                          f"{MAX_CELLS:,}-cell limit; use res={np.ceil(side):.0f} or more")
    transform = from_origin(left, top, res, res)
    if points:
        values, meaning = np.ones(len(gdf), dtype=np.int64), f"number of {layer.id} points in the cell"
    else:
        values, meaning = _burn_values(layer, gdf)
    geoms = gdf.geometry.values
    tree = shapely.STRtree(geoms)
    profile = {"driver": "GTiff", "width": width, "height": height, "count": 1,
               "dtype": "uint32", "crs": AREA_CRS, "transform": transform, "nodata": None,
               "tiled": True, "blockxsize": 512, "blockysize": 512, "compress": "deflate",
               "BIGTIFF": "IF_SAFER"}
    with tempfile.TemporaryDirectory(prefix="planmap-tif-") as d:
        tmp, out = Path(d) / "grid.tif", Path(d) / "cog.tif"
        with rasterio.open(tmp, "w", **profile) as dst:
            for r in range(0, height, WINDOW):
                for c in range(0, width, WINDOW):
                    win = Window(c, r, min(WINDOW, width - c), min(WINDOW, height - r))
                    wt = dst.window_transform(win)
                    x0, y1 = wt @ (0, 0)
                    x1, y0 = wt @ (win.width, win.height)
                    hits = tree.query(shapely.box(x0, y0, x1, y1), predicate="intersects")
                    shape = (int(win.height), int(win.width))
                    if len(hits) == 0:
                        continue
                    block = rasterize(zip(geoms[hits], values[hits].tolist()), out_shape=shape,
                                      transform=wt, fill=0, dtype="uint32",
                                      all_touched=layer.spec.geometry == "line",
                                      merge_alg=MergeAlg.add if points else MergeAlg.replace)
                    dst.write(block, 1, window=win)
            dst.update_tags(layer=layer.id, cell_value=meaning, cell_size_m=f"{res:g}",
                            source="planmap export; see each feature's source in the layer")
            dst.set_band_description(1, meaning)
        from ..rasters.catalog import write_cog  # noqa: PLC0415

        with rasterio.open(tmp) as src:
            write_cog(src, out)
        return out.read_bytes()
