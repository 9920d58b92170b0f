"""The ``planmap`` command: serve, build, render (more subcommands arrive with their issues)."""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from .config import DEFAULT_GPKG, SOURCES_DIR


def _serve(args: argparse.Namespace) -> int:
    import uvicorn  # noqa: PLC0415

    from .api.app import create_app  # noqa: PLC0415

    app = create_app(data=args.data)
    print(f"planmap serving {app.state.store.path} on http://{args.host}:{args.port}/ "
          f"(map: http://{args.host}:{args.port}/map)")
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)
    return 0


def _build(args: argparse.Namespace) -> int:
    from .layers.build import build  # noqa: PLC0415
    from .layers.replace import ReplacementError, parse_replacements  # noqa: PLC0415

    try:
        build(Path(args.output), Path(args.sources), parse_replacements(args.replace))
    except (ReplacementError, ValueError) as exc:
        print(f"planmap build: {exc}", file=sys.stderr)
        return 2
    return 0


def _render(args: argparse.Namespace) -> int:
    from .store import LayerStore  # noqa: PLC0415
    from .web.assets import STATIC_DIR  # noqa: PLC0415
    from .web.mapview import MapOptions, render_html  # noqa: PLC0415

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
    html = render_html(store, MapOptions(layers=layers, basemap=args.basemap,
                                         static_prefix="planmap-static"))
    out.write_text(html, encoding="utf-8")
    print(f"wrote {out} ({out.stat().st_size / 1e3:.0f} kB) and its assets in {assets}/")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="planmap", description="Tianjin twin-city planning map service")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("serve", help="run the API and map server")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--data", default=None, help="GeoPackage to serve (default: the embedded one)")
    s.add_argument("--log-level", default="info")
    s.set_defaults(func=_serve)

    b = sub.add_parser("build", help="rebuild the GeoPackage from its sources (extra [build])")
    b.add_argument("-o", "--output", default=str(DEFAULT_GPKG))
    b.add_argument("--sources", default=str(SOURCES_DIR))
    b.add_argument("--replace", action="append", metavar="LAYER=PATH",
                   help="use an official file (any GDAL format, any CRS) in place of a layer")
    b.set_defaults(func=_build)

    r = sub.add_parser("render", help="write a standalone map page (with its assets beside it)")
    r.add_argument("-o", "--output", required=True)
    r.add_argument("--layers", default=None, help="comma-separated layer ids")
    r.add_argument("--basemap", default="osm", choices=["osm", "none"])
    r.add_argument("--data", default=None)
    r.set_defaults(func=_render)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
