"""kill -9 during an import: the next `serve` and `import-projects` start, and see the data
wholly as it was before the import or wholly after it, never half.

An import is one SQLite transaction with a rollback journal. The bug this guards against: after
a kill the journal is "hot", GDAL opens the GeoPackage read-only, a read-only connection cannot
roll a journal back, and both commands refused to start ("attempt to write a readonly
database"). The random kill points use a seed printed at the start (set PLANMAP_CRASH_SEED to
replay a run); one extra case kills the writer inside its transaction every time, so the hot
journal path is exercised whatever the timing of the machine.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from planmap.config import DEFAULT_GPKG, REPO_DIR
from planmap.store import LayerStore

KILL_POINTS = 20
ROWS = 300
PREFIX = "崩溃测试"
HEADER = "项目名称,类别,区,总投资（亿元）,经度,纬度,坐标系,地点,负责单位\n"
ENV = {**os.environ, "PYTHONPATH": str(REPO_DIR)}


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "planmap.cli", *args]


@pytest.fixture(scope="module")
def csv_file(tmp_path_factory) -> Path:
    lines = [HEADER]
    for i in range(ROWS):
        lon, lat = 117.10 + (i % 20) * 0.004, 39.05 + (i // 20) * 0.003
        lines.append(f"{PREFIX}{i:04d},transport,,{i % 7}.5,{lon:.5f},{lat:.5f},wgs84,,市住建委\n")
    path = tmp_path_factory.mktemp("crash") / "projects.csv"
    path.write_text("".join(lines), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def before() -> int:
    return len(LayerStore.from_gpkg(DEFAULT_GPKG).get("projects"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read())


def _serve_counts(gpkg: Path) -> tuple[int, int]:
    """Start `planmap serve` on the file; (projects, imported rows) as it serves them; stop it."""
    port = _free_port()
    proc = subprocess.Popen(_cli("serve", "--data", str(gpkg), "--port", str(port),
                                 "--log-level", "warning"),
                            cwd=REPO_DIR, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}/collections/projects/items?limit=1"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                out, err = proc.communicate()
                pytest.fail(f"planmap serve exited with {proc.returncode}: {err.decode()[-800:]}")
            try:
                total = _get_json(base)["numberMatched"]
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("planmap serve did not answer")
                time.sleep(0.2)
        flt = urllib.parse.quote(f"name LIKE '{PREFIX}%'")
        imported = _get_json(f"{base}&filter={flt}")["numberMatched"]
        return total, imported
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            pytest.fail("planmap serve did not stop on SIGTERM")
        finally:
            for stream in (proc.stdout, proc.stderr):
                stream.close()


def _import_then_check(gpkg: Path, csv_file: Path, before: int) -> None:
    """`import-projects` starts on the file and leaves every row there exactly once."""
    r = subprocess.run(_cli("import-projects", str(csv_file), "--data", str(gpkg)), cwd=REPO_DIR,
                       env=ENV, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-800:]
    gdf = LayerStore.from_gpkg(gpkg).get("projects").gdf
    names = gdf["name"][gdf["name"].str.startswith(PREFIX, na=False)]
    assert len(gdf) == before + ROWS and names.nunique() == ROWS == len(names)


def _kill_point(i: int, delay: float, in_write: bool, workdir: Path, csv_file: Path,
                before: int) -> dict:
    """Kill an import ``delay`` s after it started, or (``in_write``) ``delay`` s after its
    journal appeared, i.e. inside the few milliseconds the transaction writes."""
    gpkg = workdir / f"kill{i:02d}.gpkg"
    journal = gpkg.with_name(gpkg.name + "-journal")
    shutil.copy(DEFAULT_GPKG, gpkg)
    proc = subprocess.Popen(_cli("import-projects", str(csv_file), "--data", str(gpkg)),
                            cwd=REPO_DIR, env=ENV, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    if in_write:
        while not journal.exists() and proc.poll() is None:
            time.sleep(0.0002)
    time.sleep(delay)
    proc.kill()
    proc.wait()
    hot = journal.exists()
    total, imported = _serve_counts(gpkg)
    where = f"{delay * 1000:.1f} ms into the write" if in_write else f"{delay:.2f} s after start"
    assert (total, imported) in ((before, 0), (before + ROWS, ROWS)), \
        f"kill point {i} ({where}): half an import is visible: {total} projects, {imported} new"
    _import_then_check(gpkg, csv_file, before)
    gpkg.unlink()
    return {"kill": where, "journal_left": hot, "after": imported == ROWS}


def test_kill_9_inside_the_transaction_leaves_data_as_before(tmp_path, csv_file, before):
    """The writer dies after its rows reached the file but before COMMIT: a hot journal, always."""
    gpkg = tmp_path / "hot.gpkg"
    shutil.copy(DEFAULT_GPKG, gpkg)
    code = (
        "import os, signal, sys\n"
        "from planmap.imports import gpkg_write, projects_import\n"
        "from planmap.store import LayerStore\n"
        "real = gpkg_write.insert_features\n"
        "def insert_then_die(con, table, rows):\n"
        "    con.execute('PRAGMA cache_size=1')  # spill changed pages into the file now\n"
        "    real(con, table, rows)\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        "gpkg_write.insert_features = insert_then_die\n"
        "path = sys.argv[1]\n"
        "projects_import.import_projects(open(sys.argv[2], 'rb').read(), 'p.csv', LayerStore.from_gpkg(path))\n"
    )
    r = subprocess.run([sys.executable, "-c", code, str(gpkg), str(csv_file)], cwd=REPO_DIR,
                       env=ENV, capture_output=True, text=True, timeout=120)
    assert r.returncode == -signal.SIGKILL, r.stderr[-800:]
    assert gpkg.with_name(gpkg.name + "-journal").exists()  # the case that used to refuse to start
    assert _serve_counts(gpkg) == (before, 0)
    _import_then_check(gpkg, csv_file, before)


def test_kill_9_at_random_moments(tmp_path, csv_file, before):
    seed = int(os.environ.get("PLANMAP_CRASH_SEED", random.SystemRandom().randrange(2**31)))
    print(f"crash-recovery seed: {seed} (PLANMAP_CRASH_SEED={seed} replays this run)")
    sys.stderr.write(f"crash-recovery seed: {seed}\n")
    rng = random.Random(seed)
    # How long an import runs here, so the kills spread over the whole of it (start-up, reading
    # the file, locating rows, the write) and a few land after it finished.
    calib = tmp_path / "calibrate.gpkg"
    shutil.copy(DEFAULT_GPKG, calib)
    t0 = time.monotonic()
    subprocess.run(_cli("import-projects", str(csv_file), "--data", str(calib)), cwd=REPO_DIR,
                   env=ENV, check=True, capture_output=True, timeout=300)
    full = time.monotonic() - t0
    calib.unlink()
    # Half the kills anywhere in the run; half inside the write, where a hot journal is left.
    points = [(i, rng.uniform(0.1 * full, 1.1 * full), False) if i % 2 == 0
              else (i, rng.uniform(0.0, 0.01), True) for i in range(KILL_POINTS)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda p: _kill_point(*p, tmp_path, csv_file, before), points))
    print(f"import takes {full:.2f} s; kill points:")
    for r in results:
        print("  ", r)
    assert len(results) == KILL_POINTS
