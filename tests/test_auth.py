"""Accounts: every write and audit route against anonymous, viewer, editor and admin callers;
tokens stored as hashes; no cross-site writes from a browser."""
from __future__ import annotations

import http.server
import shutil
import sqlite3
import subprocess
import sys
import threading

import pytest
from fastapi.testclient import TestClient

from conftest import serving
from planmap.api.app import create_app
from planmap.auth import create_token
from planmap.config import DEFAULT_GPKG
from planmap.store import LayerStore

POINT = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [117.3912, 38.9923]},
         "properties": {"name": "权限测试泵站", "category": "water"}}
CSV = "name,lon,lat\n权限测试项目,117.2,39.1\n".encode()


@pytest.fixture()
def env(tmp_path):
    path = tmp_path / "planmap.gpkg"
    shutil.copy(DEFAULT_GPKG, path)
    store = LayerStore.from_gpkg(path)
    tokens = {role: create_token(path, f"{role}1", role) for role in ("viewer", "editor", "admin")}
    return store, TestClient(create_app(store)), tokens


def _h(tokens, who):
    return {} if who == "anonymous" else {"Authorization": f"Bearer {tokens[who]}"}


def _calls(client, headers):
    """One call per write or audit route; each fresh, so a success does not hide the next."""
    fid = client.post("/collections/projects/items", json=POINT,
                      headers=headers["editor"]).json()["id"]
    item = f"/collections/projects/items/{fid}"
    return {
        "create": lambda h: client.post("/collections/projects/items", json=POINT, headers=h),
        "replace": lambda h: client.put(item, json=POINT, headers=h),
        "update": lambda h: client.patch(item, content=b'{"properties": {"period": "2026"}}',
                                         headers={**h, "Content-Type": "application/merge-patch+json"}),
        "import": lambda h: client.post("/projects/import", files={"file": ("a.csv", CSV, "text/csv")},
                                        headers=h),
        "history": lambda h: client.get(f"{item}/history", headers=h),
        "restore": lambda h: client.post(f"{item}/history/1/restore", headers=h),
        "audit": lambda h: client.get("/audit", headers=h),
        "delete": lambda h: client.delete(item, headers=h),
    }


NEEDS = {"create": "editor", "replace": "editor", "update": "editor", "import": "editor",
         "history": "editor", "restore": "editor", "audit": "admin", "delete": "editor"}
RANK = {"anonymous": 0, "viewer": 1, "editor": 2, "admin": 3}


def test_every_write_and_audit_route_by_role(env):
    store, client, tokens = env
    headers = {who: _h(tokens, who) for who in RANK}
    calls = _calls(client, headers)
    for name, call in calls.items():
        for who in ("anonymous", "viewer", "editor", "admin"):
            r = call(headers[who])
            if who == "anonymous":
                expected = {401}
            elif RANK[who] < RANK[NEEDS[name]]:
                expected = {403}
            else:
                expected = {200, 201, 204}
            if name == "delete" and who == "admin":
                expected = {404}  # the editor deleted it a moment ago
            assert r.status_code in expected, (name, who, r.status_code, r.text)
            if r.status_code in (401, 403):
                assert r.headers["content-type"].startswith("application/problem+json")
                assert r.json()["status"] == r.status_code
            if r.status_code == 401:
                assert r.headers["www-authenticate"].startswith("Bearer")


