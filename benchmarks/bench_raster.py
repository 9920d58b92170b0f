"""Zonal statistics on a 20,000 x 20,000 land-cover raster: peak memory and time.

Target (issue 15): peak RSS under 1 GB. The raster is generated: 20,000 x 20,000 cells of 10 m
in EPSG:4548 (200 x 200 km over Tianjin, the size of an ESA WorldCover clip), CLCD class codes
in blocks of a few km, written strip by strip (so generating it needs little memory either).
It is then registered with ``add_raster`` (checks and a COG copy by GDAL), and zonal statistics
run for every district and for the whole city, in a child process whose peak RSS
(``VmHWM`` of ``/proc/self/status``: ``ru_maxrss`` would carry over the parent's peak on Linux) is the figure: it holds Python, the libraries, the layer store and the windows.

Run: ``python benchmarks/bench_raster.py [--side 20000] [--keep DIR]``. Prints one line per
figure and exits non-zero when the memory target is missed. Needs about 1 GB of disk in the
temporary folder and several minutes on two cores.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import rasterio
from rasterio.transform import from_origin
from rasterio.windows import Window

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_MB = 1024
ADD = r"""
import sys
sys.path.insert(0, sys.argv[3])
from pathlib import Path
from planmap.rasters.catalog import add_raster
from planmap.rasters.classes import load_scheme
add_raster(Path(sys.argv[1]), "big", load_scheme("clcd"), Path(sys.argv[2]))
print(next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")) / 1024)
"""
CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[3])
import shapely
from pathlib import Path
from planmap.store import LayerStore
from planmap.rasters.catalog import RasterCatalog
from planmap.analysis.zonal import zonal_layer
store = LayerStore.from_gpkg()
info = RasterCatalog([Path(sys.argv[1])]).get(sys.argv[2])
d = store.get("districts").gdf
zones = [(int(i), r["name"], r.geometry) for i, r in d.iterrows()]
zones.append((0, "天津市", shapely.union_all(d.geometry.values)))
t = time.perf_counter()
out = zonal_layer(info, zones)
elapsed = time.perf_counter() - t
hwm_kb = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
city = out["features"][-1]
print(json.dumps({"seconds": elapsed, "peak_rss_mb": hwm_kb / 1024, "zones": len(zones),
                  "city_km2": city["area_km2"], "city_cells": city["cells"]["full"] + city["cells"]["partial"],
                  "city_forest_share": city["forest_share"]}))
"""


def generate(path: Path, side: int) -> None:
    """CLCD codes 1..9 in blocks of 500 x 700 cells, strip by strip, over the same 200 km square
    whatever the side (10 m cells at the default 20,000)."""
    res = 200_000 / side
    profile = {"driver": "GTiff", "width": side, "height": side, "count": 1, "dtype": "uint8",
               "crs": "EPSG:4548", "transform": from_origin(440000, 4470000, res, res),
               "nodata": 0, "tiled": True, "blockxsize": 512, "blockysize": 512,
               "compress": "deflate", "BIGTIFF": "YES"}
    cols = np.arange(side) // 700
    with rasterio.open(path, "w", **profile) as dst:
        for r in range(0, side, 1024):
            h = min(1024, side - r)
            rows = ((np.arange(r, r + h) // 500) % 9).astype("uint8")[:, None]
            block = rows + (cols % 9).astype("uint8")[None, :]  # uint8 all the way: 20 MB a strip
            dst.write(1 + block % 9, 1, window=Window(0, r, side, h))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--side", type=int, default=20_000, help="cells per side (default 20000)")
    ap.add_argument("--keep", default=None, help="folder to keep the rasters in (default: a temporary one)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(args.keep or tmp)
        d.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        generate(d / "big_src.tif", args.side)
        print(f"generated {args.side:,} x {args.side:,} cells in {time.perf_counter() - t:.1f} s "
              f"({(d / 'big_src.tif').stat().st_size / 1e6:.0f} MB)")
        t = time.perf_counter()
        add = subprocess.run([sys.executable, "-c", ADD, str(d / "big_src.tif"), str(d / "cat"), str(ROOT)],
                             capture_output=True, text=True, check=True)
        print(f"planmap raster add (checks + COG copy): {time.perf_counter() - t:.1f} s, "
              f"peak RSS {float(add.stdout.strip().splitlines()[-1]):.0f} MB")
        res = subprocess.run([sys.executable, "-c", CHILD, str(d / "cat"), "big", str(ROOT)],
                             capture_output=True, text=True, check=True)
        fig = json.loads(res.stdout.strip().splitlines()[-1])
    print(f"zonal statistics, {fig['zones']} zones (16 districts + the city, "
          f"{fig['city_km2']:,.0f} km², {fig['city_cells']:,} cells): {fig['seconds']:.1f} s, "
          f"peak RSS {fig['peak_rss_mb']:.0f} MB (target < {TARGET_MB} MB); "
          f"city forest share {fig['city_forest_share']:.4f}")
    return 0 if fig["peak_rss_mb"] < TARGET_MB else 1


if __name__ == "__main__":
    sys.exit(main())
