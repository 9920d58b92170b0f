"""Import 100,000 project rows (GBK CSV, WGS84/GCJ-02 coordinates and place names) into a copy
of the embedded GeoPackage; print wall time and peak memory. Target: under 30 s.

    python benchmarks/bench_import.py [N]
"""
from __future__ import annotations

import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from planmap.config import DEFAULT_GPKG
from planmap.imports import import_projects
from planmap.store import LayerStore

PLACES = ["咸水沽", "小站", "葛沽", "杨柳青", "天津滨海国际机场", "南港工业区", "津南区"]


def make_csv(n: int) -> bytes:
    lines = ["项目名称,类别,区,总投资（亿元）,经度,纬度,坐标系,地点,备注"]
    for i in range(n):
        if i % 3 == 2:
            lines.append(f"基准项目{i:06d},other,,{i % 13}.5,,,,{PLACES[i % len(PLACES)]},b{i}")
        else:
            cs = "gcj02" if i % 3 else "wgs84"
            lon, lat = 116.9 + (i % 997) * 0.001, 38.8 + (i // 997) * 0.008
            lines.append(f"基准项目{i:06d},other,,{i % 13}.5,{lon:.6f},{lat:.6f},{cs},,b{i}")
    return ("\n".join(lines) + "\n").encode("gbk")


def main(n: int = 100_000) -> None:
    data = make_csv(n)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "planmap.gpkg"
        shutil.copy(DEFAULT_GPKG, path)
        store = LayerStore.from_gpkg(path)
        t0 = time.perf_counter()
        report = import_projects(data, "bench.csv", store)
        dt = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"rows {report.rows}, imported {report.imported}, problems {len(report.problems)}, "
          f"loc_quality {report.loc_quality}")
    print(f"import of {n} rows: {dt:.2f} s, peak RSS {peak_mb:.0f} MB (target < 30 s)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
