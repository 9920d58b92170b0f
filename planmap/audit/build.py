"""``planmap build`` keeps the accounts and the audit trail, and records what it replaced.

The build writes a fresh GeoPackage and renames it over the old one; the tables that are not
layers (``planmap_tokens``, the audit tables) would vanish with the old file. :class:`BuildAudit`
runs on the new file before the rename: it copies those tables over, then appends one record per
``--replace``\\ d layer (op ``build-replace``, every feature before and after) or, for a plain
rebuild of a file that has accounts or a trail, one ``build`` record naming no features (a
plain build of a file without them leaves the new file as the build wrote it).
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from ..auth.tokens import SCHEMA as TOKEN_SCHEMA
from . import log

CARRIED = ("planmap_tokens", "planmap_audit", "planmap_audit_fid", "planmap_audit_head")


def _tables(con: sqlite3.Connection, schema: str) -> dict[str, str]:
    return dict(con.execute(f"SELECT name, sql FROM {schema}.sqlite_master WHERE type = 'table'"))


def _has_trail(path: Path) -> bool:
    if not path.exists():
        return False
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return bool(set(_tables(con, "main")) & set(CARRIED))
    finally:
        con.close()


@dataclass
class BuildAudit:
    replaced: list[str] = field(default_factory=list)
    actor: object = None

    def __call__(self, new: Path, path: Path) -> None:
        from ..edit.rows import collection, read_rows  # noqa: PLC0415

        actor = self.actor or log.local_actor()
        if not self.replaced and not _has_trail(Path(path)):
            return  # a plain build over a file without accounts or trail: nothing to keep
        con = sqlite3.connect(new, isolation_level=None)
        try:
            old_rows: dict[str, list] = {}
            if Path(path).exists():
                con.execute("ATTACH DATABASE ? AS old", (str(path),))
            con.execute("BEGIN IMMEDIATE")
            if Path(path).exists():
                old = _tables(con, "old")
                for name in CARRIED:
                    if name in old:
                        con.execute(old[name])
                        con.execute(f'INSERT INTO main."{name}" SELECT * FROM old."{name}"')
                for layer in self.replaced:
                    if layer in old:
                        old_con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
                        try:
                            old_rows[layer] = read_rows(old_con, layer)
                        finally:
                            old_con.close()
            con.execute(TOKEN_SCHEMA)
            if self.replaced:
                for layer in self.replaced:
                    after = read_rows(con, layer)
                    before = old_rows.get(layer, [])
                    fids = [r[0] for r in before] + [r[0] for r in after]
                    log.append(con, Path(path), actor, "build-replace", layer, fids,
                               collection(before), collection(after))
            else:
                log.append(con, Path(path), actor, "build", None, [], None, None)
            con.execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise
        finally:
            con.close()
