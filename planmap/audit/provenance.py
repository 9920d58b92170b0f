"""Who imported a file, stamped on its rows by the server, and the import's audit record.

A client names its upload; that name alone must not decide a row's provenance (an upload named
``seed`` would pass for curated data). So the server writes ``origin`` as
``FILE · sha256:HASH16 · ACCOUNT`` and appends ``· sha256:HASH · ACCOUNT`` to each row's
``source`` (``FILE:row N``): the account comes from the token, the hash from the bytes received.
The import's dedup key is unchanged, so importing the same file again still adds nothing.
"""
from __future__ import annotations

import io
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import orjson

from . import log


@dataclass(frozen=True)
class ImportProvenance:
    """Passed to the import by its caller (the HTTP route, the CLI): the account behind it."""

    actor: object  # an Account or a log.Actor: .name and .remote

    def stamp(self, gdf: gpd.GeoDataFrame, digest: str, filename: str) -> gpd.GeoDataFrame:
        """``digest``: the SHA-256 (hex) of the file's bytes as received."""
        if gdf.empty:
            return gdf
        gdf = gdf.copy()
        gdf["origin"] = f"{filename} · sha256:{digest[:16]} · {self.actor.name}"
        gdf["source"] = [f"{s} · sha256:{digest} · {self.actor.name}" for s in gdf["source"]]
        return gdf

    def record(self, con: sqlite3.Connection, gpkg: Path, layer: str, rows: list[dict]) -> None:
        """The import's audit record, inside the import's transaction (after its inserts)."""
        if not rows:
            return
        con.execute("CREATE TEMP TABLE IF NOT EXISTS _planmap_new_keys (k TEXT PRIMARY KEY)")
        con.execute("DELETE FROM _planmap_new_keys")
        con.executemany("INSERT OR IGNORE INTO _planmap_new_keys VALUES (?)",
                        ((r["import_key"],) for r in rows))
        fids = sorted(r[0] for r in con.execute(
            f'SELECT t.rowid FROM "{layer}" t JOIN _planmap_new_keys k ON t.import_key = k.k'))
        log.append(con, gpkg, self.actor, "import", layer, fids, None, _collection_text(con, layer, fids))


CHUNK = 1_000  # rows turned into GeoJSON at a time: memory follows the chunk, not the import


def _collection_text(con: sqlite3.Connection, layer: str, fids: list[int]) -> "log.JsonText | None":
    """The imported rows as a FeatureCollection, written exactly as the trail writes one (sorted
    keys), a chunk of rows at a time: a 100,000-row import never holds 100,000 feature dicts."""
    from ..edit.rows import as_feature, read_rows  # noqa: PLC0415 - edit imports imports/

    if not fids:
        return None
    # One growing buffer, not a list of orjson results: each result keeps orjson's ~8 KB output
    # buffer, so 100,000 small features held as a list took 800 MB for 64 MB of text.
    buf = io.BytesIO()
    buf.write(b'{"features":[')
    for i in range(0, len(fids), CHUNK):
        for r in read_rows(con, layer, fids[i:i + CHUNK]):
            if buf.tell() > 13:
                buf.write(b",")
            buf.write(orjson.dumps(as_feature(*r), option=orjson.OPT_SORT_KEYS))
    buf.write(b'],"type":"FeatureCollection"}')
    return log.JsonText(buf.getvalue().decode())
