"""QGIS (headless PyQGIS, Debian python3-qgis) loads every collection and the styled export."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import IN_CI, require_tool

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "qgis_check.py"


def test_qgis_oapif_and_styled_geopackage(live_server, client, store, tmp_path, artifacts):
    py = require_tool("/usr/bin/python3", "system Python with PyQGIS (Debian python3-qgis)")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    probe = subprocess.run([py, "-c", "import qgis.core"], capture_output=True, env=env)
    if probe.returncode != 0:
        msg = "PyQGIS missing: apt-get install python3-qgis qgis-providers"
        pytest.fail(msg) if IN_CI else pytest.skip(msg)
    gpkg = tmp_path / "planmap.gpkg"
    gpkg.write_bytes(client.get("/export/planmap.gpkg").content)
    res = subprocess.run([py, str(SCRIPT), live_server, str(gpkg)], capture_output=True,
                         text=True, env=env, timeout=300)
    (artifacts / "qgis_check.json").write_text(res.stdout, encoding="utf-8")
    report = json.loads(res.stdout)
    assert {r["collection"]: r["qgis_features"] for r in report["oapif"]} == \
        {lyr.id: len(lyr) for lyr in store}
    styled = {r["layer"]: r for r in report["gpkg"]}
    for lid in store.ids():
        assert styled[lid]["style_applied"], styled[lid]
    assert styled["barrier_zones"]["colours"] == [c.fill_color for c in store.get("barrier_zones").spec.classes]
    project = report["project"]
    assert project["opened"] and project["title"].startswith("planmap")
    assert {r["layer"]: r["features"] for r in project["layers"]} == {lyr.id: len(lyr) for lyr in store}
    assert all(r["valid"] and r["same_file"] for r in project["layers"])
    assert [g["group"] for g in project["groups"]] == ["项目", "产业园区", "生态空间", "双城格局", "行政区划"]
    assert {r["layer"]: r["renderer"] for r in project["layers"]}["barrier_zones"] == "categorizedSymbol"
    assert report["ok"] and res.returncode == 0, res.stderr[-2000:]
