"""Who imported a file, stamped on its rows by the server, and the import's audit record.

A client names its upload; that name alone must not decide a row's provenance (an upload named
``seed`` would pass for curated data). So the server writes ``origin`` as
``FILE · sha256:HASH16 · ACCOUNT`` and appends ``· sha256:HASH · ACCOUNT`` to each row's
``source`` (``FILE:row N``): the account comes from the token, the hash from the bytes received.
The import's dedup key is unchanged, so importing the same file again still adds nothing.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd

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
        from ..edit.rows import collection, read_rows  # noqa: PLC0415 - edit imports imports/

        con.execute("CREATE TEMP TABLE IF NOT EXISTS _planmap_new_keys (k TEXT PRIMARY KEY)")
        con.execute("DELETE FROM _planmap_new_keys")
        con.executemany("INSERT OR IGNORE INTO _planmap_new_keys VALUES (?)",
                        ((r["import_key"],) for r in rows))
        fids = [r[0] for r in con.execute(
            f'SELECT t.rowid FROM "{layer}" t JOIN _planmap_new_keys k ON t.import_key = k.k')]
        after = collection(read_rows(con, layer, fids))
        log.append(con, gpkg, self.actor, "import", layer, fids, None, after)
