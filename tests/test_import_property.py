"""Property tests over uploaded rows: any file is a 4xx or a report that accounts for every row,
what is stored reads back as sent, and the server keeps answering. Bounded and fast."""
from __future__ import annotations

import csv
import io
import itertools
import math
import shutil
import string

import pytest
from fastapi.testclient import TestClient

from bearer import bearer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planmap.api.app import create_app
from planmap.config import DEFAULT_GPKG
from planmap.store import LayerStore

HEADER = ["项目名称", "类别", "区", "总投资（亿元）", "经度", "纬度", "坐标系", "地点", "长度", "备注"]
NUMBERS = ["1e308", "1_17.38", "inf", "-nan", "0x1A", "1,2", "1,234.5", "１２．５", "-0", ".5",
           "117.2", "39.1", "39.13", "117.25", "99999999999999999999", "-3", "1.", "+7"]
WORDS = ["津南区", "西青", "滨海新区", "南京区", "transport", "交通", "railway", "wgs84", "gcj02",
         "百度", "utm", "咸水沽", "天津滨海国际机场", "不存在的地名", "seed", ""]
cells = st.one_of(
    st.text(max_size=12),  # any code point, control characters included
    st.text(alphabet=string.digits + ".,-+eE_x ", max_size=10),
    st.sampled_from(NUMBERS + WORDS),
)
GOOD = {"category": ["", "transport", "交通", "Other"], "district": ["", "津南区", "西青", "滨海新区"],
        "number": ["", "1,234.5", "１２．５", ".5", "7", "0"], "coord_sys": ["", "wgs84", "gcj02", "百度"],
        "place": ["", "咸水沽"]}
BAD = {"category": ["railway"], "district": ["南京区"], "number": NUMBERS, "coord_sys": ["utm"],
       "place": ["不存在的地名"]}


def project_row(good: bool) -> st.SearchStrategy[list[str]]:
    """A row of the header's columns: from values that pass (``good``) or from any value."""
    def pick(kind: str) -> st.SearchStrategy[str]:
        return st.sampled_from(GOOD[kind] if good else GOOD[kind] + BAD[kind])

    tianjin = st.tuples(st.floats(117.0, 117.6), st.floats(38.9, 39.5)).map(
        lambda p: (f"{p[0]:.5f}", f"{p[1]:.5f}"))
    lonlat = tianjin if good else st.one_of(tianjin, st.tuples(pick("number"), pick("number")))
    name = st.text(alphabet=st.characters(exclude_categories=["Cc", "Cs"]), min_size=1, max_size=15)
    return st.builds(
        lambda n, cat, dist, inv, ll, cs, place, length, note: [n, cat, dist, inv, *ll, cs, place, length, note],
        name if good else st.text(max_size=15), pick("category"), pick("district"), pick("number"),
        lonlat, pick("coord_sys"), pick("place"), pick("number"), st.text(max_size=8))


rows = st.lists(st.one_of(project_row(True), project_row(False), st.lists(cells, max_size=len(HEADER) + 2)),
                min_size=1, max_size=6)

