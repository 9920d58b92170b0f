"""``planmap raster add|list``: register a land-cover GeoTIFF beside a GeoPackage, list them."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

_DATA_HELP = ("GeoPackage whose rasters to {} (default: $PLANMAP_DATA, else the embedded "
              "data/planmap.gpkg); rasters live in the folder P.rasters/ beside P.gpkg")


def _gpkg(data: str | None) -> Path:
    from ..config import default_data_path  # noqa: PLC0415

    return Path(data) if data else default_data_path()


def run_add(args: argparse.Namespace) -> int:
    from .catalog import RasterError, add_raster, raster_dir  # noqa: PLC0415
    from .classes import ClassSchemeError, load_scheme  # noqa: PLC0415

    try:
        scheme = load_scheme(args.classes)
        info = add_raster(Path(args.file), args.id, scheme, raster_dir(_gpkg(args.data)),
                          title=args.title, source=args.source, licence=args.licence,
                          year=args.year)
    except (RasterError, ClassSchemeError) as exc:
        print(f"planmap raster add: {exc}", file=sys.stderr)
        return 2
    m = info.meta
    print(f"registered {info.id}: {m['width']} x {m['height']} cells of about {m['res_m']:g} m, "
          f"{m['crs']}, classes {scheme.key}; COG at {info.path}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from .catalog import RasterCatalog  # noqa: PLC0415

    rasters = RasterCatalog.for_gpkg(_gpkg(args.data)).all()
    for info in rasters.values():
        m = info.meta
        print(f"{info.id}\t{m['crs']}\t{m['res_m']:g} m\t{m['classes']['key']}\t{m.get('title')}")
    if not rasters:
        print("no raster registered; planmap raster add FILE --id ID --classes igbp", file=sys.stderr)
    return 0


def add_subparser(sub) -> None:
    """Register ``raster`` (with ``add`` and ``list``) on the ``planmap`` command's subparsers."""
    r = sub.add_parser("raster", help="register land-cover rasters (GeoTIFF) for zonal statistics",
                       description="Land-cover rasters: copied in as Cloud-Optimised GeoTIFFs on "
                                   "their own grid and CRS, served at /rasters.")
    rsub = r.add_subparsers(dest="raster_command", required=True, metavar="ACTION")
    a = rsub.add_parser("add", help="check a GeoTIFF and register it as a COG",
                        description="Check a class raster (CRS, class values, extent over "
                                    "Tianjin) and copy it in as a Cloud-Optimised GeoTIFF.")
    a.add_argument("file", help="a GeoTIFF (any GDAL raster) in any CRS, e.g. worldcover.tif")
    a.add_argument("--id", required=True,
                   help="the raster's id: lower-case letters, digits and _, e.g. worldcover_2021")
    a.add_argument("--classes", required=True,
                   help="igbp, worldcover, clcd, or a class file FILE.toml (see "
                        "planmap/rasters/classes/igbp.toml for the format)")
    a.add_argument("--title", default=None, help="a title for lists and the map, e.g. 'ESA WorldCover 2021'")
    a.add_argument("--source", default=None, help="where the data come from, e.g. 'ESA WorldCover v200'")
    a.add_argument("--licence", default=None, help="the data's licence, e.g. CC-BY-4.0")
    a.add_argument("--year", type=int, default=None, help="the year the land cover shows, e.g. 2021")
    a.add_argument("--data", default=None, help=_DATA_HELP.format("add to"))
    a.set_defaults(func=run_add)
    ls = rsub.add_parser("list", help="list the registered rasters",
                         description="List the rasters of a GeoPackage and the embedded default.")
    ls.add_argument("--data", default=None, help=_DATA_HELP.format("list"))
    ls.set_defaults(func=run_list)
