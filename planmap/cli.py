"""The ``planmap`` command: serve, build, render (more subcommands arrive with their issues)."""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import threading
from pathlib import Path

from . import config
from .config import DEFAULT_GPKG, SOURCES_DIR


def _serve(args: argparse.Namespace) -> int:
    import uvicorn  # noqa: PLC0415

    from .api.app import create_app  # noqa: PLC0415

    from .analysis.query import engine_for  # noqa: PLC0415

    try:
        app = create_app(data=args.data)
    except ValueError as exc:  # e.g. a PLANMAP_BASEMAP the map does not offer
        print(f"planmap serve: {exc}", file=sys.stderr)
        return 2
    engine_for(app.state.store)  # project every layer to EPSG:4548 now, not on the first query
    print(f"planmap serving {app.state.store.path} on http://{args.host}:{args.port}/ "
          f"(map: http://{args.host}:{args.port}/map, basemap {app.state.basemap})", flush=True)
    # SIGTERM/Ctrl-C: stop accepting, give running requests SHUTDOWN_GRACE_S, then cancel them.
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level,
                timeout_graceful_shutdown=config.SHUTDOWN_GRACE_S)
    busy = [t for t in threading.enumerate()
            if t is not threading.main_thread() and t.is_alive() and not t.daemon]
    if busy:
        # A worker thread still computing cannot be stopped from outside, and Python would wait
        # for it at exit. The store is only read here, and imports are one SQLite transaction
        # (rolled back on the next start if cut off), so leaving now loses nothing.
        print(f"planmap: {len(busy)} request(s) still running after the "
              f"{config.SHUTDOWN_GRACE_S:g} s grace period; exiting without them",
              file=sys.stderr, flush=True)
        sys.stdout.flush()
        os._exit(0)
    return 0


def _build(args: argparse.Namespace) -> int:
    from .layers.build import build  # noqa: PLC0415
    from .layers.replace import ReplacementError, parse_replacements  # noqa: PLC0415

    from .audit.build import BuildAudit  # noqa: PLC0415

    try:
        replacements = parse_replacements(args.replace)
        build(Path(args.output), Path(args.sources), replacements,
              before_swap=BuildAudit(sorted(replacements)))
    except (ReplacementError, ValueError, RuntimeError) as exc:
        print(f"planmap build: {exc}", file=sys.stderr)
        return 2
    return 0


def _render(args: argparse.Namespace) -> int:
    from .store import LayerStore  # noqa: PLC0415
    from .web.assets import STATIC_DIR  # noqa: PLC0415
    from .web.mapview import MapOptions, render_html, tianditu_key  # noqa: PLC0415

    from .config import basemap_setting  # noqa: PLC0415

    try:
        basemap = args.basemap or basemap_setting()
    except ValueError as exc:
        print(f"planmap render: {exc}", file=sys.stderr)
        return 2
    store = LayerStore.from_gpkg(args.data)
    layers = tuple(x.strip() for x in args.layers.split(",")) if args.layers else None
    for lid in layers or ():
        if lid not in store.ids():
            print(f"planmap render: unknown layer {lid!r}; known: {', '.join(store.ids())}",
                  file=sys.stderr)
            return 2
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    assets = out.parent / "planmap-static"
    if assets.exists():
        shutil.rmtree(assets)
    shutil.copytree(STATIC_DIR, assets)
    html = render_html(store, MapOptions(layers=layers, basemap=basemap,
                                         static_prefix="planmap-static", lang=args.lang,
                                         api_base=args.api_base or "",
                                         tianditu_key=tianditu_key()))
    out.write_text(html, encoding="utf-8")
    print(f"wrote {out} ({out.stat().st_size / 1e3:.0f} kB) and its assets in {assets}/")
    return 0


