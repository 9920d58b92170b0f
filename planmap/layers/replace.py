"""Put an official boundary file in place of a schematic layer (``planmap build --replace``).

Planning bureaus hold the real outlines. A user passes any file GDAL reads, in any CRS; planmap
checks it against the layer's field contract, reprojects it to WGS84, recomputes the computed
fields and marks every feature ``official``.
"""
from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyogrio

from ..geo.validate import repair
from .builders import COMPUTED_FIELDS
from .registry import LayerSpec

NAME_ALIASES = ("name", "名称", "NAME", "Name", "mc", "MC")
GEOM_TYPES = {"polygon": {"Polygon", "MultiPolygon"}, "line": {"LineString", "MultiLineString"},
              "point": {"Point", "MultiPoint"}}


class ReplacementError(ValueError):
    """The replacement file does not fit the layer; the message says what to change."""


def parse_replacements(items: list[str] | None) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for item in items or []:
        if "=" not in item:
            raise ReplacementError(f"--replace takes LAYER=PATH, got {item!r}")
        layer, path = item.split("=", 1)
        out[layer.strip()] = Path(path.strip())
    return out


def read_replacement(spec: LayerSpec, path: Path) -> gpd.GeoDataFrame:
    """Read, check and reproject an official file for ``spec``."""
    if not path.exists():
        raise ReplacementError(f"{path}: no such file")
    try:
        gdf = pyogrio.read_dataframe(path)
    except Exception as exc:  # noqa: BLE001 - GDAL raises many kinds; report them all the same way
        raise ReplacementError(f"{path}: GDAL cannot read it ({exc})") from exc
    if gdf.empty:
        raise ReplacementError(f"{path}: the file has no features")
    if gdf.crs is None:
        raise ReplacementError(f"{path}: the file declares no CRS; add a .prj or use a format that "
                               "records the CRS (GeoPackage, GeoJSON in WGS84)")
    kinds = set(gdf.geom_type.dropna())
    if not kinds <= GEOM_TYPES[spec.geometry]:
        raise ReplacementError(f"{path}: layer {spec.id} needs {spec.geometry} geometries, "
                               f"the file has {sorted(kinds)}")
    gdf = gdf.to_crs("EPSG:4326")
    name_col = next((c for c in NAME_ALIASES if c in gdf.columns), None)
    if name_col is None:
        raise ReplacementError(f"{path}: needs a name column (one of {', '.join(NAME_ALIASES)})")
    out = gpd.GeoDataFrame({"name": gdf[name_col].astype(str)}, geometry=gdf.geometry.values,
                           crs="EPSG:4326")
    missing = []
    for f in spec.own_fields:
        if f.name in COMPUTED_FIELDS:
            continue
        if f.name in gdf.columns:
            out[f.name] = gdf[f.name].values
        else:
            missing.append(f.name)
    if missing:
        raise ReplacementError(f"{path}: layer {spec.id} needs the fields {missing} "
                               "(computed fields such as area_km2 are recomputed and may be absent)")
    out["source"] = f"official file: {path.name}"
    out["geom_quality"] = "official"
    out["geometry"] = [repair(g).geometry for g in out.geometry]
    return out
