"""Refuse a write that carries no bearer token before its body is read.

FastAPI reads a request's body (a 50 MB multipart upload, say) before it runs the dependency that
checks the token, so without this gate an anonymous caller could make the server receive and
spool any upload only to be told 401. Write paths (the import, the Part 4 item routes, restores)
are refused here at once when there is no ``Authorization: Bearer`` header; a header whose token
is wrong is still checked, and refused, by the route's dependency. Read-only POSTs (the spatial
queries, the siting check) are not write paths and pass.
"""
from __future__ import annotations

import re

import orjson

from .deps import CHALLENGE

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
WRITE_PATHS = re.compile(r"^/(projects/import|collections/[^/]+/items(/.*)?)$")


class WriteGate:
    """Pure ASGI middleware (it must not buffer the body it is protecting the server from)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if (scope["type"] == "http" and scope["method"] in WRITE_METHODS
                and WRITE_PATHS.match(scope["path"])):
            header = dict(scope.get("headers") or []).get(b"authorization", b"")
            if not header.lower().startswith(b"bearer ") or not header[7:].strip():
                body = orjson.dumps({"type": "about:blank", "title": "Unauthorized", "status": 401,
                                     "detail": "this needs an account with role editor or higher: "
                                               "send `Authorization: Bearer TOKEN`"})
                headers = [(b"content-type", b"application/problem+json"),
                           (b"content-length", str(len(body)).encode())]
                headers += [(k.lower().encode(), v.encode()) for k, v in CHALLENGE.items()]
                await send({"type": "http.response.start", "status": 401, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
