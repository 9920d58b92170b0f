"""Errors as RFC 7807 problem JSON, and handlers that keep tracebacks out of responses.

Every bad request becomes a 4xx whose ``detail`` says what to change. An unexpected failure
becomes a 500 problem with no internals in it (the traceback goes to the server log only).
"""
from __future__ import annotations

import logging

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..geo.crs import UnknownCrs
from ..store import UnknownLayer

log = logging.getLogger("planmap.api")
PROBLEM = "application/problem+json"


class ProblemError(Exception):
    """Raise anywhere in a route to answer with a problem document."""

    def __init__(self, status: int, detail: str, title: str | None = None,
                 headers: dict[str, str] | None = None, **extra):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title
        self.headers = headers
        self.extra = extra


_TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
           406: "Not Acceptable", 413: "Payload Too Large", 415: "Unsupported Media Type",
           409: "Conflict", 412: "Precondition Failed", 422: "Unprocessable Content",
           500: "Internal Server Error", 503: "Service Unavailable"}


def problem_response(status: int, detail: str, title: str | None = None,
                     headers: dict[str, str] | None = None, **extra) -> Response:
    body = {"type": "about:blank", "title": title or _TITLES.get(status, "Error"),
            "status": status, "detail": detail, **extra}
    return Response(orjson.dumps(body), status_code=status, media_type=PROBLEM, headers=headers)


def _validation_detail(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(x) for x in err.get("loc", ()) if x not in ("query", "body", "path"))
        parts.append(f"{loc or 'request'}: {err.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(_: Request, exc: ProblemError) -> Response:
        return problem_response(exc.status, exc.detail, exc.title, headers=exc.headers, **exc.extra)

    @app.exception_handler(UnknownLayer)
    async def _unknown_layer(_: Request, exc: UnknownLayer) -> Response:
        return problem_response(404, str(exc), known=exc.known)

    @app.exception_handler(UnknownCrs)
    async def _unknown_crs(_: Request, exc: UnknownCrs) -> Response:
        return problem_response(400, str(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> Response:
        return problem_response(400, _validation_detail(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404 and detail == "Not Found":
            detail = "no such resource; the landing page / lists what this service offers"
        return problem_response(exc.status_code, detail, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(500, "internal error; the server log has the details")
