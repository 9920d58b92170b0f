"""Bounded imports: every oversized or hostile upload is a 4xx that names the limit, fast, and the
server keeps answering; large lists run as jobs the client can poll."""
from __future__ import annotations

import asyncio
import concurrent.futures
import io
import time
import zipfile

import openpyxl
import pytest
from fastapi.testclient import TestClient

from bearer import bearer

from planmap.api import project_routes
from planmap.api.app import create_app
from planmap.api.errors import ProblemError
from planmap.config import ImportLimits
from planmap.imports import import_projects
from planmap.imports.table import TableLimit, read_table
from planmap.store import LayerStore

HEADER = "项目名称,类别,区,总投资（亿元）,经度,纬度,坐标系,地点\n"


@pytest.fixture()
def client(tmp_store) -> TestClient:
    return TestClient(create_app(tmp_store), headers=bearer(tmp_store.path))  # imports need an editor


def rows_csv(n: int, start: int = 0) -> bytes:
    return (HEADER + "".join(f"限额项目{i},other,,1,{117.1 + i * 1e-4:.5f},39.1,,\n"
                             for i in range(start, start + n))).encode()


def post(client, data: bytes, name: str = "p.csv", **params):
    return client.post("/projects/import", params=params, files={"file": (name, data, "text/csv")})


def assert_problem(r, status: int, *words: str) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    for w in words:
        assert w in r.json()["detail"], r.json()["detail"]


# --- the body -----------------------------------------------------------------------------

def test_a_declared_body_over_the_limit_is_refused_before_it_is_read(client, monkeypatch):
    monkeypatch.setenv("PLANMAP_IMPORT_MAX_BYTES", "1000")
    r = post(client, b"x" * 100_000)
    assert_problem(r, 413, "PLANMAP_IMPORT_MAX_BYTES")
    assert client.get("/stats/projects").status_code == 200


def test_a_streamed_body_is_cut_off_as_soon_as_it_passes_the_limit(monkeypatch):
    """No Content-Length (chunked): the counting receive stops at the limit, not at the end."""
    from starlette.requests import Request

    monkeypatch.setenv("PLANMAP_IMPORT_MAX_BYTES", "1000")
    limits = ImportLimits.from_env()
    head = (b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="p.csv"\r\n'
            b"Content-Type: text/csv\r\n\r\n")
    chunk, sent = b"a" * 16_384, []

    async def receive():
        sent.append(1)
        return {"type": "http.request", "body": head if len(sent) == 1 else chunk, "more_body": True}

    scope = {"type": "http", "method": "POST", "path": "/projects/import", "query_string": b"",
             "headers": [(b"content-type", b"multipart/form-data; boundary=xyz")]}

    async def read():
        return await project_routes.read_upload(Request(scope, receive), limits)

    with pytest.raises(ProblemError) as exc:
        # in its own thread: the session's Playwright keeps an event loop running in this one
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, read()).result()
    assert exc.value.status == 413
    limit_chunks = (1000 + project_routes.MULTIPART_OVERHEAD) // len(chunk) + 2
    assert len(sent) == limit_chunks  # of an endless body


@pytest.mark.parametrize("kwargs, status", [
    ({"content": b"name\n1\n", "headers": {"content-type": "application/json"}}, 415),
    ({}, 400),
    ({"files": {"other": ("p.csv", b"name\n", "text/csv")}}, 400),
    ({"files": {"file": ("p.csv", b"", "text/csv")}}, 400),
])
def test_requests_without_a_usable_file(client, kwargs, status):
    assert_problem(client.post("/projects/import", **kwargs), status)


# --- rows, columns, cells -------------------------------------------------------------------

def test_more_rows_than_the_limit(client, monkeypatch):
    monkeypatch.setenv("PLANMAP_IMPORT_MAX_ROWS", "50")
    assert_problem(post(client, rows_csv(51)), 413, "more than 50 data rows", "PLANMAP_IMPORT_MAX_ROWS")
    n = client.get("/stats/projects").json()["total"]["count"]
    assert post(client, rows_csv(50)).json()["imported"] == 50
    assert client.get("/stats/projects").json()["total"]["count"] == n + 50


