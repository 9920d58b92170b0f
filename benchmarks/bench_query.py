"""Measure the spatial queries: point query and 1,000-vertex siting check in process, and
``/query/point`` over HTTP on loopback with ``wrk`` (Debian package ``wrk``).

Targets (issue 5): point query p50 < 2 ms; 1,000-vertex siting check < 30 ms (p50), in process.
Run: ``python benchmarks/bench_query.py [--data PATH] [--no-http]``. Prints one line per figure
and exits non-zero when an in-process target is missed. Query points and sites are drawn from the
store's own geometry (representative points of every polygon feature), so the figures describe the
shipped data, not a synthetic layer.
"""
from __future__ import annotations

import argparse
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time

import numpy as np
import shapely

from planmap.analysis.input import parse_geometry
from planmap.analysis.query import engine_for
from planmap.analysis.siting import check_site
from planmap.geo.crs import transform_geometry
from planmap.store import LayerStore


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def query_points(engine) -> list[tuple[float, float]]:
    pts = []
    for m in engine.layers.values():
        if m.geometry == "polygon":
            for g in m.geoms:
                p = transform_geometry(shapely.point_on_surface(g), "EPSG:4548", "CRS84")
                pts.append((p.x, p.y))
    return pts


def sites(engine, vertices: int = 1000) -> list[dict]:
    """1,000-vertex discs (radius 800 m) around the same representative points, as GeoJSON."""
    out = []
    for m in engine.layers.values():
        if m.geometry == "polygon":
            for g in m.geoms:
                disc = shapely.point_on_surface(g).buffer(800, quad_segs=vertices // 4)
                out.append(shapely.geometry.mapping(transform_geometry(disc, "EPSG:4548", "CRS84")))
    return out


def bench_in_process(store: LayerStore, rounds: int) -> tuple[float, float]:
    t0 = time.perf_counter()
    engine = engine_for(store)
    print(f"engine build (metric copies + indexes, once per store load): "
          f"{(time.perf_counter() - t0) * 1e3:.1f} ms")
    pts = query_points(engine)
    times = []
    for _ in range(rounds):
        for lon, lat in pts:
            t = time.perf_counter()
            engine.at_point(lon, lat)
            times.append((time.perf_counter() - t) * 1e3)
    p50, p95 = percentile(times, 50), percentile(times, 95)
    print(f"point query, in process: p50 {p50:.3f} ms, p95 {p95:.3f} ms "
          f"({len(times)} queries over {len(pts)} points)")
    docs = sites(engine)
    n = parse_geometry(docs[0], polygon_only=True).vertices
    stimes = []
    for _ in range(max(1, rounds // 10)):
        for doc in docs:
            t = time.perf_counter()
            parsed = parse_geometry(doc, polygon_only=True)
            check_site(engine, parsed.geometry, warnings=parsed.warnings)
            stimes.append((time.perf_counter() - t) * 1e3)
    s50, s95 = percentile(stimes, 50), percentile(stimes, 95)
    print(f"siting check ({n}-vertex site, parse + check), in process: p50 {s50:.2f} ms, "
          f"p95 {s95:.2f} ms, max {max(stimes):.2f} ms ({len(stimes)} checks)")
    return p50, s50


def bench_http(store: LayerStore, seconds: int, connections: int) -> None:
    wrk = shutil.which("wrk")
    if not wrk:
        print("HTTP: wrk not installed (apt-get install wrk); skipped")
        return
    import uvicorn

    from planmap.api.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(store), host="127.0.0.1", port=port,
                                           log_level="warning", access_log=False))
    th = threading.Thread(target=server.run, daemon=True)
    th.start()
    while not server.started:
        time.sleep(0.05)
    lon, lat = query_points(engine_for(store))[0]
    url = f"http://127.0.0.1:{port}/query/point?lon={lon:.6f}&lat={lat:.6f}"
    subprocess.run([wrk, "-t1", "-c4", "-d1s", url], capture_output=True)  # warm up
    res = subprocess.run([wrk, "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url],
                         capture_output=True, text=True)
    server.should_exit = True
    th.join(timeout=5)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", res.stdout)
    lat50 = re.search(r"50%\s+(\S+)", res.stdout)
    lat99 = re.search(r"99%\s+(\S+)", res.stdout)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", res.stdout)
    print(f"/query/point over HTTP (wrk -t2 -c{connections} -d{seconds}s, one uvicorn worker, "
          f"loopback): {rps.group(1) if rps else '?'} req/s, latency p50 "
          f"{lat50.group(1) if lat50 else '?'}, p99 {lat99.group(1) if lat99 else '?'}"
          f"{', NON-2xx: ' + non2xx.group(1) if non2xx else ''}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", help="GeoPackage (default: the embedded one)")
    ap.add_argument("--rounds", type=int, default=200)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--no-http", action="store_true")
    args = ap.parse_args()
    store = LayerStore.from_gpkg(args.data)
    p50, s50 = bench_in_process(store, args.rounds)
    if not args.no_http:
        bench_http(store, args.seconds, args.connections)
    ok = p50 < 2.0 and s50 < 30.0
    print("targets (point p50 < 2 ms, siting p50 < 30 ms):", "met" if ok else "MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
