"""Soak test: minutes of mixed reads, attack requests and imports against `planmap serve`.

Starts ``python -m planmap.cli serve`` on a temporary copy of the GeoPackage (the shipped data
is never written) and drives it from a few client threads on loopback:

* reads (most requests): collections, item pages with bbox and filters, point and nearby
  queries, the map page, a CSV export, project statistics;
* attacks (about a quarter): the inputs of the issue 11 security review and variations (deep
  brackets, NOT chains, LIKE with many %, malformed CQL2-JSON, bbox ±1e308 in EPSG:4548,
  hostile Host headers and endless layer spellings on /map, random junk filters);
* imports (one in fifty, if POST /projects/import answers): a small CSV under a new file name.

Reports 5xx answers and connection failures (must both be 0), p50/p99 latency of reads, how
many attack requests answered 4xx/503, and the server's resident memory (RSS, from /proc) over
time; then sends SIGTERM and reports how long the server took to exit.

Run: ``python benchmarks/bench_soak.py [--minutes 10] [--clients 4] [--data PATH]``.
Exits non-zero if any 5xx or connection failure happened, or the server died or did not stop.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from planmap.config import DEFAULT_GPKG  # noqa: E402

LAYERS = ["districts", "wetlands", "barrier_zones", "eco_corridors", "parks", "projects"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _children_rss_mb(pid: int) -> float:
    """RSS of the server's child processes (the CQL2 parsers)."""
    total = 0.0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == str(pid) and "VmRSS" in fields:
            total += int(fields["VmRSS"].split()[0]) / 1024
    return total


def _q(path: str, **params) -> str:
    return path + ("?" + urllib.parse.urlencode(params) if params else "")


def read_request(rng: random.Random) -> tuple[str, str, dict, bytes | None]:
    lon, lat = 117.0 + rng.random() * 0.9, 38.8 + rng.random() * 0.8
    layer = rng.choice(LAYERS)
    choices = [
        _q("/collections"),
        _q(f"/collections/{layer}/items", limit=50),
        _q(f"/collections/{layer}/items", bbox=f"{lon},{lat},{lon + 0.2},{lat + 0.2}", limit=100),
        _q("/collections/wetlands/items", filter="name LIKE '%湿地%'"),
        _q("/collections/barrier_zones/items", filter="level BETWEEN 1 AND 2"),
        _q("/collections/projects/items", filter=f"S_INTERSECTS(geometry, BBOX({lon},{lat},{lon + 0.3},{lat + 0.3}))", limit=20),
        _q("/query/point", lon=f"{lon:.5f}", lat=f"{lat:.5f}"),
        _q("/query/nearby", lon=f"{lon:.5f}", lat=f"{lat:.5f}", distance_m=2000),
        _q("/map", layers=rng.choice(["districts", "wetlands,barrier_zones", "projects"])),
        _q("/export/wetlands.csv"),
        _q("/stats/projects", by=rng.choice(["district", "category", "park"])),
    ]
    return "GET", rng.choice(choices), {}, None