def _import_projects(args: argparse.Namespace) -> int:
    from .config import ConfigError, ImportLimits  # noqa: PLC0415
    from .imports import format_report, import_projects  # noqa: PLC0415
    from .imports.table import TableError  # noqa: PLC0415
    from .store import LayerStore  # noqa: PLC0415

    path = Path(args.file)
    if not path.is_file():
        print(f"planmap import-projects: {path}: no such file", file=sys.stderr)
        return 2
    from .audit import AuditError  # noqa: PLC0415
    from .audit.log import local_actor  # noqa: PLC0415
    from .audit.provenance import ImportProvenance  # noqa: PLC0415

    try:
        limits = ImportLimits.from_env()
        if path.stat().st_size > limits.max_bytes:  # before reading it into memory
            raise TableError(f"{path.name}: larger than PLANMAP_IMPORT_MAX_BYTES; split it")
        report = import_projects(path.read_bytes(), path.name, LayerStore.from_gpkg(args.data),
                                 limits=limits, provenance=ImportProvenance(local_actor()))
    except (TableError, ConfigError, AuditError) as exc:
        print(f"planmap import-projects: {exc}", file=sys.stderr)
        return 2
    print(format_report(report))
    return 0 if not report.problems else 1


_DATA_HELP = "GeoPackage to {} (default: $PLANMAP_DATA, else the embedded data/planmap.gpkg)"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="planmap", description="Tianjin twin-city planning map service",
                                epilog="Run `planmap COMMAND --help` for a command's options.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("serve", help="run the API and map server",
                       description="Serve the OGC API, the spatial queries and the map at /map.")
    s.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)")
    s.add_argument("--port", type=int, default=8000, help="TCP port (default 8000), e.g. --port 8080")
    s.add_argument("--data", default=None, help=_DATA_HELP.format("serve"))
    s.add_argument("--log-level", default="info",
                   choices=["critical", "error", "warning", "info", "debug", "trace"],
                   help="uvicorn's log level (default info)")
    s.set_defaults(func=_serve)

    b = sub.add_parser("build", help="rebuild the GeoPackage from its sources (extra [build])",
                       description="Rebuild every layer from data/sources/ into one GeoPackage.")
    b.add_argument("-o", "--output", default=str(DEFAULT_GPKG),
                   help="GeoPackage to write (default: the embedded data/planmap.gpkg), "
                        "e.g. -o /tmp/planmap.gpkg")
    b.add_argument("--sources", default=str(SOURCES_DIR),
                   help="folder of curated sources (default: data/sources)")
    b.add_argument("--replace", action="append", metavar="LAYER=PATH",
                   help="use an official file (any GDAL format, any CRS) in place of a layer; "
                        "repeatable, e.g. --replace eco_barrier=/path/zones.shp")
    b.set_defaults(func=_build)

    r = sub.add_parser("render", help="write a standalone map page (with its assets beside it)",
                       description="Write one HTML map page and a planmap-static/ folder beside it.")
    r.add_argument("-o", "--output", required=True, help="HTML file to write, e.g. -o out/map.html")
    r.add_argument("--layers", default=None,
                   help="comma-separated layer ids (default: all), e.g. --layers districts,parks")
    r.add_argument("--basemap", default=None, choices=["osm", "tianditu", "amap", "none"],
                   help="background tiles (default: $PLANMAP_BASEMAP, else none: an offline page); "
                        "amap shifts the overlays to GCJ-02; tianditu reads PLANMAP_TIANDITU_KEY")
    r.add_argument("--lang", default="zh", choices=["zh", "en"],
                   help="language of the legend and popups (default zh)")
    r.add_argument("--api-base", default=None,
                   help="URL of a planmap service for finer geometry and the siting check, "
                        "e.g. --api-base http://127.0.0.1:8000")
    r.add_argument("--data", default=None, help=_DATA_HELP.format("draw"))
    r.set_defaults(func=_render)

    from .export.cli import add_subparser as add_export  # noqa: PLC0415
    add_export(sub)
    from .rasters.cli import add_subparser as add_raster  # noqa: PLC0415
    add_raster(sub)
    ip = sub.add_parser("import-projects", help="import a project list (CSV/XLSX) into the GeoPackage",
                        description="Add the rows of a project list to the projects layer and print "
                                    "a row-level report; importing the same file again adds nothing.")
    ip.add_argument("file", help="CSV (UTF-8 or GBK) or XLSX with a name column, e.g. projects.csv")
    ip.add_argument("--data", default=None, help=_DATA_HELP.format("import into"))
    ip.set_defaults(func=_import_projects)
    from .auth.cli import add_subparsers as add_account_commands  # noqa: PLC0415
    add_account_commands(sub, _DATA_HELP)
    return p


def main(argv: list[str] | None = None) -> int:
    from .store import InterruptedWriteError  # noqa: PLC0415

    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except InterruptedWriteError as exc:
        print(f"planmap {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
