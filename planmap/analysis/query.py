"""The spatial query engine: what covers a point, what a geometry touches, what lies near.

All predicates, areas and distances are evaluated in EPSG:4548 metres, on a per-layer copy of
the store's geometries projected once per store load (:class:`MetricLayer`). Doing the
projection once is what makes a point query cost microseconds instead of reprojecting a
district outline on every request. Each metric copy has its own STRtree and prepared
geometries, so a query is an index lookup plus exact predicates on a handful of candidates.
The engine reads layers only through the :class:`LayerStore`; a layer missing from the store
simply contributes nothing.
"""
from __future__ import annotations

import threading
from functools import cached_property
import weakref
from dataclasses import dataclass

import numpy as np
import shapely
from shapely import Geometry, STRtree

from ..geo.crs import AREA_CRS, transformer
from ..geo.measure import to_metric
from ..api.geojson import clean
from ..store import Layer, LayerStore


@dataclass
class MetricLayer:
    """One store layer in EPSG:4548: geometries, an index, and each feature's public fields."""

    layer: Layer
    geoms: np.ndarray  # metric shapely geometries, prepared, in row order
    tree: STRtree
    fids: list[int]
    records: list[dict]  # public properties per row, JSON-ready

    @property
    def id(self) -> str:
        return self.layer.id

    @cached_property
    def position(self) -> dict[int, int]:
        """Feature id → row position."""
        return {fid: i for i, fid in enumerate(self.fids)}

    @property
    def geometry(self) -> str:
        return self.layer.spec.geometry

    @classmethod
    def build(cls, layer: Layer) -> "MetricLayer":
        geoms = np.asarray(to_metric(layer.gdf.geometry.values), dtype=object)
        shapely.prepare(geoms)
        fields = [f for f in layer.spec.field_names if f in layer.gdf.columns]
        cols = {f: layer.gdf[f].tolist() for f in fields}
        records = [{f: clean(cols[f][i]) for f in fields} for i in range(len(layer.gdf))]
        return cls(layer, geoms, STRtree(geoms), [int(i) for i in layer.gdf.index], records)

    def hit(self, pos: int, **extra) -> dict:
        """One result row: layer, feature id, name and properties, plus measured values."""
        props = self.records[pos]
        return {"layer": self.id, "layer_title": self.layer.spec.title, "id": self.fids[pos],
                "name": props.get("name"), **extra, "properties": props}

    def intersecting(self, geom: Geometry) -> np.ndarray:
        """Row positions of features sharing at least one point with ``geom`` (exact)."""
        cand = self.tree.query(geom)
        if len(cand) == 0:
            return cand
        keep = shapely.intersects(self.geoms[cand], geom)
        return np.sort(cand[keep])

    def within(self, geom: Geometry, distance_m: float) -> tuple[np.ndarray, np.ndarray]:
        """Row positions within ``distance_m`` of ``geom`` and their distances, nearest first."""
        cand = self.tree.query(geom, predicate="dwithin", distance=distance_m)
        if len(cand) == 0:
            return cand, np.empty(0)
        dist = shapely.distance(self.geoms[cand], geom)
        order = np.lexsort((cand, dist))
        return cand[order], dist[order]


class QueryEngine:
    """Spatial queries over every layer of one store (build it with :func:`engine_for`)."""

    def __init__(self, store: LayerStore, reuse: "QueryEngine | None" = None):
        self.store = store
        self.etag = store.etag
        old = reuse.layers if reuse is not None else {}
        # A layer the store still holds unchanged (same object) keeps its metric copy.
        self.layers: dict[str, MetricLayer] = {
            lyr.id: old[lyr.id] if lyr.id in old and old[lyr.id].layer is lyr else MetricLayer.build(lyr)
            for lyr in store}
        self._to_metric = transformer("CRS84", AREA_CRS)

    def get(self, layer_id: str) -> MetricLayer | None:
        """The metric layer, or None when the store does not have it (e.g. not built yet)."""
        return self.layers.get(layer_id)

    def select(self, ids: list[str] | None, kinds: tuple[str, ...] | None = None) -> list[MetricLayer]:
        """Layers named in ``ids`` (checked against the store: unknown ids raise UnknownLayer)."""
        if ids:
            return [self.layers[self.store.get(i).id] for i in ids]
        return [m for m in self.layers.values() if kinds is None or m.geometry in kinds]

    def point_to_metric(self, lon: float, lat: float) -> Geometry:
        x, y = self._to_metric.transform(lon, lat)
        return shapely.points(x, y)

    def at_point(self, lon: float, lat: float, layers: list[str] | None = None) -> list[dict]:
        """Every feature of every polygon layer covering the point (boundary included)."""
        pt = self.point_to_metric(lon, lat)
        out: list[dict] = []
        for m in self.select(layers, ("polygon",)):
            if m.geometry != "polygon":
                continue
            out.extend(m.hit(int(p)) for p in m.intersecting(pt))
        return out

    def intersecting(self, geom_wgs84: Geometry, layers: list[str] | None = None) -> list[dict]:
        """Features touching a geometry; for polygon/polygon pairs the shared area in m²."""
        g = to_metric(geom_wgs84)
        area = float(shapely.area(g))
        out: list[dict] = []
        for m in self.select(layers):
            for p in m.intersecting(g):
                extra: dict = {}
                if area > 0 and m.geometry == "polygon":
                    ov = float(shapely.area(shapely.intersection(m.geoms[p], g)))
                    extra = {"overlap_m2": round(ov, 1), "share_of_input": round(ov / area, 6)}
                elif m.geometry == "line":
                    inside = shapely.length(shapely.intersection(m.geoms[p], g))
                    extra = {"length_inside_m": round(float(inside), 1)}
                out.append(m.hit(int(p), **extra))
        return out

    def nearby(self, geom_metric: Geometry, distance_m: float, layers: list[str] | None = None,
               exclude: tuple[str, int] | None = None, limit: int | None = None) -> list[dict]:
        """Features within ``distance_m`` of a metric geometry, nearest first across layers."""
        rows: list[tuple[float, str, int, dict]] = []
        for m in self.select(layers):
            pos, dist = m.within(geom_metric, distance_m)
            for p, d in zip(pos.tolist(), dist.tolist()):
                if exclude and (m.id, m.fids[p]) == exclude:
                    continue
                rows.append((d, m.id, m.fids[p], m.hit(p, distance_m=round(d, 1))))
        rows.sort(key=lambda r: (r[0], r[1], r[2]))
        hits = [r[3] for r in rows]
        return hits[:limit] if limit else hits

    def feature_metric(self, layer_id: str, fid: int) -> Geometry:
        """One feature's metric geometry (raises UnknownLayer / KeyError when absent)."""
        m = self.layers[self.store.get(layer_id).id]
        pos = m.position.get(fid)
        if pos is None:
            raise KeyError(f"{layer_id} has no feature {fid}")
        return m.geoms[pos]


_ENGINES: "weakref.WeakKeyDictionary[LayerStore, QueryEngine]" = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def engine_for(store: LayerStore) -> QueryEngine:
    """The engine of a store, built on first use and kept as long as the store lives.

    When a layer of the store is reloaded (an import changes the etag), the engine is rebuilt
    for the changed layers only.
    """
    eng = _ENGINES.get(store)
    if eng is None or eng.etag != store.etag:
        with _LOCK:
            eng = _ENGINES.get(store)
            if eng is None or eng.etag != store.etag:
                eng = _ENGINES[store] = QueryEngine(store, reuse=eng)
    return eng