def attack_request(rng: random.Random) -> tuple[str, str, dict, bytes | None]:
    n = rng.randint(40, 3000)
    junk = "".join(rng.choice("()'\"%_,=<>NOTANDLIKE 1-+*/\\湿") for _ in range(rng.randint(1, 300)))
    filters = [
        ("cql2-text", "(" * n + "level = 1" + ")" * n),
        ("cql2-text", "NOT " * n + "level = 1"),
        ("cql2-text", "level = " + "-" * n + "1"),
        ("cql2-text", "note LIKE '" + "%" * rng.randint(5, 60) + "x'"),
        ("cql2-text", "note LIKE '%a%b%c%d%e%f%g%h%'"),
        ("cql2-text", junk),
        ("cql2-json", '{"op":"and","args":[]}'),
        ("cql2-json", '{"op":"not","args":[]}'),
        ("cql2-json", '{"op":"between","args":[{"property":"level"},1]}'),
        ("cql2-json", '{"op":"s_intersects","args":[{"property":"geometry"},{"bbox":[1,2,3]}]}'),
        ("cql2-json", '{"op":"not","args":[' * min(n, 500) + "true" + "]}" * min(n, 500)),
    ]
    lang, flt = rng.choice(filters)
    layer = rng.choice(["projects", "barrier_zones", "wetlands"])
    kind = rng.random()
    if kind < 0.6:
        return "GET", _q(f"/collections/{layer}/items", filter=flt, **{"filter-lang": lang}), {}, None
    if kind < 0.7:
        return "GET", _q("/collections/districts/items", bbox="-1e308,-1e308,1e308,1e308",
                         **{"bbox-crs": "EPSG:4548"}), {}, None
    if kind < 0.85:
        ids = rng.sample(LAYERS, rng.randint(1, len(LAYERS)))
        spelled = ",".join(i if rng.random() < 0.8 else f" {i} ," for i in ids)
        host = f"h{rng.randrange(10 ** 9)}.evil.example"
        return "GET", _q("/map", layers=spelled), {"Host": host, "X-Forwarded-Host": host}, None
    body = json.dumps({"type": "Polygon", "coordinates": [[[-1e308, -1e308], [1e308, -1e308],
                                                            [1e308, 1e308], [-1e308, -1e308]]]})
    return "POST", _q("/query/intersects", crs="EPSG:4548"), {"Content-Type": "application/json"}, body.encode()


EDITOR_HEADERS: dict[str, str] = {}  # set in main(): imports need an editor's token


def import_request(seq: int) -> tuple[str, str, dict, bytes | None]:
    rows = ["项目名称,类别,经度,纬度,坐标系"]
    for i in range(20):
        rows.append(f"浸泡测试{seq:04d}-{i:02d},transport,{117.1 + i * 0.01:.4f},{39.1 + seq % 50 * 0.002:.4f},wgs84")
    boundary = f"soak{seq}{random.randrange(10 ** 9)}"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"soak{seq}.csv\"\r\n"
            f"Content-Type: text/csv\r\n\r\n" + "\n".join(rows) + f"\r\n--{boundary}--\r\n").encode()
    return "POST", "/projects/import", {"Content-Type": f"multipart/form-data; boundary={boundary}",
                                        **EDITOR_HEADERS}, body


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.status: dict[str, Counter] = defaultdict(Counter)
        self.failures: list[str] = []
        self.server_errors: list[str] = []

    def add(self, kind: str, status: int, seconds: float, path: str, body: bytes) -> None:
        with self.lock:
            self.latency[kind].append(seconds)
            self.status[kind][status] += 1
            if status >= 500 and not (status == 503 and b"was stopped" in body):
                self.server_errors.append(f"{status} {path[:120]} {body[:200]!r}")


