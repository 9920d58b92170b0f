"""``planmap build``: sources → layers → one GeoPackage, deterministically.

Two builds from the same sources give the same features, attributes and feature ids: builders
are pure functions of their inputs, features are sorted by a fixed key and numbered from 1, and
coordinates are rounded to 1e-7° (about 1 cm).
"""
from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from ..config import DEFAULT_GPKG, SOURCES_DIR
from ..geo.validate import degenerate
from .builders import BUILDERS, DEPENDS_ON, BuildContext, finish_barrier
from .registry import LayerSpec, load_registry
from .replace import read_replacement

COORD_DECIMALS = 7


def _round_coords(geom):
    """Snap to a 1e-7° grid keeping the geometry valid (plain rounding can make a ring cross itself)."""
    if geom is None:
        return None
    if not shapely.is_valid(geom):  # left as it is, for the validity check to name the problem
        return shapely.transform(geom, lambda c: np.round(c, COORD_DECIMALS))
    return shapely.set_precision(geom, 10.0 ** -COORD_DECIMALS)


def build_order(specs: tuple[LayerSpec, ...]) -> list[LayerSpec]:
    """Registry order, moved so that every layer comes after the layers its builder reads."""
    by_id = {s.id: s for s in specs}
    done: list[str] = []

    def visit(sid: str, stack: tuple[str, ...] = ()) -> None:
        if sid in done:
            return
        if sid in stack:
            raise ValueError(f"layer dependency cycle: {stack + (sid,)}")
        for dep in DEPENDS_ON.get(by_id[sid].builder, ()):
            visit(dep, stack + (sid,))
        done.append(sid)

    for s in specs:
        visit(s.id)
    return [by_id[i] for i in done]


def finalize(spec: LayerSpec, gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Columns in contract order, rows in a stable order, rounded coordinates."""
    missing = [f for f in spec.field_names if f not in gdf.columns]
    if missing:
        raise ValueError(f"builder for {spec.id} did not produce fields {missing}")
    bad = set(gdf["geom_quality"]) - {"official", "derived", "schematic", "approximate"}
    if bad:
        raise ValueError(f"{spec.id}: unknown geom_quality {bad}")
    key = [k for k in ("adcode", "level", "name") if k in gdf.columns][:1] or ["name"]
    out = gdf[spec.field_names + ["geometry"]].sort_values(key + ["name"], kind="mergesort")
    out = out.reset_index(drop=True)
    out["geometry"] = [_round_coords(g) for g in out.geometry]
    out.index = np.arange(1, len(out) + 1)
    bad_geoms = [f"#{fid} {name}: {why}" for fid, name, g in zip(out.index, out["name"], out.geometry)
                 if (why := degenerate(g, spec.geometry)) is not None]
    if bad_geoms:
        raise ValueError(f"{spec.id}: {len(bad_geoms)} unusable geometries (the build refuses them): "
                         + "; ".join(bad_geoms[:10]))
    return gpd.GeoDataFrame(out, geometry="geometry", crs="EPSG:4326")


def build_layers(sources: Path = SOURCES_DIR, replacements: dict[str, Path] | None = None,
                 only: list[str] | None = None, log=print) -> dict[str, gpd.GeoDataFrame]:
    replacements = replacements or {}
    specs = load_registry()
    unknown = set(replacements) - {s.id for s in specs}
    if unknown:
        raise ValueError(f"--replace names unknown layers {sorted(unknown)}; "
                         f"layers are {[s.id for s in specs]}")
    ctx = BuildContext(sources)
    for spec in build_order(specs):
        t0 = time.perf_counter()
        if spec.id in replacements:
            gdf = read_replacement(spec, replacements[spec.id])
            if spec.id == "eco_barrier":
                gdf = finish_barrier(gdf, ctx)
            gdf = _recompute(spec, gdf)
        else:
            gdf = BUILDERS[spec.builder](ctx)
        ctx.built[spec.id] = finalize(spec, gdf)
        log(f"  {spec.id:14s} {len(gdf):5d} features  {time.perf_counter() - t0:6.2f} s"
            + ("  (official replacement)" if spec.id in replacements else ""))
    wanted = only or [s.id for s in specs]
    return {k: v for k, v in ctx.built.items() if k in wanted}


def _recompute(spec: LayerSpec, gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    from ..geo.measure import gdf_areas_km2, gdf_lengths_km  # noqa: PLC0415

    names = spec.field_names
    if "area_km2" in names:
        gdf["area_km2"] = np.round(gdf_areas_km2(gdf), 3)
    if "length_km" in names:
        gdf["length_km"] = np.round(gdf_lengths_km(gdf), 3)
    return gdf


def write_gpkg(layers: dict[str, gpd.GeoDataFrame], path: Path, before_swap=None) -> None:
    """Write all layers to ``path`` atomically (a temp file renamed into place).

    ``before_swap(tmp, path)``, when given, runs on the finished temp file before the rename
    (the CLI carries the accounts and the audit trail over and records the build there)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".gpkg", dir=path.parent)
    os.close(fd)
    os.unlink(tmp)
    try:
        for layer_id, gdf in layers.items():
            out = gdf.copy()
            out.index.name = "fid"
            out.reset_index().to_file(tmp, layer=layer_id, driver="GPKG", engine="pyogrio")
        if before_swap is not None:
            before_swap(Path(tmp), path)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def build(output: Path = DEFAULT_GPKG, sources: Path = SOURCES_DIR,
          replacements: dict[str, Path] | None = None, log=print, before_swap=None) -> Path:
    t0 = time.perf_counter()
    log(f"building {output}")
    layers = build_layers(sources, replacements, log=log)
    write_gpkg(layers, output, before_swap)
    log(f"wrote {len(layers)} layers to {output} ({output.stat().st_size / 1e6:.2f} MB) "
        f"in {time.perf_counter() - t0:.1f} s")
    return output
