"""`GET /stats/projects`, `POST /projects/import` and `GET /projects/import/jobs/{id}`.

Statistics are computed from the store's `projects` layer on each request (a few thousand rows:
microseconds), so they always agree with what the map and the items endpoint show, including
rows imported a moment ago. Optional filters answer questions such as "how many projects and how
much stated investment in 津南区's part of the barrier": ``?by=barrier_zone&district=津南区``.

An upload is bounded before it is parsed: a declared Content-Length over the limit is refused at
once, and the body is counted as it streams in (413 as soon as it passes the limit, before the
multipart parser has seen the rest). A file of more than ``async_rows`` rows (or any file with
``?async=true``) is imported as a job: 202 and a URL to poll for progress and the report.
"""
from __future__ import annotations

import asyncio
import threading

import orjson
import pandas as pd
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from ..analysis.membership import STATS_BY, project_stats
from ..config import ConfigError, ImportLimits
from ..imports.jobs import Job, JobsBusy, JobTable
from ..imports.projects_import import ImportReport, clean_filename, file_digest, import_table
from ..imports.table import Table, TableError, file_kind, read_table
from ..imports.xlsx import sheet_size
from ..store import LayerStore
from .deps import get_store
from ..audit import AuditError
from ..audit.provenance import ImportProvenance
from ..auth.deps import require_editor
from ..auth.tokens import Account
from .errors import ProblemError, problem_response
from .responses import JSON, json_response

router = APIRouter()
MULTIPART_OVERHEAD = 64 * 1024  # boundaries and part headers around the file
XLSX_BYTES_PER_ROW = 400  # sheet XML per row of a typical list (ten cells): sizes an XLSX's rows
_import_lock = threading.Lock()  # one writer at a time; readers keep the old layer until the swap
_jobs_lock = threading.Lock()


@router.get("/stats/projects", summary="Project counts and stated investment by district, park, barrier zone or category")
def stats_projects(
    by: str = Query("district", description="district | twin_city | barrier_zone | wetland | park | category"),
    district: str | None = Query(None, description="only projects in this district"),
    category: str | None = Query(None, description="only projects of this category"),
    barrier_level: int | None = Query(None, ge=1, le=3, description="only projects in this barrier control zone"),
    store: LayerStore = Depends(get_store),
) -> Response:
    if by not in STATS_BY:
        raise ProblemError(400, f"by={by!r}: use one of {', '.join(STATS_BY)}")
    gdf = store.get("projects").gdf
    if district:
        gdf = gdf[gdf["district"] == district]
    if category:
        gdf = gdf[gdf["category"] == category]
    if barrier_level is not None:
        gdf = gdf[pd.to_numeric(gdf["barrier_level"], errors="coerce") == barrier_level]
    body = project_stats(store, by, gdf)
    body["filters"] = {k: v for k, v in (("district", district), ("category", category),
                                         ("barrier_level", barrier_level)) if v is not None}
    return json_response(body)


def _limits() -> ImportLimits:
    try:
        return ImportLimits.from_env()
    except ConfigError as exc:  # a misconfigured server: say which variable, not a bare 500
        raise ProblemError(500, f"import limits misconfigured: {exc}") from None


def _too_large(limits: ImportLimits) -> ProblemError:
    return ProblemError(413, f"the upload is larger than {limits.max_bytes / 2**20:.0f} MB; split "
                             "the list into several files (limit PLANMAP_IMPORT_MAX_BYTES)")


async def read_upload(request: Request, limits: ImportLimits) -> tuple[bytes, str]:
    """The uploaded file's bytes and name, never reading more than the limit allows."""
    ctype = request.headers.get("content-type", "")
    if not ctype:
        raise ProblemError(400, "no file: send the list as multipart/form-data in a field named 'file'")
    if not ctype.lower().startswith("multipart/form-data"):
        raise ProblemError(415, f"content type {ctype.split(';')[0]!r}: send the list as "
                                "multipart/form-data in a field named 'file'")
    body_limit = limits.max_bytes + MULTIPART_OVERHEAD
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit() or len(declared.strip()) > 15:
            raise ProblemError(400, f"Content-Length {declared[:20]!r} is not a byte count")
        if int(declared) > body_limit:
            raise _too_large(limits)
    received = 0

    async def counting_receive():
        nonlocal received
        message = await request.receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > body_limit:
                raise _too_large(limits)
        return message

    counted = Request(request.scope, counting_receive)
    form = await counted.form(max_files=1, max_fields=8)
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise ProblemError(400, "no file: send the list in a multipart field named 'file'")
        data = await upload.read(limits.max_bytes + 1)
        name = clean_filename(upload.filename or "upload.csv")
    finally:
        await form.close()
    if len(data) > limits.max_bytes:
        raise _too_large(limits)
    if not data:
        raise ProblemError(400, "the uploaded file is empty")
    return data, name


