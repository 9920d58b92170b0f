"""The basemap setting (PLANMAP_BASEMAP): the default of /map, the siting report and `render`."""
from __future__ import annotations

import re

import orjson
import pytest
from fastapi.testclient import TestClient

from planmap.api.app import create_app
from planmap.cli import main as cli_main
from planmap.config import basemap_setting

# A 200 m square in 西青区's farmland (WGS84): any site will do, the report's map is what is checked.
SITE = {"type": "Polygon", "coordinates": [[[117.0, 39.05], [117.002, 39.05], [117.002, 39.052],
                                             [117.0, 39.052], [117.0, 39.05]]]}


def _fresh(store, monkeypatch, value: str | None) -> TestClient:
    if value is None:
        monkeypatch.delenv("PLANMAP_BASEMAP", raising=False)
    else:
        monkeypatch.setenv("PLANMAP_BASEMAP", value)
    return TestClient(create_app(store))


def _map_basemap(client: TestClient) -> str:
    r = client.get("/map?layers=districts")
    assert r.status_code == 200
    return re.search(r'"basemap":"(\w+)"', r.text).group(1)


def _siting_report(client: TestClient) -> str:
    r = client.post("/analysis/siting?f=html", content=orjson.dumps(SITE),
                    headers={"content-type": "application/geo+json"})
    assert r.status_code == 200
    return r.text


def test_unset_means_no_tiles_anywhere(store, monkeypatch):
    client = _fresh(store, monkeypatch, None)
    assert basemap_setting() == "none"
    assert _map_basemap(client) == "none"
    assert "tile.openstreetmap.org" not in _siting_report(client)


def test_the_default_follows_the_setting_and_a_query_still_wins(store, monkeypatch):
    client = _fresh(store, monkeypatch, "osm")
    assert _map_basemap(client) == "osm"
    assert "tile.openstreetmap.org" in _siting_report(client)
    r = client.get("/map?layers=districts&basemap=none")
    assert '"basemap":"none"' in r.text


def test_a_basemap_the_report_cannot_draw_falls_back_to_none(store, monkeypatch):
    client = _fresh(store, monkeypatch, "amap")
    assert "tile.openstreetmap.org" not in _siting_report(client)


def test_a_misspelt_setting_stops_the_service_with_the_allowed_values(store, monkeypatch):
    monkeypatch.setenv("PLANMAP_BASEMAP", "googel")
    with pytest.raises(ValueError, match="osm, tianditu, amap, none"):
        create_app(store)


def test_render_follows_the_setting(tmp_path, monkeypatch, capsys):
    out = tmp_path / "map.html"
    monkeypatch.setenv("PLANMAP_BASEMAP", "osm")
    assert cli_main(["render", "-o", str(out), "--layers", "districts"]) == 0
    assert '"basemap":"osm"' in out.read_text(encoding="utf-8")
    monkeypatch.setenv("PLANMAP_BASEMAP", "bing")
    assert cli_main(["render", "-o", str(out), "--layers", "districts"]) == 2
    assert "PLANMAP_BASEMAP='bing'" in capsys.readouterr().err
