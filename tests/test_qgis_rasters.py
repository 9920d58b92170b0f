"""QGIS (headless PyQGIS) opens the COGs planmap hands out, with their EPSG code."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import IN_CI, require_tool

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "qgis_raster_check.py"


def test_qgis_opens_the_downloaded_cogs_with_their_crs(client, tmp_path, artifacts):
    py = require_tool("/usr/bin/python3", "system Python with PyQGIS (Debian python3-qgis)")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    if subprocess.run([py, "-c", "import qgis.core"], capture_output=True, env=env).returncode != 0:
        msg = "PyQGIS missing: apt-get install python3-qgis qgis-providers"
        pytest.fail(msg) if IN_CI else pytest.skip(msg)
    modis = tmp_path / "modis_igbp_2019.tif"
    modis.write_bytes(client.get("/rasters/modis_igbp_2019.tif").content)
    zones = tmp_path / "barrier_zones.tif"
    zones.write_bytes(client.get("/export/barrier_zones.tif", params={"res": 500}).content)
    res = subprocess.run([py, str(SCRIPT), str(modis), "EPSG:4326", str(zones), "EPSG:4548"],
                         capture_output=True, text=True, env=env, timeout=120)
    (artifacts / "qgis_raster_check.json").write_text(res.stdout, encoding="utf-8")
    report = json.loads(res.stdout)
    assert [(r["file"], r["crs"]) for r in report["rasters"]] == \
        [("modis_igbp_2019.tif", "EPSG:4326"), ("barrier_zones.tif", "EPSG:4548")]
    assert report["ok"] and res.returncode == 0, res.stderr[-2000:]
