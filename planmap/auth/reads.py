"""``PLANMAP_READ_ROLE=viewer``: every read needs a token too (reads are public by default).

A middleware, so the read routes (owned by other modules) need no change: a GET or HEAD on
anything but the API description, the static assets and the favicon must carry a token of the
configured role. Writes check their own, stricter role in their routes.
"""
from __future__ import annotations

from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from .deps import SCHEME, account_for, check

OPEN_PATHS = ("/api", "/api.html", "/favicon.ico", "/conformance")


def _open(path: str) -> bool:
    return path in OPEN_PATHS or path.startswith("/static/")


def install_read_guard(app: FastAPI, role: str | None) -> None:
    """Require ``role`` on every read when set; do nothing when reads are public (None)."""
    app.state.read_role = role
    if role is None:
        return

    @app.middleware("http")
    async def _guard(request: Request, call_next):
        if request.method in ("GET", "HEAD") and not _open(request.url.path):
            header = request.headers.get("authorization", "")
            scheme, _, token = header.partition(" ")
            token = token.strip() if scheme.lower() == "bearer" else ""
            try:
                check(account_for(request, token), role, bool(token))
            except HTTPException as exc:
                body = {"type": "about:blank", "status": exc.status_code,
                        "title": "Unauthorized" if exc.status_code == 401 else "Forbidden",
                        "detail": exc.detail}
                return Response(orjson.dumps(body), status_code=exc.status_code,
                                media_type="application/problem+json", headers=exc.headers)
        return await call_next(request)


def secure_reads(doc: dict[str, Any], role: str | None) -> None:
    """Declare the bearer scheme on every read operation of /api when reads need a role."""
    if role is None:
        return
    for path, item in doc.get("paths", {}).items():
        op = item.get("get")
        if isinstance(op, dict) and not _open(path):
            op.setdefault("security", [{SCHEME: []}])
