"""GDAL's own tools read planmap as an OGC API - Features server, every page of every layer."""
from __future__ import annotations

import re
import subprocess

import pyogrio
import pytest

from conftest import require_tool

pytestmark = pytest.mark.gdal


def _run(args: list[str]) -> str:
    res = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    return res.stdout


def test_ogrinfo_lists_every_collection_with_its_count(live_server, store):
    ogrinfo = require_tool("ogrinfo", "GDAL command-line tools (Debian gdal-bin)")
    out = _run([ogrinfo, "-ro", "-so", "-al", f"OAPIF:{live_server}"])
    counts = dict(re.findall(r"Layer name: (\S+)\n(?:.*\n)*?Feature Count: (\d+)", out))
    assert {k: int(v) for k, v in counts.items()} == {lyr.id: len(lyr) for lyr in store}


def test_ogr2ogr_copies_every_layer_through_all_pages(live_server, store, tmp_path):
    ogr2ogr = require_tool("ogr2ogr", "GDAL command-line tools (Debian gdal-bin)")
    out = tmp_path / "copy.gpkg"
    # a small page size forces GDAL to follow rel=next many times
    _run([ogr2ogr, "-f", "GPKG", str(out), f"OAPIF:{live_server}", "-oo", "PAGE_SIZE=7"])
    copied = {name: pyogrio.read_info(out, layer=name)["features"]
              for name, _ in pyogrio.list_layers(out)}
    assert copied == {lyr.id: len(lyr) for lyr in store}
    names = pyogrio.read_dataframe(out, layer="wetlands")["name"].tolist()
    assert sorted(names) == sorted(store.get("wetlands").gdf["name"])


def test_ogr2ogr_with_where_and_reprojection(live_server, store, tmp_path):
    ogr2ogr = require_tool("ogr2ogr", "GDAL command-line tools (Debian gdal-bin)")
    out = tmp_path / "level1.geojson"
    # GDAL 3.6 evaluates -where itself after paging through the collection
    _run([ogr2ogr, "-f", "GeoJSON", str(out), f"OAPIF:{live_server}/collections/barrier_zones",
          "-where", "level = 1", "-t_srs", "EPSG:4548"])
    df = pyogrio.read_dataframe(out)
    assert df["level"].tolist() == [1]
    assert 4.2e6 < df.total_bounds[1] < 4.5e6


def test_ogrinfo_opens_the_exported_geopackage(client, store, tmp_path):
    ogrinfo = require_tool("ogrinfo", "GDAL command-line tools (Debian gdal-bin)")
    path = tmp_path / "planmap.gpkg"
    path.write_bytes(client.get("/export/planmap.gpkg").content)
    out = _run([ogrinfo, "-ro", "-so", str(path)])
    for lid in store.ids():
        assert f": {lid} (" in out