_RUNS = itertools.count()
SETTINGS = settings(max_examples=30, deadline=None, derandomize=True,
                    suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def client(tmp_path_factory) -> TestClient:
    path = tmp_path_factory.mktemp("prop") / "planmap.gpkg"
    shutil.copy(DEFAULT_GPKG, path)
    return TestClient(create_app(LayerStore.from_gpkg(path)), headers=bearer(path))  # imports need an editor


def to_csv(table: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows([HEADER, *table])
    return buf.getvalue().encode("utf-8")


def server_still_answers(client) -> None:
    stats = client.get("/stats/projects")
    assert stats.status_code == 200
    total = stats.json()["total"]["investment_yi"]
    assert isinstance(total, float) and math.isfinite(total)


@given(table=rows)
@SETTINGS
def test_any_rows_are_a_4xx_or_a_report_that_accounts_for_every_row(client, table):
    name = f"prop_{next(_RUNS)}.csv"  # unique: hypothesis may replay a table
    r = client.post("/projects/import", files={"file": (name, to_csv(table), "text/csv")})
    assert r.status_code in (200, 400, 413), r.text
    if r.status_code == 200:
        body = r.json()
        sent = [[c.strip() for c in row] for row in table]
        non_blank = [row for row in sent if any(row)]
        assert body["rows"] == len(non_blank)
        assert body["imported"] + body["already_present"] + body["bad_rows"] == body["rows"]
        assert all(2 <= p["row"] <= len(table) + 1 for p in body["problems"])
        gdf = client.app.state.store.get("projects").gdf
        stored = gdf[gdf["origin"] == body["origin"]]
        assert body["imported"] == 0 or body["origin"].startswith(name + " · sha256:")
        assert len(stored) == body["imported"]
        names = {row[0] for row in non_blank if row}
        for got in stored["name"]:
            assert got in names  # read back exactly as sent: nothing truncated or rewritten
            assert not any(ord(ch) < 32 and ch not in "\t\n\r" for ch in got)
        inv = stored["investment_yi"].dropna()
        assert ((inv >= 0) & (inv <= 100_000)).all()
    else:
        assert r.headers["content-type"].startswith("application/problem+json")
    server_still_answers(client)


@given(data=st.binary(max_size=2_000), suffix=st.sampled_from([".csv", ".xlsx", ".txt", ""]),
       zip_head=st.booleans())
@SETTINGS
def test_any_bytes_are_a_4xx_or_a_report(client, data, suffix, zip_head):
    body = (b"PK\x03\x04" + data) if zip_head else data
    r = client.post("/projects/import", files={"file": ("bytes" + suffix, body, "application/octet-stream")})
    assert r.status_code in (200, 400, 413, 415), r.text
    server_still_answers(client)


def to_xlsx(table: list[list[str]], numeric: set[tuple[int, int]]) -> bytes:
    """A minimal workbook: inline strings, or raw ``<v>`` numbers at the ``numeric`` positions."""
    import zipfile
    from xml.sax.saxutils import escape

    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    body = []
    for r, row in enumerate([HEADER, *table], start=1):
        cells = "".join(
            f'<c r="{chr(65 + c)}{r}"><v>{escape(v)}</v></c>' if (r, c) in numeric else
            f'<c r="{chr(65 + c)}{r}" t="inlineStr"><is><t xml:space="preserve">{escape(v)}</t></is></c>'
            for c, v in enumerate(row) if v)
        body.append(f'<row r="{r}">{cells}</row>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", f'<workbook {ns} xmlns:r="http://schemas.openxmlformats.org/'
                   'officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/>'
                   '</sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                   'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", f"<worksheet {ns}><sheetData>{''.join(body)}</sheetData></worksheet>")
    return buf.getvalue()


xml_text = st.text(alphabet=st.characters(exclude_categories=["Cc", "Cs"], exclude_characters="\ufffe\uffff"),
                   max_size=12)


@given(table=st.lists(st.one_of(project_row(True), st.lists(st.one_of(xml_text, st.sampled_from(NUMBERS)),
                                                              max_size=len(HEADER))), min_size=1, max_size=5),
       numeric=st.sets(st.tuples(st.integers(2, 6), st.integers(0, len(HEADER) - 1)), max_size=8))
@SETTINGS
def test_any_workbook_rows_are_a_4xx_or_a_report_that_accounts_for_every_row(client, table, numeric):
    name = f"prop_{next(_RUNS)}.xlsx"
    r = client.post("/projects/import", files={"file": (name, to_xlsx(table, numeric), "application/octet-stream")})
    assert r.status_code in (200, 400, 413), r.text
    if r.status_code == 200:
        body = r.json()
        assert body["rows"] == sum(1 for row in table if any(c.strip() for c in row))
        assert body["imported"] + body["already_present"] + body["bad_rows"] == body["rows"]
    server_still_answers(client)
