"""``planmap export``: one layer (or every layer, styled) to a file, as the HTTP exports do."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

FORMAT_CHOICES = ("gpkg", "shp", "kml", "geojson", "csv", "fgb")


def run(args: argparse.Namespace) -> int:
    from ..geo.crs import UnknownCrs, resolve  # noqa: PLC0415
    from ..store import LayerStore, UnknownLayer  # noqa: PLC0415
    from .files import ExportError, export_all, export_layer  # noqa: PLC0415

    try:
        crs = resolve(args.crs)
        store = LayerStore.from_gpkg(args.data)
        out = Path(args.output)
        out.parent.mkdir(parents=True, exist_ok=True)
        if args.layer in (None, "all"):
            if args.format != "gpkg":
                raise ExportError("every layer at once is offered as a GeoPackage only; "
                                  "pass --layer ID for other formats")
            export_all(store, crs, out)
            what = f"{len(store.ids())} layers with QGIS styles"
        else:
            out.write_bytes(export_layer(store.get(args.layer), args.format, crs, args.geometry))
            what = f"{args.layer} ({len(store.get(args.layer))} features)"
    except (ExportError, UnknownCrs, UnknownLayer, FileNotFoundError) as exc:
        print(f"planmap export: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {out} ({out.stat().st_size / 1e3:.0f} kB): {what}, {crs.code}")
    return 0


def add_subparser(sub) -> None:
    """Register ``export`` on the ``planmap`` command's subparsers."""
    e = sub.add_parser("export", help="write a layer (or all layers, styled) to a GIS file",
                       description="Write one layer in a GIS format, or every layer with its QGIS "
                                   "styles as one GeoPackage.")
    e.add_argument("--layer", default=None,
                   help="layer id, e.g. --layer wetlands; omit (or 'all') with gpkg for every layer")
    e.add_argument("--format", default="gpkg", choices=FORMAT_CHOICES,
                   help="file format (default gpkg; shp is a zipped Shapefile)")
    e.add_argument("-o", "--output", required=True, help="file to write, e.g. -o wetlands.gpkg")
    e.add_argument("--crs", default=None,
                   help="CRS84 (default), EPSG:4326, EPSG:4490, EPSG:3857, EPSG:4548")
    e.add_argument("--geometry", default="wkt", choices=("wkt", "xy"),
                   help="CSV only: a WKT column (default) or x/y columns (point layers)")
    e.add_argument("--data", default=None,
                   help="GeoPackage to read (default: $PLANMAP_DATA, else the embedded one)")
    e.set_defaults(func=run)
