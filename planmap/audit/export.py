"""The audit trail inside an export, for admins only.

``/export/planmap.gpkg`` is built from the served layers, so it never holds the accounts or the
trail. Fetched with an admin token, the file also carries ``planmap_audit`` (registered as an
attributes table, so QGIS lists it beside the layers) and its chain head, which
``planmap audit verify`` can check given the key.
"""
from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

TABLES = ("planmap_audit", "planmap_audit_head")


def with_audit(gpkg_bytes: bytes, source: Path) -> bytes:
    """``gpkg_bytes`` with the audit tables of ``source`` added."""
    with tempfile.TemporaryDirectory(prefix="planmap-audit-export-") as d:
        out = Path(d) / "planmap.gpkg"
        out.write_bytes(gpkg_bytes)
        con = sqlite3.connect(out, isolation_level=None)
        try:
            con.execute("ATTACH DATABASE ? AS src", (str(source),))
            present = {r[0] for r in con.execute(
                "SELECT name FROM src.sqlite_master WHERE type = 'table'")}
            con.execute("BEGIN")
            for name in TABLES:
                if name not in present:
                    continue
                sql = con.execute("SELECT sql FROM src.sqlite_master WHERE name = ?", (name,)).fetchone()[0]
                con.execute(sql)
                con.execute(f'INSERT INTO main."{name}" SELECT * FROM src."{name}"')
            if "planmap_audit" in present:
                con.execute(
                    "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, "
                    "last_change) VALUES ('planmap_audit', 'attributes', 'planmap_audit', "
                    "'Audit trail: one hash-chained record per change (who, when, what, before, "
                    "after)', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))")
            con.execute("COMMIT")
        finally:
            con.close()
        return out.read_bytes()
