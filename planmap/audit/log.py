"""Append, read and verify the audit trail.

Every change (an import, a create, replace, update or delete through the API, a restore, a
``planmap build --replace``) appends one record in the same SQLite transaction as the change
itself, so there is never a change without its record or a record without its change. A record
holds who (the token's name), when (UTC), where from (the client address, or ``cli@host``), the
operation, the layer, the feature ids, and the features before and after as GeoJSON
FeatureCollections.

Records form a chain: ``hash = SHA-256(seq, time, user, remote, op, layer, fids, before, after,
prev_hash)`` over the exact stored text, and ``prev_hash`` is the hash of the record before.
Editing or deleting any record breaks the chain from there on; the head (last seq and hash) is
sealed with an HMAC under a key kept outside the GeoPackage (:mod:`.key`), so cutting records
off the end is detected too. An append first checks the head, so a tampered trail is never
sealed over by a later change.
"""
from __future__ import annotations

import hashlib
import hmac
import socket
import sqlite3
import getpass
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

import orjson

from .key import ensure_key, key_path, read_key

GENESIS = "0" * 64
SCHEMA = (
    """CREATE TABLE IF NOT EXISTS planmap_audit (
        seq INTEGER PRIMARY KEY, time TEXT NOT NULL, user TEXT NOT NULL, remote TEXT,
        op TEXT NOT NULL, layer TEXT, fids TEXT NOT NULL, before TEXT, after TEXT,
        prev_hash TEXT NOT NULL, hash TEXT NOT NULL)""",
    # which records touch which feature: an index for /history, derived from `fids` (not chained)
    """CREATE TABLE IF NOT EXISTS planmap_audit_fid (
        seq INTEGER NOT NULL, layer TEXT NOT NULL, fid INTEGER NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS planmap_audit_fid_idx ON planmap_audit_fid (layer, fid)",
    """CREATE TABLE IF NOT EXISTS planmap_audit_head (
        id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL,
        mac TEXT NOT NULL)""",
)
COLUMNS = ("seq", "time", "user", "remote", "op", "layer", "fids", "before", "after",
           "prev_hash", "hash")
OPS = ("import", "create", "replace", "update", "delete", "restore", "build", "build-replace")


class AuditError(RuntimeError):
    """The trail cannot take a record (tampered head, lost key); no change is written."""


@dataclass(frozen=True)
class Actor:
    """Who made a change and from where; an API :class:`~planmap.auth.Account` fits too."""

    name: str
    remote: str = ""


def local_actor() -> Actor:
    """The person at the command line: ``local:USER`` from ``cli@HOST``."""
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in a container is not an error
        user = "unknown"
    return Actor(f"local:{user}", f"cli@{socket.gethostname()}")


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class JsonText(str):
    """GeoJSON already written as the trail writes it (sorted keys, orjson): stored as it is, so
    a large import's features can be serialised a chunk at a time instead of held as dicts."""


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, JsonText):
        return value
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def record_hash(seq: int, time: str, user: str, remote: str | None, op: str, layer: str | None,
                fids: str, before: str | None, after: str | None, prev_hash: str) -> str:
    payload = orjson.dumps([seq, time, user, remote, op, layer, fids, before, after, prev_hash])
    return hashlib.sha256(payload).hexdigest()


def _mac(key: bytes, seq: int, digest: str) -> str:
    return hmac.new(key, f"{seq}:{digest}".encode(), hashlib.sha256).hexdigest()


def ensure_schema(con: sqlite3.Connection) -> None:
    for sql in SCHEMA:
        con.execute(sql)


def _head_problem(con: sqlite3.Connection, key: bytes | None) -> str | None:
    """Why the head does not seal the last record, or None when it does (or the trail is empty)."""
    last = con.execute("SELECT seq, hash FROM planmap_audit ORDER BY seq DESC LIMIT 1").fetchone()
    head = con.execute("SELECT seq, hash, mac FROM planmap_audit_head WHERE id = 1").fetchone()
    if last is None and head is None:
        return None
    if head is None:
        return "the chain head is missing"
    if last is None:
        return f"the head names record {head[0]} but the trail is empty: records were deleted"
    if key is None:
        return "the audit key is missing (PLANMAP_AUDIT_KEY or the .audit-key file): the head cannot be checked"
    if not hmac.compare_digest(head[2], _mac(key, head[0], head[1])):
        return "the chain head's seal does not match: the head was edited"
    if (head[0], head[1]) != (last[0], last[1]):
        return (f"the sealed head names record {head[0]} but the last record is {last[0]}: "
                "records were deleted or rewritten at the end")
    return None


