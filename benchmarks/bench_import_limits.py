"""Hostile and oversized uploads against the import limits: time and peak memory of each.

Builds the files of issue 11 in a temporary directory — a 1M-row CSV (~40 MB), an XLSX bomb
(~2 MB inflating to ~600 MB), a 1.5 kB XLSX declaring A1:XFD1048576 with one cell in its last
row — plus the largest lists the default limits accept (100,000 rows; 2,000,000 cells), and
imports each into a copy of the embedded GeoPackage in a fresh process, so each peak RSS is that
upload's own. Every case must answer a 4xx or complete, and stay under 1.5 GB.

    python benchmarks/bench_import_limits.py            # through POST /projects/import (in-process ASGI)
    python benchmarks/bench_import_limits.py --direct   # calling import_projects() itself

(From a git worktree whose package is not the installed one, prefix ``PYTHONPATH=.``.)
"""
from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
WORKBOOK = (f'<workbook {NS} xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
RELS = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
PLACES = ["咸水沽", "小站", "葛沽", "杨柳青", "天津滨海国际机场", "南港工业区", "津南区"]


def csv_rows(n: int) -> bytes:
    """Rows of the bench_import.py mix (coordinates, GCJ-02, place names), ~42 bytes each."""
    lines = ["项目名称,类别,区,总投资（亿元）,经度,纬度,坐标系,地点"]
    for i in range(n):
        if i % 3 == 2:
            lines.append(f"项目{i},other,,{i % 13}.5,,,,{PLACES[i % len(PLACES)]}")
        else:
            lon, lat = 116.9 + (i % 997) * 0.001, 38.8 + (i // 997 % 180) * 0.008
            lines.append(f"项目{i},other,,{i % 13}.5,{lon:.5f},{lat:.5f},{'gcj02' if i % 3 else ''},")
    return ("\n".join(lines) + "\n").encode("gbk")


def write_xlsx(path: Path, rows, dimension: str = "A1") -> None:
    """A workbook whose sheet XML is streamed from ``rows`` (strings of <row> elements)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", RELS)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            fh.write(f'<worksheet {NS}><dimension ref="{dimension}"/><sheetData>'.encode())
            for chunk in rows:
                fh.write(chunk.encode())
            fh.write(b"</sheetData></worksheet>")


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def bomb_rows(target_bytes: int, numbered: bool):
    """Rows up to ``target_bytes`` of XML: identical rows (a bomb: ~300x) or numbered ones (~12x)."""
    header = "<row r=\"1\">" + "".join(_cell(f"{c}1", h) for c, h in zip("ABC", ("name", "lon", "lat"))) + "</row>"
    yield header
    written, r = len(header), 2
    block = []
    while written < target_bytes:
        if numbered:
            row = (f'<row r="{r}">{_cell(f"A{r}", f"炸弹项目{r}")}<c r="B{r}"><v>117.2</v></c>'
                   f'<c r="C{r}"><v>39.1</v></c></row>')
        else:
            row = ('<row><c t="inlineStr"><is><t>炸弹项目</t></is></c><c><v>117.2</v></c>'
                   '<c><v>39.1</v></c></row>')
        block.append(row)
        written += len(row)
        r += 1
        if len(block) == 10_000:
            yield "".join(block)
            block = []
    yield "".join(block)


def wide_rows(n_rows: int, n_cols: int):
    letters = [chr(65 + i) if i < 26 else "A" + chr(65 + i - 26) for i in range(n_cols)]
    names = ["name", "lon", "lat"] + [f"col{c}" for c in range(3, n_cols)]
    yield "<row r=\"1\">" + "".join(_cell(f"{letters[c]}1", names[c]) for c in range(n_cols)) + "</row>"
    for r in range(2, n_rows + 2):
        cells = [_cell(f"A{r}", f"宽表项目{r}"), f'<c r="B{r}"><v>{117 + (r % 500) / 1000}</v></c>',
                 f'<c r="C{r}"><v>{39 + (r % 300) / 1000}</v></c>']
        cells += [_cell(f"{letters[c]}{r}", f"v{r % 977}-{c}") for c in range(3, n_cols)]
        yield f'<row r="{r}">' + "".join(cells) + "</row>"


def build(tmp: Path) -> list[tuple[str, Path]]:
    cases = []
    p = tmp / "million.csv"
    p.write_bytes(csv_rows(1_000_000))
    cases.append(("1M-row CSV", p))
    p = tmp / "bomb.xlsx"
    write_xlsx(p, bomb_rows(594 * 2**20, numbered=False))
    cases.append(("XLSX bomb (594 MB of XML)", p))
    p = tmp / "big.xlsx"
    write_xlsx(p, bomb_rows(400 * 2**20, numbered=True))
    cases.append(("XLSX, 400 MB of XML, low ratio", p))
    p = tmp / "xfd.xlsx"
    write_xlsx(p, iter(['<row r="1">' + _cell("A1", "name") + "</row>",
                        '<row r="1048576">' + _cell("XFD1048576", "x") + "</row>"]),
               dimension="A1:XFD1048576")
    cases.append(("A1:XFD1048576 XLSX", p))
    p = tmp / "limit_rows.csv"
    p.write_bytes(csv_rows(100_000))
    cases.append(("100,000-row CSV (the row limit)", p))
    p = tmp / "limit_cells.xlsx"
    write_xlsx(p, wide_rows(100_000, 19))
    cases.append(("100,000 x 19 XLSX (near the cell limit)", p))
    return cases


def run_one(path: Path, gpkg: Path, direct: bool) -> dict:
    """In this process: import one file, report status, time and peak RSS."""
    from planmap.store import LayerStore  # noqa: PLC0415

    store = LayerStore.from_gpkg(gpkg)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    data = path.read_bytes()
    if not direct:
        from fastapi.testclient import TestClient  # noqa: PLC0415

        from planmap.api.app import create_app  # noqa: PLC0415

        from planmap.auth import create_token  # noqa: PLC0415

        client = TestClient(create_app(store), headers={
            "Authorization": f"Bearer {create_token(store.path, 'bench-editor', 'editor')}"})
        assert client.get("/stats/projects").status_code == 200  # started
    t0 = time.perf_counter()
    answered = 0.0
    if direct:
        from planmap.imports import import_projects  # noqa: PLC0415
        from planmap.imports.table import TableError  # noqa: PLC0415

        try:
            report = import_projects(data, path.name, store)
            status, detail = 200, f"{report.imported} imported, {report.bad_rows} with problems"
        except TableError as exc:
            status, detail = exc.status, str(exc)
    else:
        r = client.post("/projects/import", files={"file": (path.name, data, "application/octet-stream")})
        answered = time.perf_counter() - t0
        status = r.status_code
        body = r.json()
        reads: list[float] = []
        if status == 202:  # a job: wait for it, as a client polling the Location would
            while body["state"] not in ("done", "failed"):
                time.sleep(0.2)
                t_read = time.perf_counter()  # a map client's read while the job runs
                assert client.get("/collections/districts/items?limit=5").status_code == 200
                reads.append(time.perf_counter() - t_read)
                body = client.get(r.headers["location"]).json()
            body = body.get("report") or body.get("error")
            status = f"202→{body.get('status', 200)}"
        detail = body.get("detail") or f"{body.get('imported')} imported, {body.get('bad_rows')} with problems"
        if reads:
            reads.sort()
            p99 = reads[min(len(reads) - 1, round(0.99 * (len(reads) - 1)))]
            detail += (f"; {len(reads)} reads during the job: median {reads[len(reads) // 2] * 1e3:.0f} ms, "
                       f"p99 {p99 * 1e3:.0f} ms, max {reads[-1] * 1e3:.0f} ms")
        assert client.get("/stats/projects").status_code == 200  # the server still answers
    dt = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"status": status, "seconds": round(dt, 2), "answered": round(answered if not direct else dt, 2),
            "peak_rss_mb": round(peak),
            "baseline_rss_mb": round(base), "detail": detail[:160]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--direct", action="store_true", help="call import_projects() instead of POST")
    ap.add_argument("--one", nargs=2, metavar=("FILE", "GPKG"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_one(Path(args.one[0]), Path(args.one[1]), args.direct), ensure_ascii=False))
        return
    from planmap.config import DEFAULT_GPKG  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        t0 = time.perf_counter()
        cases = build(tmp)
        print(f"built {len(cases)} files in {time.perf_counter() - t0:.0f} s "
              f"({'import_projects()' if args.direct else 'POST /projects/import'})")
        print(f"{'case':40} {'size':>7} {'status':>8} {'answer':>7} {'done':>7} {'peak RSS':>9}  what it said")
        for label, path in cases:
            gpkg = tmp / "planmap.gpkg"
            shutil.copy(DEFAULT_GPKG, gpkg)
            cmd = [sys.executable, __file__, "--one", str(path), str(gpkg)] + (["--direct"] if args.direct else [])
            out = subprocess.run(cmd, capture_output=True, text=True)
            if out.returncode:
                print(f"{label:40} failed:\n{out.stderr[-2000:]}")
                continue
            res = json.loads(out.stdout.strip().splitlines()[-1])
            size = path.stat().st_size
            print(f"{label:40} {size / 2**20:6.1f}M {res['status']:>8} {res['answered']:6.2f}s "
                  f"{res['seconds']:6.2f}s {res['peak_rss_mb']:>6} MB  {res['detail']}")
        print("peak RSS includes the process baseline (geopandas, the layers in memory): "
              f"about {res['baseline_rss_mb']} MB")


if __name__ == "__main__":
    main()