def test_a_wrong_or_revoked_token_is_401_and_reads_stay_public(env, tmp_path):
    store, client, tokens = env
    r = client.post("/collections/projects/items", json=POINT,
                    headers={"Authorization": "Bearer pm_not-a-token"})
    assert r.status_code == 401 and "unknown or revoked" in r.json()["detail"]
    out = subprocess.run([sys.executable, "-m", "planmap.cli", "token", "revoke", "editor1",
                          "--data", str(store.path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    r = client.post("/collections/projects/items", json=POINT, headers=_h(tokens, "editor"))
    assert r.status_code == 401
    assert client.get("/collections/projects/items?limit=1").status_code == 200


def test_token_cli_prints_the_token_once_and_stores_only_its_hash(tmp_path):
    path = tmp_path / "planmap.gpkg"
    shutil.copy(DEFAULT_GPKG, path)
    store = LayerStore.from_gpkg(path)
    client = TestClient(create_app(store))  # running before the token exists
    out = subprocess.run([sys.executable, "-m", "planmap.cli", "token", "create", "--name",
                          "first-admin", "--role", "admin", "--data", str(path)],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    token = out.stdout.strip().splitlines()[-1]
    assert token.startswith("pm_") and len(token) > 40
    raw = path.read_bytes()
    assert token.encode() not in raw
    con = sqlite3.connect(path)
    assert con.execute("SELECT name, role FROM planmap_tokens").fetchall() == [("first-admin", "admin")]
    con.close()
    assert client.get("/audit", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    listed = subprocess.run([sys.executable, "-m", "planmap.cli", "token", "list", "--data", str(path)],
                            capture_output=True, text=True)
    assert "first-admin" in listed.stdout and token not in listed.stdout
    again = subprocess.run([sys.executable, "-m", "planmap.cli", "token", "create", "--name",
                            "first-admin", "--role", "viewer", "--data", str(path)],
                           capture_output=True, text=True)
    assert again.returncode == 2 and "exists" in again.stderr


def test_reads_can_require_a_viewer(env, monkeypatch):
    store, _, tokens = env
    monkeypatch.setenv("PLANMAP_READ_ROLE", "viewer")
    client = TestClient(create_app(store))
    assert client.get("/collections/projects/items?limit=1").status_code == 401
    assert client.get("/collections/projects/items?limit=1", headers=_h(tokens, "viewer")).status_code == 200
    assert client.get("/api").status_code == 200
    doc = client.get("/api").json()
    assert doc["paths"]["/collections/{collection_id}/items"]["get"]["security"] == [{"bearerAuth": []}]


def test_api_declares_the_bearer_scheme_on_each_protected_operation(client):
    doc = client.get("/api").json()
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for path, method in (("/collections/{collection_id}/items", "post"),
                         ("/collections/{collection_id}/items/{feature_id}", "put"),
                         ("/collections/{collection_id}/items/{feature_id}", "patch"),
                         ("/collections/{collection_id}/items/{feature_id}", "delete"),
                         ("/projects/import", "post"), ("/audit", "get"),
                         ("/collections/{collection_id}/items/{feature_id}/history", "get")):
        op = doc["paths"][path][method]
        assert {"bearerAuth": []} in op["security"], (path, method)
        assert {"401", "403"} <= set(op["responses"]), (path, method)
    assert "security" not in doc["paths"]["/collections/{collection_id}/items"]["get"]
    conf = client.get("/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete" in conf


def test_no_cors_unless_configured(env, monkeypatch):
    store, client, tokens = env
    pre = client.options("/collections/projects/items", headers={
        "Origin": "http://evil.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization"})
    assert "access-control-allow-origin" not in pre.headers
    monkeypatch.setenv("PLANMAP_CORS_ORIGINS", "https://map.example.cn")
    allowed = TestClient(create_app(store)).options("/collections/projects/items", headers={
        "Origin": "https://map.example.cn", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization"})
    assert allowed.headers["access-control-allow-origin"] == "https://map.example.cn"


ATTACK = """<!doctype html><meta charset="utf-8"><script>
async function go() {
  const fd = new FormData();
  fd.append('file', new Blob(['name,lon,lat\\n跨站项目,117.2,39.1\\n'], {type: 'text/csv'}), 'seed');
  const out = [];
  for (const [url, body] of [['/projects/import', fd], ['/collections/projects/items', fd]]) {
    try { await fetch('TARGET' + url, {mode: 'no-cors', method: 'POST', body, credentials: 'include'}); out.push('sent'); }
    catch (e) { out.push('error ' + e); }
  }
  document.title = 'done ' + out.join(',');
}
go();
</script>"""


@pytest.mark.browser
def test_a_cross_origin_no_cors_form_post_changes_nothing(tmp_path, browser):
    path = tmp_path / "planmap.gpkg"
    shutil.copy(DEFAULT_GPKG, path)
    store = LayerStore.from_gpkg(path)
    before = len(store.get("projects"))
    with serving(create_app(store)) as target:
        title, seen = _attack_from_another_origin(tmp_path, browser, target)
    port = target.rsplit(":", 1)[1]
    assert title == "done sent,sent"  # the browser did send both posts
    posted = [status for url, status in seen if f":{port}/" in url]
    assert posted == [401, 401]
    assert len(LayerStore.from_gpkg(path).get("projects")) == before
    con = sqlite3.connect(path)
    assert con.execute("SELECT count(*) FROM projects WHERE name = '跨站项目'").fetchone()[0] == 0
    con.close()


def _attack_from_another_origin(tmp_path, browser, target: str):
    """A page on 127.0.0.2 posts no-cors forms to ``target``; its title and the responses seen."""
    page_dir = tmp_path / "evil"
    page_dir.mkdir()
    (page_dir / "index.html").write_text(ATTACK.replace("TARGET", target), encoding="utf-8")
    seen: list[tuple[str, int]] = []

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw):
            super().__init__(*a, directory=str(page_dir), **kw)

        def log_message(self, *a):  # noqa: D401 - keep test output clean
            pass

    evil = http.server.ThreadingHTTPServer(("127.0.0.2", 0), Quiet)
    threading.Thread(target=evil.serve_forever, daemon=True).start()
    try:
        ctx = browser.new_context()
        page = ctx.new_page()
        page.on("response", lambda r: seen.append((r.url, r.status)))
        page.goto(f"http://127.0.0.2:{evil.server_address[1]}/index.html")
        page.wait_for_function("document.title.startsWith('done')", timeout=15000)
        title = page.title()
        ctx.close()
    finally:
        evil.shutdown()
    return title, seen



def test_an_anonymous_upload_is_refused_before_its_body_is_read(env):
    store, client, tokens = env
    read = []

    class Body:
        """A 50 MB upload that records how much of it the server pulled."""

        def __iter__(self):
            for _ in range(50):
                read.append(1)
                yield b"x" * 2**20

    r = client.post("/projects/import", content=Body(),
                    headers={"Content-Type": "multipart/form-data; boundary=zzz"})
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
    assert len(read) <= 2  # the client may have sent a chunk before the answer; never all 50
    # read-only POSTs stay open
    site = {"type": "Polygon", "coordinates": [[[117.40, 39.00], [117.45, 39.00], [117.45, 39.05], [117.40, 39.00]]]}
    assert client.post("/query/intersects", json=site).status_code == 200
