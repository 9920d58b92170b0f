"""Append features to a GeoPackage table in one SQLite transaction.

GDAL writes GeoPackages with an R-tree index kept up by triggers that call ``ST_IsEmpty``,
``ST_MinX`` … — functions GDAL registers in its own connection. We register the same functions
here, so inserts through Python's ``sqlite3`` keep the index right, and all rows land or none do.
"""
from __future__ import annotations

import contextlib

import sqlite3
import struct
from functools import lru_cache
from pathlib import Path
from typing import Iterator

import shapely


def gpkg_blob(geom, srs_id: int) -> bytes | None:
    """A GeoPackage geometry blob (header without envelope, little-endian WKB), None for no geometry."""
    if geom is None:
        return None
    flags = 0x01 | (0x10 if geom.is_empty else 0)
    return b"GP" + bytes([0, flags]) + struct.pack("<i", srs_id) + shapely.to_wkb(geom, byte_order=1)


_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


def _geom(blob: bytes | None):
    if blob is None:
        return None
    flags = blob[3]
    offset = 8 + _ENVELOPE_BYTES.get((flags >> 1) & 0x07, 0)
    return shapely.from_wkb(bytes(blob[offset:]))


@lru_cache(maxsize=16)
def _bounds(blob: bytes) -> tuple[float, float, float, float] | None:
    """Bounds of a blob; the R-tree triggers ask for each of the four in turn, hence the cache."""
    flags = blob[3]
    if flags & 0x10:
        return None
    offset = 8 + _ENVELOPE_BYTES.get((flags >> 1) & 0x07, 0)
    if blob[offset] == 1 and struct.unpack_from("<I", blob, offset + 1)[0] == 1:  # LE 2D point
        x, y = struct.unpack_from("<dd", blob, offset + 5)
        return (x, y, x, y)
    g = _geom(blob)
    return None if g is None or g.is_empty else g.bounds


def _bound(i: int):
    def f(blob):
        b = None if blob is None else _bounds(bytes(blob))
        return None if b is None else b[i]
    return f


def connect(path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(path, isolation_level=None, timeout=30)
    con.create_function("ST_IsEmpty", 1, lambda b: 1 if b is None or _bounds(bytes(b)) is None else 0)
    for name, i in (("ST_MinX", 0), ("ST_MinY", 1), ("ST_MaxX", 2), ("ST_MaxY", 3)):
        con.create_function(name, 1, _bound(i))
    return con


@contextlib.contextmanager
def transaction(path: Path) -> Iterator[sqlite3.Connection]:
    """One write transaction on the GeoPackage: committed when the block ends, rolled back (and
    the error re-raised) when it fails, so an import or an edit lands whole or not at all.
    ``BEGIN IMMEDIATE`` takes the write lock at once, so concurrent writers wait, never interleave."""
    con = connect(path)
    try:
        con.execute("BEGIN IMMEDIATE")
        yield con
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.close()


def geometry_column(con: sqlite3.Connection, table: str) -> tuple[str, int]:
    row = con.execute("SELECT column_name, srs_id FROM gpkg_geometry_columns WHERE table_name = ?",
                      (table,)).fetchone()
    if row is None:
        raise LookupError(f"no layer {table!r} in the GeoPackage")
    return row[0], int(row[1])


def existing_values(con: sqlite3.Connection, table: str, column: str) -> set[str]:
    return {r[0] for r in con.execute(f'SELECT "{column}" FROM "{table}"') if r[0] is not None}


def insert_features(con: sqlite3.Connection, table: str, rows: list[dict]) -> None:
    """Insert rows (dicts with a ``geometry`` key) inside the caller's open transaction."""
    if not rows:
        return
    geom_col, srs_id = geometry_column(con, table)
    columns = {r[1] for r in con.execute(f'PRAGMA table_info("{table}")')}
    names = [k for k in rows[0] if k != "geometry" and k in columns]
    sql = (f'INSERT INTO "{table}" ("{geom_col}", ' + ", ".join(f'"{n}"' for n in names)
           + ") VALUES (?" + ", ?" * len(names) + ")")
    con.executemany(sql, ([gpkg_blob(r["geometry"], srs_id)] + [r.get(n) for n in names]
                          for r in rows))
    # GeoPackage §1.1.3.1.1: last_change says when the table's content last changed. Readers
    # (planmap's own replicas, QGIS) use it to tell a data change from a mere touch of the file.
    con.execute("UPDATE gpkg_contents SET last_change = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
                "WHERE table_name = ?", (table,))
