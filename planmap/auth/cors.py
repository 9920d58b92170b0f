"""CORS: off unless ``PLANMAP_CORS_ORIGINS`` lists origins (comma-separated, exact).

Without CORS headers a page on another origin can neither read an answer nor send a request that
carries an Authorization header (that needs a preflight this server then refuses), so writes
from other sites are impossible by default. A deployment whose map lives on another host lists
that host here; ``*`` is refused, since it would hand every site the right to try a token.
"""
from __future__ import annotations

import os

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

CORS_ENV = "PLANMAP_CORS_ORIGINS"


def cors_origins() -> list[str]:
    raw = os.environ.get(CORS_ENV, "")
    origins = [o.strip().rstrip("/") for o in raw.split(",") if o.strip()]
    if "*" in origins:
        raise ValueError(f"{CORS_ENV}: list the origins (https://map.example.cn), not '*'")
    return origins


def install_cors(app: FastAPI) -> None:
    origins = cors_origins()
    if not origins:
        return
    app.add_middleware(CORSMiddleware, allow_origins=origins, allow_credentials=False,
                       allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                       allow_headers=["Authorization", "Content-Type", "If-Match", "Content-Crs"],
                       expose_headers=["ETag", "Location", "Content-Crs"])
