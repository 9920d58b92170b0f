"""planmap from Python: any layer as a GeoDataFrame, and the planners' map as a ``folium.Map``.

For analysts in Jupyter with geopandas. No server is involved: the layers are read from the
GeoPackage (the embedded one unless ``data=`` names another), and the map is the very page
``/map`` serves (:func:`planmap.web.mapview.build_map`: same layers, styles, legend, panels),
with every script and stylesheet inlined so it draws inside a notebook with no server and no
CDN. Without a server the siting tool is off and the map shows the overview geometry. ::

    import planmap
    planmap.list_layers()                  # ['districts', 'twin_cities', ...]
    districts = planmap.layer("districts")  # GeoDataFrame, EPSG:4326, index = feature id
    planmap.planners_map()                 # the map, inline in the notebook
    planmap.planners_map(["districts", "projects"], lang="en").save("map.html")
"""
from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import folium
import geopandas as gpd

from .config import BASEMAPS, default_data_path
from .store import LayerStore
from .web.inline import inline_assets
from .web.mapview import LANGS, MapOptions, build_map, tianditu_key

__all__ = ["layer", "list_layers", "planners_map"]


def _path(data: str | Path | None) -> Path:
    path = Path(data) if data else default_data_path()
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no GeoPackage there; run `planmap build` or pass data=")
    return path.resolve()


@lru_cache(maxsize=4)
def _cached_store(path: Path, _mtime_ns: int, _size: int) -> LayerStore:
    return LayerStore.from_gpkg(path)


def _store(data: str | Path | None) -> LayerStore:
    """The store for a GeoPackage, read once and read again when the file changes."""
    path = _path(data)
    st = path.stat()
    return _cached_store(path, st.st_mtime_ns, st.st_size)


def list_layers(data: str | Path | None = None) -> list[str]:
    """The ids of the layers in the GeoPackage, in the map's order.

    (Not ``planmap.layers()``: ``planmap.layers`` is the package that builds the layers.)
    """
    return _store(data).ids()


def layer(name: str, data: str | Path | None = None) -> gpd.GeoDataFrame:
    """One layer as a GeoDataFrame: WGS84 (EPSG:4326), the feature ids as its index (``id``),
    the registry's fields in the registry's order, then ``geometry`` (None where a feature has no
    location, e.g. a project known only to its district).

    A copy: changing it changes nothing in planmap. An unknown name raises ``KeyError`` listing
    the known ones. Measure areas and lengths in EPSG:4548 (``gdf.to_crs(4548)``), as planmap does.
    """
    lyr = _store(data).get(name)
    gdf = lyr.gdf
    cols = [f for f in lyr.spec.field_names if f in gdf.columns]
    out = gdf[cols + [gdf.geometry.name]].copy()
    if out.crs is None or out.crs.to_epsg() != 4326:
        out = out.to_crs(4326)
    out.index.name = "id"
    return out


def planners_map(layers: Iterable[str] | str | None = None, lang: str = "zh", basemap: str = "none",
                 data: str | Path | None = None) -> folium.Map:
    """The planners' map as a ``folium.Map`` that needs no server and no CDN.

    ``layers``: ids (a list or a comma-separated string; default all); ``lang``: ``zh`` or
    ``en``; ``basemap``: ``none`` by default, so the map draws offline; ``osm``, ``tianditu``
    (reads ``PLANMAP_TIANDITU_KEY``) or ``amap`` (overlays shifted to GCJ-02) fetch tiles from the
    internet. Display it in Jupyter, or ``.save("map.html")`` for a single self-contained file.
    """
    if basemap not in BASEMAPS:
        raise ValueError(f"basemap={basemap!r} is not offered; use one of {', '.join(BASEMAPS)}")
    if lang not in LANGS:
        raise ValueError(f"lang={lang!r} is not offered; use one of {', '.join(LANGS)}")
    store = _store(data)
    if isinstance(layers, str):
        layers = [x for x in (s.strip() for s in layers.split(",")) if x]
    wanted = tuple(layers) if layers is not None else None
    for lid in wanted or ():
        store.get(lid)  # KeyError with the known ids for a typo
    options = MapOptions(layers=wanted, basemap=basemap, static_prefix="", lang=lang, api_base="",
                         tianditu_key=tianditu_key() if basemap == "tianditu" else "")
    return inline_assets(build_map(store, options))