def append(con: sqlite3.Connection, gpkg: Path, actor, op: str, layer: str | None,
           fids: Iterable[int], before: dict | None, after: dict | None) -> int:
    """Append one record inside the caller's open transaction; answers its ``seq``."""
    if op not in OPS:
        raise ValueError(op)
    ensure_schema(con)
    problem = _head_problem(con, read_key(gpkg))
    if problem:
        raise AuditError(f"the audit trail of {gpkg.name} fails its check ({problem}); no change "
                         "is written until an admin runs `planmap audit verify` and repairs it")
    key = ensure_key(gpkg)
    last = con.execute("SELECT seq, hash FROM planmap_audit ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    fid_list = sorted({int(f) for f in fids})
    row = (seq, _now(), actor.name, getattr(actor, "remote", "") or None, op, layer,
           _text(fid_list), _text(before), _text(after), prev)
    digest = record_hash(*row)
    con.execute(f"INSERT INTO planmap_audit ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * 11)})",
                (*row, digest))
    if layer is not None:
        con.executemany("INSERT INTO planmap_audit_fid VALUES (?, ?, ?)",
                        ((seq, layer, f) for f in fid_list))
    con.execute("INSERT OR REPLACE INTO planmap_audit_head VALUES (1, ?, ?, ?)",
                (seq, digest, _mac(key, seq, digest)))
    return seq


@dataclass
class Verification:
    records: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def _has_table(con: sqlite3.Connection, name: str) -> bool:
    return con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                       (name,)).fetchone() is not None


def verify(gpkg: Path) -> Verification:
    """Check every record's hash and link, the sequence, and the sealed head."""
    con = sqlite3.connect(f"file:{gpkg}?mode=ro", uri=True)
    try:
        if not _has_table(con, "planmap_audit"):
            problems = [] if not key_path(gpkg).exists() else [
                "an audit key exists beside the file but the audit tables are gone: the trail was removed"]
            return Verification(0, problems)
        problems: list[str] = []
        prev, expected, n = GENESIS, 1, 0
        for row in con.execute(f"SELECT {', '.join(COLUMNS)} FROM planmap_audit ORDER BY seq"):
            n += 1
            seq = row[0]
            if seq != expected:
                problems.append(f"record {expected} is missing (the next is {seq})")
            if row[9] != prev:
                problems.append(f"record {seq}: its prev_hash does not match the record before")
            if record_hash(*row[:10]) != row[10]:
                problems.append(f"record {seq}: its content does not match its hash (edited)")
            prev, expected = row[10], seq + 1
        if not _has_table(con, "planmap_audit_head"):
            problems.append("the chain head table is missing")
        else:
            head = _head_problem(con, read_key(gpkg))
            if head:
                problems.append(head)
        return Verification(n, problems)
    finally:
        con.close()


def _record(row: tuple, with_features: bool = True) -> dict:
    rec = dict(zip(COLUMNS, row))
    rec["fids"] = orjson.loads(rec["fids"])
    for k in ("before", "after"):
        rec[k] = orjson.loads(rec[k]) if with_features and rec[k] is not None else rec[k]
    return rec


def _read(gpkg: Path) -> sqlite3.Connection | None:
    con = sqlite3.connect(f"file:{gpkg}?mode=ro", uri=True, timeout=30)
    if not _has_table(con, "planmap_audit"):
        con.close()
        return None
    return con


def query(gpkg: Path, user: str | None = None, layer: str | None = None, since: str | None = None,
          until: str | None = None, limit: int = 100, offset: int = 0,
          with_features: bool = True) -> tuple[int, list[dict]]:
    """(number matched, one page of records, oldest first); without the features, ``before``
    and ``after`` are left out (an import's record holds every row it added)."""
    con = _read(gpkg)
    if con is None:
        return 0, []
    where, args = [], []
    for cond, value in (("user = ?", user), ("layer = ?", layer), ("time >= ?", since),
                        ("time <= ?", until)):
        if value is not None:
            where.append(cond)
            args.append(value)
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    try:
        matched = con.execute(f"SELECT count(*) FROM planmap_audit{clause}", args).fetchone()[0]
        cols = [c if with_features or c not in ("before", "after") else "NULL" for c in COLUMNS]
        rows = con.execute(f"SELECT {', '.join(cols)} FROM planmap_audit{clause} "
                           "ORDER BY seq LIMIT ? OFFSET ?", (*args, limit, offset)).fetchall()
        out = [_record(r) for r in rows]
        if not with_features:
            for rec in out:
                del rec["before"], rec["after"]
        return matched, out
    finally:
        con.close()


def _feature(collection: dict | None, fid: int) -> dict | None:
    for f in (collection or {}).get("features", []):
        if f.get("id") == fid:
            return f
    return None


def history(gpkg: Path, layer: str, fid: int) -> list[dict]:
    """Every version of one feature, numbered 1, 2, … oldest first.

    Version 1 is the feature as it was before its first recorded change when it predates the
    trail (a built feature); each record touching it adds one version (a deletion's version has
    ``feature: null``).
    """
    con = _read(gpkg)
    if con is None:
        return []
    try:
        rows = con.execute(
            f"SELECT {', '.join('a.' + c for c in COLUMNS)} FROM planmap_audit a WHERE a.seq IN "
            "(SELECT seq FROM planmap_audit_fid WHERE layer = ? AND fid = ?) ORDER BY a.seq",
            (layer, fid)).fetchall()
    finally:
        con.close()
    versions: list[dict] = []
    for i, row in enumerate(rows):
        rec = _record(row)
        if i == 0:
            first = _feature(rec["before"], fid)
            if first is not None:
                versions.append({"op": "original", "user": None, "time": None, "seq": None,
                                 "feature": first})
        versions.append({"op": rec["op"], "user": rec["user"], "time": rec["time"],
                         "seq": rec["seq"], "feature": _feature(rec["after"], fid)})
    for n, v in enumerate(versions, start=1):
        v["version"] = n
    return versions