def test_a_value_past_the_column_limit(client):
    wide = ("name," + ",".join(f"c{i}" for i in range(70)) + "\n项目," + "x," * 69 + "x\n").encode()
    assert_problem(post(client, wide), 413, "PLANMAP_IMPORT_MAX_COLUMNS")


@pytest.mark.parametrize("size", [20_000, 200_000])  # 200,000 is past the csv module's own limit
def test_a_cell_past_the_cell_limit(client, size):
    data = HEADER.encode() + "长,other,,,117.2,39.1,,".encode() + b"x" * size + b"\n"
    assert_problem(post(client, data), 413, "PLANMAP_IMPORT_MAX_CELL_CHARS")
    assert client.get("/").status_code == 200


def test_more_cells_than_the_limit(monkeypatch):
    monkeypatch.setenv("PLANMAP_IMPORT_MAX_CELLS", "100")
    with pytest.raises(TableLimit, match="PLANMAP_IMPORT_MAX_CELLS"):
        read_table(rows_csv(30), "p.csv")


def test_the_problem_list_is_capped_but_counted(tmp_store, monkeypatch):
    monkeypatch.setenv("PLANMAP_IMPORT_MAX_PROBLEMS", "5")
    data = (HEADER + "".join(f"坏{i},other,,很多,117.2,39.1,,\n" for i in range(20))).encode()
    report = import_projects(data, "many.csv", tmp_store)
    assert len(report.problems) == 5 and report.problems_total == 20 and report.bad_rows == 20
    assert [p["row"] for p in report.problems] == [2, 3, 4, 5, 6]


# --- XLSX -------------------------------------------------------------------------------------

WORKBOOK = ('<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
RELS = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')


def xlsx(sheet_data: str, dimension: str = "A1", prolog: str = "", sheet_bytes: bytes | None = None) -> bytes:
    """A minimal workbook whose first sheet holds ``sheet_data`` (inline strings, no styles)."""
    sheet = sheet_bytes or (
        f'{prolog}<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dimension}"/><sheetData>{sheet_data}</sheetData></worksheet>').encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
    return buf.getvalue()


def row(r: int, *cells: str) -> str:
    out = "".join(f'<c r="{chr(65 + i)}{r}" t="inlineStr"><is><t>{v}</t></is></c>'
                  for i, v in enumerate(cells) if v)
    return f'<row r="{r}">{out}</row>'


def test_a_workbook_that_inflates_too_far_is_refused_before_it_is_opened(client):
    bomb = xlsx("", sheet_bytes=b"<!--" + b" " * 3_000_000 + b"-->")  # ~3 MB of spaces → 3 kB
    assert len(bomb) < 20_000
    assert_problem(post(client, bomb, "bomb.xlsx"), 413, "inflates", "PLANMAP_IMPORT_MAX_ZIP_RATIO")


def test_a_workbook_past_the_inflated_size_limit(client, monkeypatch):
    monkeypatch.setenv("PLANMAP_IMPORT_MAX_UNZIPPED_BYTES", "2000")
    data = xlsx(row(1, "name", "lon", "lat") + "".join(row(i, f"项目{i}", "117.2", "39.1") for i in range(2, 40)))
    assert_problem(post(client, data, "big.xlsx"), 413, "PLANMAP_IMPORT_MAX_UNZIPPED_BYTES")


def test_a_declared_dimension_is_not_trusted(client):
    """A1:XFD1048576 with one value in its last row: a quick 413, not 16,384 cells a row."""
    far = xlsx(row(1, "name") + '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>',
               dimension="A1:XFD1048576")
    assert len(far) < 2_000
    assert_problem(post(client, far, "far.xlsx"), 413, "row 1048576")
    # The same dimension over three real rows and a stray empty styled cell: read by its rows.
    ok = xlsx(row(1, "name", "lon", "lat") + row(2, "真实项目", "117.2", "39.1")
              + '<row r="1048576"><c r="XFD1048576" s="1"/></row>', dimension="A1:XFD1048576")
    r = post(client, ok, "ok.xlsx")
    assert r.status_code == 200 and r.json()["imported"] == 1 and r.json()["rows"] == 1


def test_a_workbook_with_a_dtd_is_refused(client):
    laughs = ('<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">'
              '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>')
    data = xlsx(row(1, "name") + row(2, "&b;"), prolog=laughs)
    assert_problem(post(client, data, "dtd.xlsx"), 400, "DTD")


def test_a_numeric_cell_that_is_not_a_plain_number_is_a_problem(client):
    data = xlsx(row(1, "name", "investment_yi", "lon", "lat")
                + '<row r="2"><c r="A2" t="inlineStr"><is><t>下划线</t></is></c><c r="B2"><v>1_17.38</v></c>'
                  '<c r="C2"><v>117.2</v></c><c r="D2"><v>39.1</v></c></row>')
    body = post(client, data, "n.xlsx").json()
    assert body["imported"] == 0 and body["problems"][0]["column"] == "investment_yi"


@pytest.mark.parametrize("data", [b"PK\x03\x04junk", b"PK\x05\x06" + b"\0" * 18, xlsx("")[:-30]])
def test_broken_workbooks_are_400(client, data):
    assert_problem(post(client, data, "broken.xlsx"), 400)


def test_an_openpyxl_workbook_with_dates_and_shared_strings(client):
    import datetime

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["项目名称", "经度", "纬度", "开工日期"])
    ws.append(["日期项目", 117.2, 39.1, datetime.date(2025, 3, 1)])
    buf = io.BytesIO()
    wb.save(buf)
    r = post(client, buf.getvalue(), "dates.xlsx")
    assert r.status_code == 200 and r.json()["imported"] == 1
    gdf = client.app.state.store.get("projects").gdf
    assert '"开工日期": "2025-03-01"' in gdf[gdf["name"] == "日期项目"].iloc[0]["attributes"]