def client(port: int, stop: float, seed: int, stats: Stats, imports: bool, seq: list[int]) -> None:
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    while time.monotonic() < stop:
        r = rng.random()
        if imports and r < 0.02:
            with stats.lock:
                seq[0] += 1
                n = seq[0]
            kind, req = "import", import_request(n)
        elif r < 0.27:
            kind, req = "attack", attack_request(rng)
        else:
            kind, req = "read", read_request(rng)
        method, path, headers, body = req
        t0 = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            stats.add(kind, resp.status, time.perf_counter() - t0, path, data)
        except (OSError, http.client.HTTPException) as exc:
            with stats.lock:
                stats.failures.append(f"{type(exc).__name__}: {exc} on {method} {path[:100]}")
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            time.sleep(0.2)
    conn.close()


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q / 100 * (len(s) - 1))))] if s else float("nan")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10.0, help="how long to run (default 10)")
    ap.add_argument("--clients", type=int, default=4, help="client threads (default 4)")
    ap.add_argument("--data", default=str(DEFAULT_GPKG), help="GeoPackage to copy and serve")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--no-imports", action="store_true")
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(2 ** 31)
    tmp = Path(tempfile.mkdtemp(prefix="planmap-soak-"))
    gpkg = tmp / "planmap.gpkg"
    shutil.copy(args.data, gpkg)
    from planmap.auth import create_token  # noqa: PLC0415 - only the import load needs an account

    EDITOR_HEADERS["Authorization"] = f"Bearer {create_token(gpkg, 'soak-editor', 'editor')}"
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    server = subprocess.Popen([sys.executable, "-m", "planmap.cli", "serve", "--data", str(gpkg),
                               "--port", str(port), "--log-level", "warning"], cwd=REPO, env=env,
                              stdout=subprocess.DEVNULL, stderr=open(tmp / "server.log", "wb"))
    try:
        for _ in range(1200):
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                c.request("GET", "/conformance")
                c.getresponse().read()
                break
            except OSError:
                time.sleep(0.1)
        else:
            print("server did not start; see", tmp / "server.log")
            return 2
        imports = not args.no_imports
        if imports:  # only if the endpoint exists and answers
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            method, path, headers, body = import_request(0)
            c.request(method, path, body=body, headers=headers)
            resp = c.getresponse()
            resp.read()
            imports = resp.status == 200
            print(f"POST /projects/import answers {resp.status}: imports {'on' if imports else 'off'}")
        print(f"soak: {args.minutes:g} min, {args.clients} clients, seed {seed}, server pid "
              f"{server.pid} on port {port}, data copy {gpkg}")
        stats = Stats()
        start = time.monotonic()
        stop = start + args.minutes * 60
        seq = [0]
        threads = [threading.Thread(target=client, args=(port, stop, seed + i, stats, imports, seq),
                                    daemon=True) for i in range(args.clients)]
        for t in threads:
            t.start()
        rss: list[tuple[float, float]] = []
        child_rss: list[float] = []
        while time.monotonic() < stop:
            mb = _rss_mb(server.pid)
            if mb is not None:
                rss.append((time.monotonic() - start, mb))
                child_rss.append(_children_rss_mb(server.pid))
            if server.poll() is not None:
                print(f"SERVER DIED with exit code {server.returncode}")
                break
            time.sleep(min(5.0, max(0.0, stop - time.monotonic())))
        for t in threads:
            t.join(timeout=120)
        alive = server.poll() is None
        mb = _rss_mb(server.pid)
        if mb is not None:
            rss.append((time.monotonic() - start, mb))
        total = sum(len(v) for v in stats.latency.values())
        elapsed = time.monotonic() - start
        print(f"\nrequests: {total} in {elapsed:.0f} s ({total / elapsed:.1f}/s)")
        for kind in ("read", "attack", "import"):
            lat = stats.latency.get(kind, [])
            if not lat:
                continue
            codes = ", ".join(f"{k}: {v}" for k, v in sorted(stats.status[kind].items()))
            print(f"  {kind:<6} n={len(lat):<6} p50={pct(lat, 50) * 1000:7.1f} ms  "
                  f"p99={pct(lat, 99) * 1000:7.1f} ms  max={max(lat) * 1000:7.1f} ms  [{codes}]")
        print(f"5xx (other than a budget 503): {len(stats.server_errors)}")
        for line in stats.server_errors[:10]:
            print("   ", line)
        print(f"connection failures: {len(stats.failures)}")
        for line in stats.failures[:10]:
            print("   ", line)
        step = max(1, len(rss) // 12)
        series = ", ".join(f"{t / 60:.1f} min {m:.0f} MB" for t, m in rss[::step] + rss[-1:])
        print(f"server RSS: {series}")
        if rss:
            print(f"server RSS start {rss[0][1]:.0f} MB, max {max(m for _, m in rss):.0f} MB, "
                  f"end {rss[-1][1]:.0f} MB")
        if child_rss:
            print(f"parser child processes RSS (sum): start {child_rss[0]:.0f} MB, "
                  f"max {max(child_rss):.0f} MB, end {child_rss[-1]:.0f} MB")
        print(f"server alive at the end: {alive}")
        t0 = time.monotonic()
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
            print(f"SIGTERM -> exit in {time.monotonic() - t0:.1f} s (code {server.returncode})")
            stopped = True
        except subprocess.TimeoutExpired:
            print("server still running 60 s after SIGTERM")
            stopped = False
        ok = alive and stopped and not stats.server_errors and not stats.failures
        return 0 if ok else 1
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