class _Gate:
    """At most ``limit`` uploads in the request at once: each may hold up to max_bytes in memory."""

    def __init__(self, limit: int):
        self.limit, self.inside = limit, 0
        self._lock = threading.Lock()

    def enter(self) -> bool:
        with self._lock:
            if self.inside >= self.limit:
                return False
            self.inside += 1
            return True

    def leave(self) -> None:
        with self._lock:
            self.inside -= 1


def _gate(request: Request, limits: ImportLimits) -> _Gate:
    state = request.app.state
    with _jobs_lock:
        gate = getattr(state, "import_gate", None)
        if gate is None:
            gate = state.import_gate = _Gate(limits.max_pending_jobs)
    return gate


def _busy(detail: str) -> Response:
    return problem_response(503, detail, headers={"Retry-After": "30"})


def _jobs(request: Request, limits: ImportLimits) -> JobTable:
    state = request.app.state
    with _jobs_lock:
        table = getattr(state, "import_jobs", None)
        if table is None:
            table = state.import_jobs = JobTable(limits.max_jobs, limits.max_pending_jobs)
    return table


def _job_url(request: Request, job: Job) -> str:
    return str(request.url_for("import_job", job_id=job.id))


_JOB_SCHEMA = {
    "type": "object", "required": ["id", "state", "rows", "rows_done"],
    "properties": {
        "id": {"type": "string"},
        "state": {"type": "string", "enum": ["queued", "running", "done", "failed"]},
        "phase": {"type": "string"}, "file": {"type": "string"},
        "rows": {"type": "integer", "nullable": True,
                 "description": "data rows; null while a workbook is still being read"},
        "rows_done": {"type": "integer"},
        "created": {"type": "string"}, "finished": {"type": "string", "nullable": True},
        "report": {"$ref": "#/components/schemas/ImportReport"},
        "error": {"type": "object", "properties": {"status": {"type": "integer"},
                                                   "detail": {"type": "string"}}},
        "links": {"type": "array", "items": {"$ref": "#/components/schemas/Link"}}}}
_PROBLEM = {"application/problem+json": {"schema": {"type": "object", "required": ["status", "detail"]}}}
_UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary",
                            "description": "CSV (UTF-8 or GBK) or XLSX"}}}}}}}


@router.post("/projects/import", summary="Import a project list (CSV or XLSX); answers a row-level report",
             description=(
                 "Add the rows of a project list (CSV in UTF-8 or GBK, or XLSX; multipart field "
                 "`file`) to the projects layer. Each row is placed at its lon/lat, else at the "
                 "place, park or district it names, and joined to districts, barrier zones and "
                 "wetlands; all good rows are committed, or none. The report lists every problem "
                 "of every bad row (the first `PLANMAP_IMPORT_MAX_PROBLEMS`, all counted), and a "
                 "warning where a stated district is not where the point lies. Rows already "
                 "present (the same content, under any file name) are not added again. A list "
                 "of more than `PLANMAP_IMPORT_ASYNC_ROWS` rows, or any list with `async=true`, "
                 "is imported as a job: 202 with a `Location` to poll. A file past an import "
                 "limit (size, rows, columns, cells, inflated size) is a 413 naming the limit."),
             openapi_extra=_UPLOAD_BODY,
             responses={202: {"description": "A large list: imported as a job; poll the `Location`",
                              "content": {JSON: {"schema": _JOB_SCHEMA}}},
                        413: {"description": "Past an import limit (bytes, rows, columns, cells, "
                                             "inflated size)", "content": _PROBLEM},
                        415: {"description": "Not CSV or XLSX, or not multipart/form-data",
                              "content": _PROBLEM},
                        503: {"description": "Too many imports queued; retry after `Retry-After`",
                              "content": _PROBLEM}})
