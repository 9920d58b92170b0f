"""The one layer store behind every route: the API, the map and the exports read layers here.

A :class:`LayerStore` loads every registered layer from a GeoPackage into memory once (the
planning layers are a few MB), builds a spatial index per layer, and answers the queries the
routes need: bbox windows, single features, the full layer. Keeping one store means the API, the
map page and the exports can never disagree about a feature.
"""
from __future__ import annotations

import hashlib
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from shapely import STRtree
from shapely.geometry import box

from .config import default_data_path
from .layers.registry import LayerSpec, load_registry


class UnknownLayer(KeyError):
    """A layer id that is not in the store; ``str()`` lists the known ids."""

    def __init__(self, layer_id: str, known: list[str]):
        super().__init__(layer_id)
        self.layer_id = layer_id
        self.known = known

    def __str__(self) -> str:
        return f"unknown layer {self.layer_id!r}; known layers: {', '.join(self.known)}"


@dataclass
class Layer:
    """One layer in memory: its registry spec, its features (WGS84) and a spatial index."""

    spec: LayerSpec
    gdf: gpd.GeoDataFrame  # index = feature id (int, stable across builds)
    _tree: STRtree | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def tree(self) -> STRtree:
        if self._tree is None:
            with self._lock:
                if self._tree is None:
                    self._tree = STRtree(self.gdf.geometry.values)
        return self._tree

    @property
    def geometries(self) -> np.ndarray:
        return self.gdf.geometry.values

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        if self.gdf.empty:
            return (116.7, 38.5, 118.1, 40.3)
        return tuple(float(v) for v in self.gdf.total_bounds)  # type: ignore[return-value]

    def __len__(self) -> int:
        return len(self.gdf)

    def positions_in_bbox(self, bbox: tuple[float, float, float, float]) -> np.ndarray:
        """Row positions of features intersecting a WGS84 bbox, in feature-id order."""
        hits = self.tree.query(box(*bbox), predicate="intersects")
        return np.sort(hits)

    def feature(self, fid: int):
        return self.gdf.loc[fid]


class LayerStore:
    """All layers, loaded from one GeoPackage."""

    def __init__(self, layers: dict[str, Layer], path: Path | None = None, etag: str = ""):
        self.layers = layers
        self.path = path
        self.etag = etag
        self._generation = 0
        self._file_key = _file_key(path) if path is not None and path.exists() else None
        self._content_key = _content_key(path, list(layers)) if self._file_key else None
        self._reload_lock = threading.Lock()

    @classmethod
    def from_gpkg(cls, path: str | Path | None = None) -> "LayerStore":
        path = Path(path) if path else default_data_path()
        if not path.exists():
            raise FileNotFoundError(f"{path}: no GeoPackage there; run `planmap build` or pass --data")
        recover_interrupted_write(path)
        present = {name for name, _ in pyogrio.list_layers(path)}
        layers: dict[str, Layer] = {}
        for spec in load_registry():
            if spec.id not in present:
                continue
            layers[spec.id] = Layer(spec, _read_layer(path, spec.id))
        return cls(layers, path, _file_etag(path))

    def reload_layer(self, layer_id: str) -> None:
        """Re-read one layer from the GeoPackage after a write (an import), and change the etag.

        Everything cached per store (query engine, map page, exports) is keyed by the etag, so
        a new etag is what makes the next request see the new rows.
        """
        if self.path is None:
            raise ValueError("this store has no GeoPackage to reload from")
        old = self.get(layer_id)
        self.layers[layer_id] = Layer(old.spec, _read_layer(self.path, layer_id))
        self._generation += 1
        self.etag = f"{_file_etag(self.path)}-{self._generation}"
        self._file_key = _file_key(self.path)
        self._content_key = _content_key(self.path, self.ids())

    def refresh_if_changed(self) -> bool:
        """Reload every layer if the GeoPackage changed on disk since it was read.

        Another process wrote it: a second replica's import, or `planmap build` replacing the
        file. One ``stat`` per request is the whole cost when nothing changed. A file that cannot
        be read right now (half-replaced) leaves the current layers in service.
        """
        if self.path is None:
            return False
        try:
            if _file_key(self.path) == self._file_key:
                return False
        except OSError:
            return False
        if not self._reload_lock.acquire(blocking=False):
            return False  # a reload or this process's import is under way: serve what we have
        try:
            try:
                key = _file_key(self.path)
                if key == self._file_key:
                    return False
                recover_interrupted_write(self.path)
                content = _content_key(self.path, self.ids())
                if key[0] == self._file_key[0] and content == self._content_key:
                    # Same file, same tables: another program only touched it (SpatiaLite, used
                    # by pygeoapi and QGIS, writes on every connection). Nothing to reload.
                    self._file_key = key
                    return False
                fresh = LayerStore.from_gpkg(self.path)
            except Exception:  # noqa: BLE001 - keep serving what we have; the next request retries
                return False
            self.layers = fresh.layers
            self._generation += 1
            self.etag = f"{fresh.etag}-{self._generation}"
            self._file_key, self._content_key = fresh._file_key, fresh._content_key
            return True
        finally:
            self._reload_lock.release()

    @contextmanager
    def writing(self):
        """Hold while this process writes the GeoPackage and reloads what it wrote (an import):
        requests meanwhile keep the current layers instead of each re-reading the whole file."""
        with self._reload_lock:
            yield

    def ids(self) -> list[str]:
        return list(self.layers)

    def get(self, layer_id: str) -> Layer:
        try:
            return self.layers[layer_id]
        except KeyError:
            raise UnknownLayer(layer_id, self.ids()) from None

    def __iter__(self):
        return iter(self.layers.values())

    def polygon_layers(self) -> list[Layer]:
        return [lyr for lyr in self if lyr.spec.geometry == "polygon"]

    def bounds(self) -> tuple[float, float, float, float]:
        b = np.array([lyr.bounds for lyr in self])
        return (b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max())


