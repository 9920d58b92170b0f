"""Write layers to GIS files (GeoPackage, zipped Shapefile, KML, GeoJSON, CSV, FlatGeobuf).

Every file is written by GDAL (through pyogrio) from the same in-memory store the API serves,
so a download can never disagree with ``/collections``. Coordinates in files use the GIS axis
order (x = longitude or easting) with the CRS recorded in the file (``.prj``, GeoPackage
``srs_id`` …), which is what desktop GIS expects; only the OGC API wire format follows the
authority axis order.

Formats that hold one geometry type per layer (GeoPackage as QGIS reads it, Shapefile) get a
layer per geometry family when a layer mixes, say, points and polygons: ``parks`` holds the
layer's declared family and ``parks_point`` the points.
"""
from __future__ import annotations

import io
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from ..geo.crs import CrsInfo
from ..layers.registry import LayerSpec
from ..store import Layer, LayerStore
from .qgis_project import write_project
from .qml import write_layer_styles


@dataclass(frozen=True)
class Format:
    key: str  # CLI name
    driver: str
    media_type: str
    suffix: str  # URL / file suffix


FORMATS: dict[str, Format] = {f.key: f for f in (
    Format("gpkg", "GPKG", "application/geopackage+sqlite3", "gpkg"),
    Format("shp", "ESRI Shapefile", "application/zip", "zip"),
    Format("kml", "KML", "application/vnd.google-earth.kml+xml", "kml"),
    Format("geojson", "GeoJSON", "application/geo+json", "geojson"),
    Format("csv", "CSV", "text/csv; charset=utf-8", "csv"),
    Format("fgb", "FlatGeobuf", "application/flatgeobuf", "fgb"),
)}
BY_SUFFIX: dict[str, Format] = {f.suffix: f for f in FORMATS.values()}


class ExportError(ValueError):
    """An export that cannot be made as asked (the message says what would work)."""


def _file_crs(crs: CrsInfo) -> str:
    """The CRS written into files: CRS84 is EPSG:4326 in GIS axis order, which files use."""
    return "EPSG:4326" if crs.code == "CRS84" else crs.code


def _family(geoms: np.ndarray) -> np.ndarray:
    ids = shapely.get_type_id(geoms)
    return np.select([np.isin(ids, (0, 4)), np.isin(ids, (1, 2, 5)), np.isin(ids, (3, 6))],
                     ["point", "line", "polygon"], "other")


def frame(layer: Layer, crs: CrsInfo) -> gpd.GeoDataFrame:
    """The layer's public fields plus ``fid`` (the stable feature id), in ``crs``."""
    cols = [f for f in layer.spec.field_names if f in layer.gdf.columns]
    gdf = layer.gdf[cols + ["geometry"]].sort_index().reset_index(names="fid")
    gdf = gpd.GeoDataFrame(gdf, geometry="geometry", crs="EPSG:4326")
    return gdf if crs.code in ("CRS84", "EPSG:4326") else gdf.to_crs(_file_crs(crs))


def split_by_family(layer_id: str, declared: str, gdf: gpd.GeoDataFrame
                    ) -> list[tuple[str, str, gpd.GeoDataFrame]]:
    """(table name, family, rows) per geometry family; the declared family keeps the id."""
    fam = _family(gdf.geometry.values)
    present = [f for f in ("polygon", "line", "point", "other") if (fam == f).any()]
    if not present:
        return [(layer_id, declared, gdf)]
    main = declared if declared in present else present[0]
    fam = np.where(shapely.is_missing(gdf.geometry.values), main, fam)  # null geometry: keep
    present = [f for f in ("polygon", "line", "point", "other") if (fam == f).any()]
    return [(layer_id if f == main else f"{layer_id}_{f}", f, gdf[fam == f]) for f in present]


# A spreadsheet reads a cell starting with one of these as a formula (=HYPERLINK(…) that leaks
# data, +cmd|… that runs a program, -1+1, @SUM(…)); tab and CR start one in some importers.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A copy in which every *text* cell that a spreadsheet would run as a formula starts with
    an apostrophe (shown as text, OWASP's advice for CSV injection). Numbers stay numbers: a
    float column's -1.5 is a value, not a formula, and is written unchanged."""
    out = gdf.copy()
    for col in out.columns:
        if col == out.geometry.name or pd.api.types.is_numeric_dtype(out[col].dtype):
            continue
        values = out[col]
        risky = values.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_STARTS))
        if risky.any():
            out[col] = values.astype(object)
            out.loc[risky, col] = "'" + values[risky].astype(str)
    return out


def _write(gdf: gpd.GeoDataFrame, path: Path, driver: str, layer: str, **opts) -> None:
    if driver == "GPKG" and not opts.get("append"):
        # GeoPackage 1.2: read without warnings by the GDAL/QGIS of Debian stable, not only 3.8+
        opts.setdefault("dataset_options", {})["VERSION"] = "1.2"
    pyogrio.write_dataframe(gdf, path, layer=layer, driver=driver, **opts)