async def post_import(request: Request,
                      run_async: bool = Query(False, alias="async", examples=[True],
                                              description="import as a job (202) whatever the size"),
                      store: LayerStore = Depends(get_store),
                      account: Account = Depends(require_editor)) -> Response:
    limits = _limits()
    gate = _gate(request, limits)
    if not gate.enter():
        return _busy(f"{gate.limit} uploads are being read or imported; retry in a minute")
    try:
        return await _import(request, run_async, store, limits, ImportProvenance(account))
    finally:
        gate.leave()


async def _import(request: Request, run_async: bool, store: LayerStore, limits: ImportLimits,
                  provenance: ImportProvenance) -> Response:
    data, name = await read_upload(request, limits)
    digest = file_digest(data)  # the server's own record of what it received
    try:
        if file_kind(data, name) == "xlsx":
            # Checking the zip directory takes milliseconds and refuses a bomb now; reading a
            # large sheet's XML takes seconds, so that is done by the job.
            size = await asyncio.to_thread(sheet_size, data, limits)
            if run_async or size > limits.async_rows * XLSX_BYTES_PER_ROW:
                return _submit(request, store, name, limits, provenance, digest, data=data)
        table = await asyncio.to_thread(read_table, data, name, limits)
    except TableError as exc:
        raise ProblemError(exc.status, str(exc)) from exc
    del data
    if run_async or table.data_rows > limits.async_rows:
        return _submit(request, store, name, limits, provenance, digest, table=table)

    def run() -> ImportReport:
        with _import_lock:
            return import_table(table, name, store, limits=limits, provenance=provenance, digest=digest)

    try:
        report = await asyncio.to_thread(run)
    except AuditError as exc:  # the trail cannot be extended (its head fails its seal): write nothing
        raise ProblemError(503, str(exc)) from exc
    return json_response(report.as_dict())


def _submit(request: Request, store: LayerStore, name: str, limits: ImportLimits,
            provenance: ImportProvenance, digest: str, *,
            table: Table | None = None, data: bytes | None = None) -> Response:
    """Import as a job: a table already read, or the file's bytes (read by the job)."""
    def work(job: Job) -> dict:
        read = table
        if read is None:
            job.start("reading the file")
            read = read_table(data, name, limits)  # outside the lock: it touches no layer
            job.rows = read.data_rows
        with _import_lock:
            job.start()
            return import_table(read, name, store, limits=limits, progress=job.progress,
                                provenance=provenance, digest=digest).as_dict()

    try:
        job = _jobs(request, limits).submit(name, table.data_rows if table else None, work)
    except JobsBusy as exc:
        return _busy(str(exc))
    url = _job_url(request, job)
    body = {**job.as_dict(), "links": [{"href": url, "rel": "monitor", "type": JSON}]}
    return Response(orjson.dumps(body), status_code=202, media_type=JSON, headers={"Location": url})


@router.get("/projects/import/jobs/{job_id}", name="import_job",
            summary="State, progress and (when done) the report of an import job",
            description=(
                "An import job started by `POST /projects/import` (its `Location`): `state` "
                "(queued, running, done, failed), `phase`, `rows` and `rows_done` for progress, "
                "then the import report (`report`) or the 4xx/5xx it ended with (`error`). The "
                "server remembers the last `PLANMAP_IMPORT_MAX_JOBS` jobs, none across restarts."),
            responses={200: {"content": {JSON: {"schema": _JOB_SCHEMA}}},
                       404: {"description": "No such job (or forgotten)", "content": _PROBLEM}})
def get_import_job(request: Request,
                   job_id: str = Path(description="the job's id, from the 202's `Location`",
                                      examples=["5f0c2a9e6b1d4c3f8e7a6b5c4d3e2f1a"])) -> Response:
    job = _jobs(request, _limits()).get(job_id)
    if job is None:
        raise ProblemError(404, f"no import job {job_id[:40]!r}; the server keeps the last "
                                f"{_limits().max_jobs} jobs, and none across restarts")
    url = _job_url(request, job)
    return json_response({**job.as_dict(), "links": [{"href": url, "rel": "self", "type": JSON}]})