class InterruptedWriteError(RuntimeError):
    """A write to the GeoPackage was cut off and its rollback journal cannot be replayed here."""


def recover_interrupted_write(path: Path, timeout_s: float = 10.0) -> bool:
    """Roll back a write that was cut off (kill -9, power loss) before anyone reads the file.

    An import writes in one SQLite transaction with a rollback journal beside the file
    (``planmap.gpkg-journal``). If the writer dies mid-transaction the journal is "hot": the
    next *read-write* connection replays it and the file is as it was before the import. GDAL
    (and so pyogrio) opens for reading only, and a read-only connection cannot replay a journal,
    so it fails with "attempt to write a readonly database" and `serve` would never start again.
    Opening read-write once and reading the schema is what makes SQLite do the rollback. A
    journal that belongs to a write in progress in another process is not hot (that process
    holds its lock), and then this only waits for a moment to read. Returns whether a journal
    was there.
    """
    journal = path.with_name(path.name + "-journal")
    if not journal.exists():
        return False
    try:
        con = sqlite3.connect(path, timeout=timeout_s)
        try:
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            con.close()
    except sqlite3.OperationalError as exc:
        raise InterruptedWriteError(
            f"{path}: a write to this GeoPackage was interrupted and its journal {journal.name} "
            f"must be rolled back, which needs write access to the file and its folder ({exc}); "
            "run planmap once as a user who may write there") from None
    return True


def _read_layer(path: Path, layer_id: str) -> gpd.GeoDataFrame:
    gdf = pyogrio.read_dataframe(path, layer=layer_id, fid_as_index=True)
    gdf = gdf.set_crs("EPSG:4326", allow_override=True)
    gdf.index = gdf.index.astype(int)
    gdf.index.name = "fid"
    return gdf


def _file_key(path: Path) -> tuple[int, int, int]:
    stat = path.stat()
    return stat.st_ino, stat.st_size, stat.st_mtime_ns


def _content_key(path: Path, tables: list[str]) -> tuple:
    """What the layers' content looks like: each table's ``last_change``, row count and top id.

    Read only when the file's stat changed, to tell a data change from a touch of the file.
    """
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        changes = dict(con.execute("SELECT table_name, last_change FROM gpkg_contents"))
        return tuple((t, changes.get(t), *con.execute(f'SELECT count(*), max(rowid) FROM "{t}"').fetchone())
                     for t in sorted(tables) if t in changes)
    finally:
        con.close()


def _file_etag(path: Path) -> str:
    stat = path.stat()
    return hashlib.sha1(f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:16]


def union_geometry(layer: Layer):
    return shapely.union_all(layer.geometries)
