"""The FastAPI application factory.

``create_app`` takes a :class:`LayerStore` (or a GeoPackage path) so tests, the CLI and a
PostGIS deployment all build the same app around a different store.
"""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.gzip import GZipMiddleware

import orjson

from .. import __version__
from ..config import basemap_setting
from ..store import LayerStore
from ..web.assets import STATIC_DIR
from ..web.routes import router as web_router
from .budget import BudgetMiddleware
from .errors import install_error_handlers
from .export_routes import router as export_router
from .html import render
from .ogc import OPENAPI_JSON, router as ogc_router
from .query_routes import router as query_router
from .openapi import build_openapi
from .project_routes import router as project_router
from .audit_routes import router as audit_router
from .edit_routes import router as edit_router
from ..auth.cors import install_cors
from ..auth.deps import read_role_setting
from ..auth.gate import WriteGate
from ..auth.reads import install_read_guard
from .raster_routes import router as raster_router
from .tile_routes import router as tile_router


def create_app(store: LayerStore | None = None, data: str | Path | None = None) -> FastAPI:
    app = FastAPI(
        title="planmap",
        version=__version__,
        description=("Tianjin's twin-city spatial plan (一市双城多节点) as OGC API - Features "
                     "collections, an interactive map and spatial queries."),
        openapi_url=None, docs_url=None, redoc_url=None,
    )
    app.state.store = store if store is not None else LayerStore.from_gpkg(data)
    # The default basemap of /map, the OGC pages and the siting report (PLANMAP_BASEMAP), read
    # once: a typo stops the service here with the allowed values, not at the first page.
    app.state.basemap = basemap_setting()
    install_error_handlers(app)
    # Accounts (issue 13): reads public unless PLANMAP_READ_ROLE says otherwise; CORS off unless
    # PLANMAP_CORS_ORIGINS lists the origins allowed to call with a token.
    install_read_guard(app, read_role_setting())
    install_cors(app)
    app.add_middleware(WriteGate)  # no token, no write: refused before the body is read
    # Level 4, not the default 9: on GeoJSON it compresses as well (0.32 vs 0.31 of the size) at
    # a ninth of the time (7 ms vs 66 ms for the 16 district polygons).
    app.add_middleware(GZipMiddleware, minimum_size=2048, compresslevel=4)
    app.add_middleware(BudgetMiddleware)  # a deadline per request, see planmap.api.budget
    app.include_router(ogc_router)
    app.include_router(raster_router)  # before export_router: /export/{layer}.tif is matched first
    app.include_router(export_router)
    app.include_router(web_router)
    app.include_router(project_router)
    app.include_router(query_router)
    app.include_router(edit_router)
    app.include_router(tile_router)
    app.include_router(audit_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/api", include_in_schema=False)
    def openapi_doc() -> Response:
        return Response(orjson.dumps(build_openapi(app)), media_type=OPENAPI_JSON)

    @app.get("/api.html", include_in_schema=False, response_class=HTMLResponse)
    def openapi_html(request: Request) -> HTMLResponse:
        """The API explorer: vendored Swagger UI on /api (a plain list for a browser without JS)."""
        doc = build_openapi(app)
        ops = [(p, m.upper(), op.get("summary", "")) for p, item in doc["paths"].items()
               for m, op in item.items() if isinstance(op, dict)]
        return render("api.html", request, version=__version__, operations=ops)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response((STATIC_DIR / "favicon.svg").read_bytes(), media_type="image/svg+xml")

    app.openapi = lambda: build_openapi(app)  # type: ignore[method-assign]
    return app