# --- jobs -------------------------------------------------------------------------------------

def wait_for(client, url: str) -> dict:
    for _ in range(600):  # a wait, not a timing assertion
        body = client.get(url).json()
        if body["state"] in ("done", "failed"):
            return body
        time.sleep(0.05)
    raise AssertionError(f"job still {body['state']}")


def test_a_large_list_is_imported_as_a_job(client, monkeypatch):
    monkeypatch.setenv("PLANMAP_IMPORT_ASYNC_ROWS", "10")
    r = post(client, rows_csv(25), "large.csv")
    assert r.status_code == 202 and r.headers["location"].endswith(f"/projects/import/jobs/{r.json()['id']}")
    assert r.json()["rows"] == 25 and r.json()["state"] in ("queued", "running", "done")
    body = wait_for(client, r.headers["location"])
    assert body["state"] == "done" and body["rows_done"] == 25
    assert body["report"]["imported"] == 25 and body["report"]["file"] == "large.csv"
    small = post(client, rows_csv(5, start=100), "small.csv")
    assert small.status_code == 200 and small.json()["imported"] == 5


def test_async_true_and_reads_go_on_while_a_job_waits(client):
    with project_routes._import_lock:  # another import is writing
        r = post(client, rows_csv(3), "waits.csv", **{"async": "true"})
        assert r.status_code == 202
        assert client.get(r.headers["location"]).json()["state"] == "queued"
        assert client.get("/stats/projects").status_code == 200  # reads never wait for imports
        assert client.get("/collections/projects/items?limit=1").status_code == 200
    assert wait_for(client, r.headers["location"])["report"]["imported"] == 3


def test_the_job_table_is_bounded(client, monkeypatch):
    monkeypatch.setenv("PLANMAP_IMPORT_MAX_PENDING_JOBS", "1")
    monkeypatch.setenv("PLANMAP_IMPORT_MAX_JOBS", "2")
    with project_routes._import_lock:
        first = post(client, rows_csv(2), "one.csv", **{"async": "true"})
        busy = post(client, rows_csv(2, start=10), "two.csv", **{"async": "true"})
        assert first.status_code == 202
        assert_problem(busy, 503, "retry")
        assert busy.headers["retry-after"] == "30"
    wait_for(client, first.headers["location"])
    for i in range(2):
        wait_for(client, post(client, rows_csv(1, start=20 + i), f"n{i}.csv",
                              **{"async": "true"}).headers["location"])
    assert len(client.app.state.import_jobs) == 2
    assert_problem(client.get(first.headers["location"]), 404, "last 2 jobs")


