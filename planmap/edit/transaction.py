"""Create, replace, update, delete and restore one feature: change and audit record in one
SQLite transaction, then the store's layer is reloaded.

The store is per-process memory over the GeoPackage, so the GeoPackage is the truth: the current
feature (for the If-Match check and the audit's "before") is read inside the write transaction
(``BEGIN IMMEDIATE``: one writer at a time, across processes too), never from memory that another
replica may have made stale.
"""
from __future__ import annotations

import sqlite3
import threading
from copy import deepcopy
from dataclasses import dataclass
from typing import Any, Callable

from shapely.geometry import shape

from .. import audit
from ..imports import gpkg_write
from ..layers.joins import store_layers
from ..store import Layer, LayerStore
from .rows import as_feature, collection, columns, feature_etag, read_rows
from .validate import Invalid, check_feature_body, prepare

_lock = threading.Lock()


class EditError(Exception):
    """A write refused: HTTP status, what to change, and headers (``Allow`` for a 405)."""

    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers


@dataclass
class Result:
    fid: int
    feature: dict | None  # None after a delete
    etag: str | None


def editable(store: LayerStore, layer_id: str) -> Layer:
    layer = store.get(layer_id)
    if not layer.spec.extra.get("editable"):
        ids = [lyr.id for lyr in store if lyr.spec.extra.get("editable")]
        raise EditError(405, f"{layer_id} is read-only; editable layers: {', '.join(ids) or 'none'}",
                        {"Allow": "GET, HEAD"})
    return layer


def etag_matches(if_match: str | None, etag: str) -> bool:
    """RFC 9110 If-Match with strong comparison; no header matches (clients such as OWSLib
    send none)."""
    if if_match is None or not if_match.strip():
        return True
    tags = [t.strip() for t in if_match.split(",")]
    return "*" in tags or etag in tags


def _check_match(if_match: str | None, props: dict, geom) -> None:
    etag = feature_etag(props, geom)
    if not etag_matches(if_match, etag):
        raise EditError(412, f"the feature changed since you read it (its ETag is now {etag}); "
                             "GET it again, redo your change on it and send the new ETag")


def _current(con: sqlite3.Connection, layer_id: str, fid: int) -> tuple[dict, Any]:
    rows = read_rows(con, layer_id, [fid])
    if not rows:
        raise EditError(404, f"no feature {fid} in {layer_id}")
    return rows[0][1], rows[0][2]


def _write_row(con: sqlite3.Connection, table: str, fid: int, row: dict, geom, insert: bool) -> None:
    geom_col, srs_id = gpkg_write.geometry_column(con, table)
    pk = [r[1] for r in con.execute(f'PRAGMA table_info("{table}")') if r[5]][0]
    names = list(row)
    values = [gpkg_write.gpkg_blob(geom, srs_id)] + [row[n] for n in names]
    if insert:
        cols = ", ".join(f'"{c}"' for c in [pk, geom_col, *names])
        con.execute(f'INSERT INTO "{table}" ({cols}) VALUES (?{", ?" * (len(names) + 1)})',
                    [fid, *values])
    else:
        sets = ", ".join(f'"{c}" = ?' for c in [geom_col, *names])
        con.execute(f'UPDATE "{table}" SET {sets} WHERE "{pk}" = ?', [*values, fid])
    _touch(con, table)


def _touch(con: sqlite3.Connection, table: str) -> None:
    con.execute("UPDATE gpkg_contents SET last_change = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
                "WHERE table_name = ?", (table,))


def _next_fid(con: sqlite3.Connection, table: str) -> int:
    """One past every id the layer has ever used, so a new feature never inherits the history
    of a deleted one."""
    top = con.execute(f'SELECT max(rowid) FROM "{table}"').fetchone()[0] or 0
    try:
        audited = con.execute("SELECT max(fid) FROM planmap_audit_fid WHERE layer = ?",
                              (table,)).fetchone()[0] or 0
    except sqlite3.OperationalError:  # no audit trail yet
        audited = 0
    return max(top, audited) + 1


def _run(store: LayerStore, layer_id: str, work: Callable[[sqlite3.Connection], Result]) -> Result:
    with _lock:
        with gpkg_write.transaction(store.path) as con:
            result = work(con)
        store.reload_layer(layer_id)
    return result


def _after(con: sqlite3.Connection, layer_id: str, fid: int) -> tuple[Result, dict | None]:
    rows = read_rows(con, layer_id, [fid])
    if not rows:
        return Result(fid, None, None), None
    fid_, props, geom = rows[0]
    return Result(fid, as_feature(fid_, props, geom), feature_etag(props, geom)), collection(rows)


def _audit(con, store, actor, op, layer_id, fid, before, after) -> None:
    try:
        audit.append(con, store.path, actor, op, layer_id, [fid], before, after)
    except audit.AuditError as exc:
        raise EditError(503, str(exc)) from None


