"""Edits through the Part 4 routes with their audit records, on a copy of the embedded
GeoPackage: PATCH latency, `planmap audit verify` time, a token lookup, and an audited import
of N rows (the record holds every new feature as GeoJSON).

    python benchmarks/bench_edit.py [EDITS] [IMPORT_ROWS]
"""
from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from planmap.api.app import create_app
from planmap.audit import verify
from planmap.audit.log import local_actor
from planmap.audit.provenance import ImportProvenance
from planmap.auth import create_token, lookup
from planmap.config import DEFAULT_GPKG
from planmap.imports import import_projects
from planmap.store import LayerStore


def main(edits: int = 200, rows: int = 10_000) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "planmap.gpkg"
        shutil.copy(DEFAULT_GPKG, path)
        store = LayerStore.from_gpkg(path)
        token = create_token(path, "bench", "editor")
        client = TestClient(create_app(store), headers={"Authorization": f"Bearer {token}"})
        times = []
        for i in range(edits):
            t0 = time.perf_counter()
            r = client.patch(f"/collections/projects/items/{1 + i % 50}",
                             content=f'{{"properties": {{"period": "{2000 + i}"}}}}'.encode(),
                             headers={"Content-Type": "application/merge-patch+json"})
            times.append(time.perf_counter() - t0)
            assert r.status_code == 200, r.text
        times.sort()
        print(f"PATCH with audit record: median {statistics.median(times) * 1e3:.1f} ms, "
              f"p95 {times[int(0.95 * len(times))] * 1e3:.1f} ms over {edits} edits")
        t0 = time.perf_counter()
        for _ in range(1000):
            lookup(path, token)
        print(f"token lookup: {(time.perf_counter() - t0):.3f} ms each (1000 lookups)")
        lines = ["name,lon,lat"] + [f"基准{i},{116.9 + (i % 997) * 0.001:.6f},{38.8 + (i // 997) * 0.008:.6f}"
                                    for i in range(rows)]
        t0 = time.perf_counter()
        report = import_projects("\n".join(lines).encode(), "bench.csv", store,
                                 provenance=ImportProvenance(local_actor()))
        print(f"audited import of {report.imported} rows: {time.perf_counter() - t0:.2f} s; "
              f"GeoPackage now {path.stat().st_size / 1e6:.1f} MB")
        t0 = time.perf_counter()
        result = verify(path)
        print(f"audit verify: {result.records} records in {time.perf_counter() - t0:.2f} s, ok={result.ok}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
