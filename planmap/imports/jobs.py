"""A bounded table of import jobs run off the request path, with progress a client can poll.

A large import takes seconds (100,000 rows: about 20 s). Run in the request, it would hold the
client and, with the import lock, every other import; run here, the POST answers at once with a
job to poll while reads go on. The table is bounded twice: at most ``max_pending`` jobs queued or
running (more is a "busy, retry later"), and at most ``max_jobs`` remembered (the oldest finished
job is forgotten first).
"""
from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Callable

from .table import TableError

log = logging.getLogger("planmap.imports")


class JobsBusy(RuntimeError):
    """Too many imports queued or running; the client should retry later."""


@dataclass
class Job:
    id: str
    file: str
    rows: int | None  # None until a file read by the job has been read
    state: str = "queued"  # queued | running | done | failed
    phase: str = "queued"
    rows_done: int = 0
    report: dict | None = None
    error: dict | None = None
    created: float = field(default_factory=time.time)
    finished: float | None = None

    def start(self, phase: str = "running") -> None:
        """Called by the work when it begins reading, and again once it holds the import lock."""
        self.state, self.phase = "running", phase

    def progress(self, rows_done: int, phase: str) -> None:
        self.rows_done, self.phase = rows_done, phase

    def as_dict(self) -> dict:
        body = {"id": self.id, "state": self.state, "phase": self.phase, "file": self.file,
                "rows": self.rows, "rows_done": self.rows_done,
                "created": _iso(self.created),
                "finished": _iso(self.finished) if self.finished else None}
        if self.report is not None:
            body["report"] = self.report
        if self.error is not None:
            body["error"] = self.error
        return body


def _iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


class JobTable:
    def __init__(self, max_jobs: int, max_pending: int):
        self.max_jobs = max(1, max_jobs)
        self.max_pending = max(1, min(max_pending, self.max_jobs))
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()

    def submit(self, file: str, rows: int | None, work: Callable[[Job], dict]) -> Job:
        """Start ``work(job)`` in a thread; its return value becomes the job's report."""
        with self._lock:
            pending = sum(j.state in ("queued", "running") for j in self._jobs.values())
            if pending >= self.max_pending:
                raise JobsBusy(f"{pending} imports are queued or running; retry in a minute")
            while len(self._jobs) >= self.max_jobs:
                oldest = next((k for k, j in self._jobs.items() if j.state in ("done", "failed")), None)
                if oldest is None:  # cannot happen while max_pending <= max_jobs
                    raise JobsBusy("the import job table is full; retry in a minute")
                del self._jobs[oldest]
            job = Job(uuid.uuid4().hex, file, rows)
            self._jobs[job.id] = job
        threading.Thread(target=self._run, args=(job, work), name=f"import-{job.id[:8]}",
                         daemon=True).start()
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def __len__(self) -> int:
        return len(self._jobs)

    @staticmethod
    def _run(job: Job, work: Callable[[Job], dict]) -> None:
        try:
            job.report = work(job)
            job.rows_done, job.phase, job.state = job.rows or 0, "done", "done"
        except TableError as exc:
            job.error = {"status": exc.status, "detail": str(exc)}
            job.state = job.phase = "failed"
        except Exception:  # noqa: BLE001 - the job reports it; the traceback goes to the log
            log.exception("import job %s (%s) failed", job.id, job.file)
            job.error = {"status": 500, "detail": "internal error; the server log has the details"}
            job.state = job.phase = "failed"
        finally:
            job.finished = time.time()