def _prepare(store, layer, con, props, geom, current, actor, keep_geometry=False):
    _, cols = columns(con, layer.id)
    try:
        return prepare(layer.spec, cols, props, geom, current, actor.name, store_layers(store),
                       keep_geometry=keep_geometry)
    except Invalid as exc:
        raise EditError(exc.status, exc.detail) from None


def _body(body: Any) -> tuple[dict, Any, bool]:
    try:
        return check_feature_body(body)
    except Invalid as exc:
        raise EditError(exc.status, exc.detail) from None


def create(store: LayerStore, layer_id: str, actor, body: Any) -> Result:
    layer = editable(store, layer_id)
    props, geom, _ = _body(body)

    def work(con):
        row, g = _prepare(store, layer, con, props, geom, None, actor)
        fid = _next_fid(con, layer_id)
        _write_row(con, layer_id, fid, row, g, insert=True)
        result, after = _after(con, layer_id, fid)
        _audit(con, store, actor, "create", layer_id, fid, None, after)
        return result

    return _run(store, layer_id, work)


def replace(store: LayerStore, layer_id: str, fid: int, actor, body: Any,
            if_match: str | None) -> Result:
    layer = editable(store, layer_id)
    props, geom, _ = _body(body)

    def work(con):
        current = _current(con, layer_id, fid)
        _check_match(if_match, *current)
        return _rewrite(con, store, layer, layer_id, fid, props, geom, current, actor, "replace")

    return _run(store, layer_id, work)


def _rewrite(con, store: LayerStore, layer, layer_id: str, fid: int, props, geom, current, actor,
             op: str) -> Result:
    """Write a feature's new version over ``current`` (checked and joined as any write) and
    append the audit record with both versions; shared by replace and update."""
    before = collection([(fid, *current)])
    row, g = _prepare(store, layer, con, props, geom, current, actor)
    _write_row(con, layer_id, fid, row, g, insert=False)
    result, after = _after(con, layer_id, fid)
    _audit(con, store, actor, op, layer_id, fid, before, after)
    return result


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON Merge Patch."""
    if not isinstance(patch, dict):
        return deepcopy(patch)
    out = dict(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


def update(store: LayerStore, layer_id: str, fid: int, actor, patch: Any,
           if_match: str | None) -> Result:
    layer = editable(store, layer_id)
    if not isinstance(patch, dict):
        raise EditError(400, "a merge patch is a JSON object, e.g. "
                             '{"properties": {"investment_yi": 12.5}}')

    def work(con):
        current = _current(con, layer_id, fid)
        _check_match(if_match, *current)
        feature = as_feature(fid, *current)
        merged = merge_patch(feature, patch)
        merged["type"] = "Feature"
        # a property set to null in the patch means "no value", not "drop the column"
        props_patch = patch.get("properties") if isinstance(patch.get("properties"), dict) else {}
        props = dict(merged.get("properties") or {})
        props.update({k: None for k, v in props_patch.items() if v is None})
        merged["properties"] = props
        if "geometry" in patch and patch["geometry"] is None:
            merged["geometry"] = None
        p, geom, _ = _body(merged)
        return _rewrite(con, store, layer, layer_id, fid, p, geom, current, actor, "update")

    return _run(store, layer_id, work)


def delete(store: LayerStore, layer_id: str, fid: int, actor, if_match: str | None) -> Result:
    editable(store, layer_id)

    def work(con):
        current = _current(con, layer_id, fid)
        _check_match(if_match, *current)
        before = collection([(fid, *current)])
        con.execute(f'DELETE FROM "{layer_id}" WHERE rowid = ?', (fid,))
        _touch(con, layer_id)
        _audit(con, store, actor, "delete", layer_id, fid, before, None)
        return Result(fid, None, None)

    return _run(store, layer_id, work)


def restore(store: LayerStore, layer_id: str, fid: int, version: int, actor) -> Result:
    """Write a past version back, exactly as it was stored, as a new (audited) change."""
    editable(store, layer_id)
    versions = audit.history(store.path, layer_id, fid)
    if not versions:
        raise EditError(404, f"{layer_id} {fid} has no recorded history")
    if not 1 <= version <= len(versions):
        raise EditError(404, f"{layer_id} {fid} has versions 1–{len(versions)}")
    old = versions[version - 1]["feature"]
    if old is None:
        raise EditError(409, f"version {version} of {layer_id} {fid} is its deletion; restore "
                             "a version that has the feature")

    def work(con):
        _, cols = columns(con, layer_id)
        rows = read_rows(con, layer_id, [fid])
        before = collection(rows)
        row = {c: old["properties"].get(c) for c in cols}
        geom = shape(old["geometry"]) if old.get("geometry") else None
        _write_row(con, layer_id, fid, row, geom, insert=not rows)
        result, after = _after(con, layer_id, fid)
        _audit(con, store, actor, "restore", layer_id, fid, before, after)
        return result

    return _run(store, layer_id, work)