def test_a_job_that_fails_says_so(client, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(project_routes, "import_table", boom)
    r = post(client, rows_csv(2), "fails.csv", **{"async": "true"})
    body = wait_for(client, r.headers["location"])
    assert body["state"] == "failed" and body["error"]["status"] == 500 and "report" not in body


def test_a_large_workbook_is_read_by_its_job(client, monkeypatch):
    """Its sheet XML is large, so the POST answers 202 at once and the job reads it."""
    monkeypatch.setenv("PLANMAP_IMPORT_ASYNC_ROWS", "1")  # sheets over 400 bytes of XML
    rows = "".join(row(i, f"工作簿项目{i}", f"{117.1 + i * 1e-4:.5f}", "39.1") for i in range(2, 12))
    r = post(client, xlsx(row(1, "name", "lon", "lat") + rows), "book.xlsx")
    assert r.status_code == 202
    body = wait_for(client, r.headers["location"])
    assert body["rows"] == 10 and body["report"]["imported"] == 10


def test_a_workbook_past_a_limit_fails_its_job_with_the_4xx(client, monkeypatch):
    monkeypatch.setenv("PLANMAP_IMPORT_ASYNC_ROWS", "1")
    monkeypatch.setenv("PLANMAP_IMPORT_MAX_ROWS", "3")
    rows = "".join(row(i, f"超限项目{i}", "117.2", "39.1") for i in range(2, 12))
    r = post(client, xlsx(row(1, "name", "lon", "lat") + rows), "over.xlsx")
    body = wait_for(client, r.headers["location"])
    assert body["state"] == "failed" and body["error"]["status"] == 413
    assert "PLANMAP_IMPORT_MAX_ROWS" in body["error"]["detail"]


def test_uploads_in_the_request_are_bounded_too(client, monkeypatch):
    """Each upload in progress holds its file in memory: past the bound, a 503 to retry."""
    import threading

    monkeypatch.setenv("PLANMAP_IMPORT_MAX_PENDING_JOBS", "1")
    answers = []
    with project_routes._import_lock:
        first = threading.Thread(target=lambda: answers.append(post(client, rows_csv(2), "first.csv")))
        first.start()
        for _ in range(600):
            gate = getattr(client.app.state, "import_gate", None)
            if gate is not None and gate.inside == 1:
                break
            time.sleep(0.05)
        assert_problem(post(client, rows_csv(2, start=50), "second.csv"), 503, "retry")
    first.join(60)
    assert answers[0].status_code == 200 and answers[0].json()["imported"] == 2
    assert post(client, rows_csv(2, start=50), "second.csv").json()["imported"] == 2


def test_the_cli_refuses_a_file_past_the_byte_limit_before_reading_it(tmp_store, tmp_path, monkeypatch):
    import subprocess
    import sys

    f = tmp_path / "big.csv"
    f.write_bytes(rows_csv(40))
    monkeypatch.setenv("PLANMAP_IMPORT_MAX_BYTES", "100")
    out = subprocess.run([sys.executable, "-m", "planmap.cli", "import-projects", str(f),
                          "--data", str(tmp_store.path)], capture_output=True, text=True)
    assert out.returncode == 2 and "PLANMAP_IMPORT_MAX_BYTES" in out.stderr
    monkeypatch.setenv("PLANMAP_IMPORT_MAX_BYTES", "lots")
    out = subprocess.run([sys.executable, "-m", "planmap.cli", "import-projects", str(f),
                          "--data", str(tmp_store.path)], capture_output=True, text=True)
    assert out.returncode == 2 and "PLANMAP_IMPORT_MAX_BYTES='lots'" in out.stderr


def test_reads_during_an_import_keep_the_current_layers_instead_of_reloading(tmp_store):
    """While this process writes, a read that sees the file changed serves what it has (a full
    re-read of every layer took 3-5 s in the request), and picks the change up afterwards."""
    n0 = len(tmp_store.get("projects"))
    replica = LayerStore.from_gpkg(tmp_store.path)
    assert import_projects(rows_csv(3), "replica.csv", replica).imported == 3  # the file changes
    with tmp_store.writing():
        assert tmp_store.refresh_if_changed() is False
        assert len(tmp_store.get("projects")) == n0
    assert tmp_store.refresh_if_changed() is True
    assert len(tmp_store.get("projects")) == n0 + 3