def shapefile_names(columns: list[str]) -> dict[str, str]:
    """Shapefile field names (≤ 10 characters), unique and deterministic."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for col in columns:
        short = col[:10]
        n = 1
        while short.lower() in used:
            suffix = f"_{n}"
            short = col[: 10 - len(suffix)] + suffix
            n += 1
        used.add(short.lower())
        out[col] = short
    return out


def _shapefile_zip(spec: LayerSpec, gdf: gpd.GeoDataFrame, tmp: Path) -> bytes:
    names = shapefile_names([c for c in gdf.columns if c != "geometry"])
    titles = {f.name: f"{f.title_zh} / {f.title_en}" for f in spec.fields}
    parts = split_by_family(spec.id, spec.geometry, gdf.rename(columns=names))
    for table, _, rows in parts:
        _write(rows, tmp / f"{table}.shp", "ESRI Shapefile", table, ENCODING="UTF-8")
    readme = [f"{spec.title_zh} {spec.title_en} — planmap export", "",
              "Shapefile field names are limited to 10 characters:", ""]
    readme += [f"{short:<10}  {full}  {titles.get(full, 'feature id (stable)')}"
               for full, short in names.items()]
    readme += ["", "Text longer than 254 bytes is truncated by the Shapefile format; "
               "use the GeoPackage export for full text."]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(tmp.iterdir()):
            zf.write(p, p.name)
        zf.writestr(f"{spec.id}_README.txt", "\n".join(readme) + "\n")
    return buf.getvalue()


def _xy_columns(gdf: gpd.GeoDataFrame) -> pd.DataFrame:
    """Point rows as X, Y columns first (as GDAL's AS_XY), left empty for a row without a point."""
    geoms = gdf.geometry.values
    located = ~shapely.is_missing(geoms)
    x = np.full(len(gdf), np.nan)
    y = np.full(len(gdf), np.nan)
    x[located], y[located] = shapely.get_x(geoms[located]), shapely.get_y(geoms[located])
    out = pd.DataFrame(gdf.drop(columns="geometry"))
    out.insert(0, "Y", y)
    out.insert(0, "X", x)
    return out


def export_layer(layer: Layer, fmt: str, crs: CrsInfo, csv_geometry: str = "wkt") -> bytes:
    """One layer as the bytes of a file in ``fmt`` (a key of :data:`FORMATS`)."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if fmt == "kml" and crs.code not in ("CRS84", "EPSG:4326"):
        raise ExportError("KML is always WGS84 longitude/latitude; leave crs out for KML")
    if fmt == "csv" and csv_geometry not in ("wkt", "xy"):
        raise ExportError(f"geometry={csv_geometry!r}; CSV geometry is wkt or xy")
    spec = layer.spec
    gdf = frame(layer, crs)
    with tempfile.TemporaryDirectory(prefix="planmap-export-") as d:
        tmp = Path(d)
        if fmt == "shp":
            return _shapefile_zip(spec, gdf, tmp)
        out = tmp / f"{spec.id}.{FORMATS[fmt].suffix}"
        if fmt == "gpkg":
            parts = split_by_family(spec.id, spec.geometry, gdf)
            for table, _, rows in parts:
                _write(rows, out, "GPKG", table, promote_to_multi=True, append=out.exists())
            write_layer_styles(out, [(t, spec, fam) for t, fam, _ in parts])
        elif fmt == "csv":
            located = ~shapely.is_missing(gdf.geometry.values)
            if csv_geometry == "xy" and not (_family(gdf.geometry.values[located]) == "point").all():
                raise ExportError(f"{spec.id} has {spec.geometry} geometries; lon/lat columns "
                                  "need points, so use geometry=wkt")
            if csv_geometry == "xy":
                _write(_xy_columns(neutralise_formulas(gdf)), out, "CSV", spec.id, WRITE_BOM="YES")
            else:
                _write(neutralise_formulas(gdf), out, "CSV", spec.id, GEOMETRY="AS_WKT", WRITE_BOM="YES")
        elif fmt == "kml":
            _write(gdf, out, "KML", spec.id, dataset_options={"NameField": "name"})
        elif fmt == "geojson":
            _write(gdf, out, "GeoJSON", spec.id, RFC7946="YES" if crs.code == "CRS84" else "NO",
                   WRITE_NAME="YES")
        else:
            # FlatGeobuf's packed R-tree cannot hold a feature without a geometry; a layer with
            # unlocated rows (projects known only to their district) is written without it.
            unlocated = shapely.is_missing(gdf.geometry.values).any()
            _write(gdf, out, "FlatGeobuf", spec.id, SPATIAL_INDEX="NO" if unlocated else "YES")
        return out.read_bytes()


def export_all(store: LayerStore, crs: CrsInfo, path: Path) -> Path:
    """Every layer in one GeoPackage at ``path``, with QGIS styles in ``layer_styles`` and a QGIS
    project (``qgis_projects``) that opens them all, grouped and styled as on the web map."""
    path = Path(path)
    if path.exists():
        path.unlink()
    styled: list[tuple[str, LayerSpec, str]] = []
    extents = []
    for layer in store:
        for table, fam, rows in split_by_family(layer.id, layer.spec.geometry, frame(layer, crs)):
            _write(rows, path, "GPKG", table, promote_to_multi=True, append=path.exists())
            styled.append((table, layer.spec, fam))
            if rows.geometry.notna().any():
                extents.append(rows.total_bounds)
    write_layer_styles(path, styled)
    b = np.array(extents)
    write_project(path, styled, _file_crs(crs), (b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()))
    return path


def export_all_bytes(store: LayerStore, crs: CrsInfo) -> bytes:
    with tempfile.TemporaryDirectory(prefix="planmap-export-") as d:
        return export_all(store, crs, Path(d) / "planmap.gpkg").read_bytes()
