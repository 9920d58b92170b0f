"""planmap's OGC API - Features next to pygeoapi, on the same GeoPackage, in one run.

Both servers run on loopback with one uvicorn worker each, serving a copy of the embedded
GeoPackage (pygeoapi through its SQLiteGPKG provider, which needs Debian's
``libsqlite3-mod-spatialite``). The requests of each scenario alternate between the two servers,
so a noisy neighbour on this shared machine slows both alike; the ratio is the figure to quote,
not the milliseconds.

pygeoapi is not a planmap dependency: install it in a venv of its own, made from a Python whose
``sqlite3`` can load extensions (Debian's ``/usr/bin/python3`` can; a pyenv build often cannot),
and pass its Python::

    /usr/bin/python3 -m venv /tmp/pgeo && /tmp/pgeo/bin/pip install pygeoapi uvicorn starlette
    python benchmarks/bench_ogc_vs_pygeoapi.py --pygeoapi-python /tmp/pgeo/bin/python [-n 200]
"""
from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from planmap.config import DEFAULT_GPKG
from planmap.layers.registry import load_registry

SCENARIOS = [
    ("collections", "/collections"),
    ("projects page 1 (100)", "/collections/projects/items?limit=100"),
    ("projects page 11 (100)", "/collections/projects/items?limit=100&offset=1000"),
    ("projects bbox (100)", "/collections/projects/items?limit=100&bbox=117.1,39.0,117.3,39.2"),
    ("districts, all 16 polygons", "/collections/districts/items?limit=16"),
    ("one park by id", "/collections/parks/items/5"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pygeoapi_config(gpkg: Path, port: int) -> str:
    """A minimal pygeoapi configuration publishing every registry layer from ``gpkg``."""
    lines = [
        "server:", f"  bind: {{host: 127.0.0.1, port: {port}}}", f"  url: http://127.0.0.1:{port}",
        "  mimetype: application/json; charset=UTF-8", "  encoding: utf-8",
        "  languages: [en-US]", "  pretty_print: false",
        "  limits: {default_items: 10, max_items: 10000}",
        "  map: {url: 'https://tile.openstreetmap.org/{z}/{x}/{y}.png', attribution: OSM}",
        "logging: {level: ERROR}",
        "metadata:",
        "  identification: {title: bench, description: bench, keywords: [bench], "
        "keywords_type: theme, terms_of_service: none, url: 'http://127.0.0.1'}",
        "  license: {name: none, url: 'http://127.0.0.1'}",
        "  provider: {name: bench, url: 'http://127.0.0.1'}",
        "  contact: {name: bench}",
        "resources:",
    ]
    for spec in load_registry():
        lines += [
            f"  {spec.id}:", "    type: collection", f"    title: {spec.id}",
            f"    description: {spec.id}", "    keywords: [bench]",
            "    extents: {spatial: {bbox: [116.5, 38.5, 118.1, 40.3], "
            "crs: 'http://www.opengis.net/def/crs/OGC/1.3/CRS84'}}",
            "    providers:", "      - type: feature", "        name: SQLiteGPKG",
            f"        data: {gpkg}", "        id_field: fid", f"        table: {spec.id}",
        ]
    return "\n".join(lines) + "\n"


def _wait(url: str, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: the server exited ({proc.returncode})")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise RuntimeError(f"{url}: no answer after {timeout:.0f} s")


def _timed(client: httpx.Client, url: str) -> tuple[float, httpx.Response]:
    t0 = time.perf_counter()
    r = client.get(url, headers={"Accept": "application/json"})
    return (time.perf_counter() - t0) * 1000, r


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pygeoapi-python", required=True, help="Python of a venv with pygeoapi and uvicorn")
    ap.add_argument("-n", type=int, default=200, help="requests per scenario and server")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="planmap-vs-pygeoapi-") as tmp:
        tmpdir = Path(tmp)
        # one copy each: pygeoapi's SpatiaLite connection writes to the file on every request
        gpkg, pg_gpkg = tmpdir / "planmap.gpkg", tmpdir / "pygeoapi.gpkg"
        shutil.copy(DEFAULT_GPKG, gpkg)
        shutil.copy(DEFAULT_GPKG, pg_gpkg)
        pg_port, pm_port = _free_port(), _free_port()
        cfg = tmpdir / "pygeoapi.yml"
        cfg.write_text(pygeoapi_config(pg_gpkg, pg_port), encoding="utf-8")
        env = dict(os.environ, PYGEOAPI_CONFIG=str(cfg), PYGEOAPI_OPENAPI=str(tmpdir / "openapi.yml"))
        pg_bin = Path(args.pygeoapi_python).parent
        subprocess.run([str(pg_bin / "pygeoapi"), "openapi", "generate", str(cfg),
                        "--output-file", str(tmpdir / "openapi.yml")], env=env, check=True,
                       capture_output=True)
        servers = {
            "pygeoapi": subprocess.Popen(
                [args.pygeoapi_python, "-m", "uvicorn", "pygeoapi.starlette_app:APP",
                 "--port", str(pg_port), "--log-level", "error"], env=env, cwd=tmp),
            "planmap": subprocess.Popen(
                [sys.executable, "-m", "planmap.cli", "serve", "--data", str(gpkg), "--port",
                 str(pm_port), "--log-level", "error"], stdout=subprocess.DEVNULL),
        }
        bases = {"pygeoapi": f"http://127.0.0.1:{pg_port}", "planmap": f"http://127.0.0.1:{pm_port}"}
        try:
            for name, base in bases.items():
                _wait(base + "/collections", servers[name])
            print(f"{'scenario':32s} {'planmap p50':>12s} {'pygeoapi p50':>13s} {'ratio':>7s}  features")
            with httpx.Client(timeout=60) as client:
                for label, path in SCENARIOS:
                    times: dict[str, list[float]] = {k: [] for k in bases}
                    counts: dict[str, int] = {}
                    for name, base in bases.items():  # warm-up, and check both answer alike
                        _, r = _timed(client, base + path)
                        r.raise_for_status()
                        body = r.json()
                        counts[name] = len(body.get("features", body.get("collections", [body])))
                    for _ in range(args.n):
                        for name, base in bases.items():
                            ms, r = _timed(client, base + path)
                            times[name].append(ms)
                    pm, pg = (statistics.median(times[k]) for k in ("planmap", "pygeoapi"))
                    print(f"{label:32s} {pm:10.2f}ms {pg:11.2f}ms {pg / pm:6.1f}x  "
                          f"{counts['planmap']} / {counts['pygeoapi']}")
        finally:
            for proc in servers.values():
                proc.terminate()
                proc.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
