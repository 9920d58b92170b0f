"""Registered land-cover rasters: a Cloud-Optimised GeoTIFF per raster and a JSON file beside it.

Where they live, and why not inside the GeoPackage: GeoPackage can hold tiled rasters, but only
as PNG/JPEG tiles in its own tiling scheme, which would resample the user's grid and lose the
CRS it came in; rasterio reads a COG by windows directly, GDAL and QGIS open it as it is, and
``GET /rasters/{id}.tif`` hands the very file out. Writing into the GeoPackage would also change
its modification time and make every running replica re-check its layers. So a GeoPackage
``P.gpkg`` has its rasters in the folder ``P.rasters/`` beside it (``ID.tif`` + ``ID.json``, the
registration), written by ``planmap raster add``; the embedded default (MODIS 2019 land cover,
clipped to Tianjin) ships read-only in ``data/rasters/`` and is listed for every GeoPackage. The
JSON is written after the COG, through a temporary file and a rename, so a half-copied raster is
never listed.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from rasterio.crs import CRS
from rasterio.enums import Resampling
from rasterio.errors import RasterioIOError
from rasterio.warp import transform_bounds
from pyproj import Transformer

from ..config import DATA_DIR, DEFAULT_GPKG
from ..geo.crs import AREA_CRS
from ..geo.validate import TIANJIN_BOUNDS
from .classes import ClassScheme

EMBEDDED_DIR = DATA_DIR / "rasters"
DEFAULT_RASTER = "modis_igbp_2019"
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
SAMPLE_SIDE = 1024  # class values are checked on at most 1024 x 1024 cells (decimated read)
MAX_UNKNOWN_VALUES = 8  # more distinct non-class values than this reads as a continuous raster


class RasterError(ValueError):
    """A raster that cannot be registered or served; ``status`` is the HTTP status it deserves."""

    def __init__(self, detail: str, status: int = 422):
        super().__init__(detail)
        self.detail = detail
        self.status = status


@dataclass(frozen=True, eq=False)
class RasterInfo:
    """One registered raster, as its JSON registration describes it.

    Equal (and hashed) by id and file, so per-raster caches can key on it; callers add the
    file's modification time to the key so a re-added raster is never served stale.
    """

    id: str
    path: Path
    meta: dict[str, Any]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RasterInfo) and (self.id, self.path) == (other.id, other.path)

    def __hash__(self) -> int:
        return hash((self.id, str(self.path)))

    @property
    def scheme(self) -> ClassScheme:
        return ClassScheme.from_dict(_scheme_doc(self.meta["classes"]), self.meta["classes"]["key"])

    @property
    def res_m(self) -> float:
        return float(self.meta["res_m"])

    def describe(self) -> dict[str, Any]:
        """What ``GET /rasters/{id}`` answers (the file's path stays private)."""
        out = {k: v for k, v in self.meta.items()}
        out["id"] = self.id
        return out


def _scheme_doc(d: dict[str, Any]) -> dict[str, Any]:
    return {"name": d["name"], "nodata": d.get("nodata", []), "class": d["classes"],
            "groups": d.get("groups", {})}


def raster_dir(gpkg: Path | None) -> Path:
    """Where ``planmap raster add`` puts rasters for a GeoPackage: ``P.rasters/`` beside it."""
    return Path(gpkg or DEFAULT_GPKG).with_suffix(".rasters")


class RasterCatalog:
    """The rasters of one GeoPackage plus the embedded default, read from their JSON files.

    Re-read on every call (a directory listing and a few small JSON files), so a raster added by
    ``planmap raster add`` while the service runs is served without a restart.
    """

    def __init__(self, dirs: list[Path]):
        self.dirs = dirs

    @classmethod
    def for_gpkg(cls, gpkg: Path | None) -> "RasterCatalog":
        return cls([raster_dir(gpkg), EMBEDDED_DIR])

    def all(self) -> dict[str, RasterInfo]:
        found: dict[str, RasterInfo] = {}
        for d in self.dirs:
            if not d.is_dir():
                continue
            for meta_path in sorted(d.glob("*.json")):
                rid = meta_path.stem
                tif = d / f"{rid}.tif"
                if rid in found or not tif.is_file():
                    continue
                try:
                    meta = json.loads(meta_path.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    continue
                found[rid] = RasterInfo(rid, tif, meta)
        return found

    def get(self, rid: str) -> RasterInfo:
        rasters = self.all()
        if rid not in rasters:
            known = ", ".join(rasters) or "none"
            raise RasterError(f"unknown raster {rid!r}; known rasters: {known} "
                              "(planmap raster add registers one)", status=404)
        return rasters[rid]

    def default(self) -> RasterInfo | None:
        rasters = self.all()
        return rasters.get(DEFAULT_RASTER) or next(iter(rasters.values()), None)


def open_checked(path: Path):
    """Open a file as a raster, or say in one sentence why it is not one."""
    try:
        return rasterio.open(path)
    except RasterioIOError:
        raise RasterError(f"{Path(path).name} is not a raster GDAL can read; give a GeoTIFF "
                          "(or any GDAL raster format)", status=415) from None


def cell_size_m(ds) -> float:
    """The side of the raster's central cell in metres, measured in EPSG:4548."""
    t = ds.transform
    col, row = ds.width / 2, ds.height / 2
    xs = [t @ (col, row), t @ (col + 1, row), t @ (col + 1, row + 1), t @ (col, row + 1)]
    tr = Transformer.from_crs(ds.crs, AREA_CRS, always_xy=True)
    px, py = tr.transform([p[0] for p in xs], [p[1] for p in xs])
    area = 0.5 * abs(sum(px[i] * py[(i + 1) % 4] - px[(i + 1) % 4] * py[i] for i in range(4)))
    return float(np.sqrt(area))


def check_raster(ds, scheme: ClassScheme, name: str) -> dict[str, Any]:
    """Refuse what zonal statistics could only get wrong; return the values found in a sample.

    No CRS, a continuous (floating-point or many-valued) band, values the class file does not
    define, or an extent that misses Tianjin are each a 422 naming the problem.
    """
    if ds.crs is None:
        raise RasterError(f"{name} has no CRS; set one first, e.g. "
                          f"gdal_edit.py -a_srs EPSG:32650 {name}")
    if ds.count < 1:
        raise RasterError(f"{name} has no band")
    w, s, e, n = transform_bounds(ds.crs, "EPSG:4326", *ds.bounds, densify_pts=21)
    tw, ts, te, tn = TIANJIN_BOUNDS
    if e < tw or w > te or n < ts or s > tn:
        raise RasterError(f"{name} covers lon {w:.3f}..{e:.3f}, lat {s:.3f}..{n:.3f}, which is "
                          f"outside Tianjin (lon {tw}..{te}, lat {ts}..{tn}); check its CRS")
    scale = max(1.0, max(ds.width, ds.height) / SAMPLE_SIDE)
    shape = (max(1, int(ds.height / scale)), max(1, int(ds.width / scale)))
    sample = ds.read(1, out_shape=shape, resampling=Resampling.nearest, masked=True)
    values = np.unique(sample.compressed())
    if np.issubdtype(ds.dtypes[0], np.floating) and values.size and \
            not np.all(np.equal(np.mod(values, 1), 0)):
        raise RasterError(f"{name} holds continuous values ({ds.dtypes[0]}, e.g. "
                          f"{values[len(values) // 2]:.4g}); a land-cover raster holds integer "
                          "class codes")
    known = {c.value for c in scheme.classes} | set(scheme.nodata)
    unknown = [int(v) for v in values if int(v) not in known]
    if len(unknown) > MAX_UNKNOWN_VALUES:
        raise RasterError(f"{name} holds {len(unknown)} values that are not {scheme.name} "
                          f"classes (e.g. {unknown[:5]}): continuous values where classes "
                          "are expected? Give the class file that matches the raster")
    if unknown:
        raise RasterError(f"{name} holds values {unknown} that {scheme.key} does not define; "
                          "add them to a class file (--classes FILE.toml) or mark them nodata")
    if not any(int(v) in {c.value for c in scheme.classes} for v in values):
        raise RasterError(f"{name} holds no {scheme.name} class in its cells (only no data)")
    return {"bounds_wgs84": [round(w, 6), round(s, 6), round(e, 6), round(n, 6)]}


def write_cog(src, dst: Path) -> None:
    """Copy an open dataset to ``dst`` as a COG on the same grid and CRS.

    GDAL's own COG driver (GDAL >= 3.1, bundled in rasterio's wheels) rather than rio-cogeo: it
    writes the same layout (tiles, overviews, the header first) in one streamed CreateCopy,
    with no extra dependency. Overviews use nearest neighbour, so they hold real class codes.
    """
    from rasterio.shutil import copy as rio_copy  # noqa: PLC0415

    # GDAL's block cache defaults to 5 % of RAM; 256 MB keeps a large copy's memory bounded.
    with rasterio.Env(GDAL_CACHEMAX=256):
        rio_copy(src, str(dst), driver="COG", COMPRESS="DEFLATE", BLOCKSIZE=512,
                 OVERVIEW_RESAMPLING="NEAREST", BIGTIFF="IF_SAFER")


def add_raster(path: Path, rid: str, scheme: ClassScheme, out_dir: Path, *,
               title: str | None = None, source: str | None = None, licence: str | None = None,
               year: int | None = None, note: str | None = None) -> RasterInfo:
    """Check a raster, copy it into ``out_dir`` as ``rid.tif`` (COG) and register it."""
    if not ID_PATTERN.match(rid):
        raise RasterError(f"raster id {rid!r}: use lower-case letters, digits and _, starting "
                          "with a letter, e.g. worldcover_2021", status=400)
    path = Path(path)
    if not path.is_file():
        raise RasterError(f"{path}: no such file", status=400)
    out_dir.mkdir(parents=True, exist_ok=True)
    with open_checked(path) as ds:
        found = check_raster(ds, scheme, path.name)
        fd, tmp = tempfile.mkstemp(suffix=".tif", dir=out_dir)
        os.close(fd)
        try:
            write_cog(ds, Path(tmp))
            os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide the file from a service user
            os.replace(tmp, out_dir / f"{rid}.tif")
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    with rasterio.open(out_dir / f"{rid}.tif") as cog:
        epsg = cog.crs.to_epsg()
        meta = {
            "title": title or rid,
            "crs": f"EPSG:{epsg}" if epsg else cog.crs.to_wkt(),
            "crs_wkt": cog.crs.to_wkt(),
            "res": [abs(cog.res[0]), abs(cog.res[1])],
            "res_m": round(cell_size_m(cog), 1),
            "width": cog.width, "height": cog.height,
            "bounds": list(cog.bounds),
            "bounds_wgs84": found["bounds_wgs84"],
            "dtype": cog.dtypes[0],
            "nodata": cog.nodata,
            "classes": scheme.to_dict(),
            "source": source, "licence": licence, "year": year, "note": note,
            "file": f"{rid}.tif",
        }
    tmp_meta = out_dir / f".{rid}.json.tmp"
    tmp_meta.write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp_meta, out_dir / f"{rid}.json")
    return RasterInfo(rid, out_dir / f"{rid}.tif", meta)


def crs_of(info: RasterInfo) -> CRS:
    return CRS.from_wkt(info.meta["crs_wkt"])
