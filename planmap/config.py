"""Where planmap finds its data and which basemap it draws. One place, so the CLI, the API and
the tests agree."""
from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
DATA_DIR = Path(os.environ.get("PLANMAP_DATA_DIR", REPO_DIR / "data"))
SOURCES_DIR = DATA_DIR / "sources"
SCHEMATIC_DIR = SOURCES_DIR / "schematic"
# The five plan texts every quote cites, shipped with the repository (data/sources/plans/README.md).
SEEDS_DIR = Path(os.environ.get("PLANMAP_SEEDS_DIR", SOURCES_DIR / "plans"))
DEFAULT_GPKG = DATA_DIR / "planmap.gpkg"


def default_data_path() -> Path:
    """The GeoPackage to serve: ``$PLANMAP_DATA`` if set, else the embedded one."""
    return Path(os.environ.get("PLANMAP_DATA", DEFAULT_GPKG))


BASEMAP_ENV = "PLANMAP_BASEMAP"
BASEMAPS = ("osm", "tianditu", "amap", "none")
DEFAULT_BASEMAP = "none"


def basemap_setting() -> str:
    """The basemap drawn when a request or command does not name one: ``$PLANMAP_BASEMAP``.

    One of ``osm``, ``tianditu`` (needs ``PLANMAP_TIANDITU_KEY``), ``amap`` (overlays shifted to
    GCJ-02) or ``none``. The default is ``none`` because planmap is meant to run on a planning
    bureau's intranet, where no tile server is reachable: a default of ``osm`` would greet such an
    install with a grey, half-broken map and a request to the internet on every pan, while
    ``none`` draws every layer (the district outlines give the bearings) and never leaves the
    machine. An install with internet access sets ``PLANMAP_BASEMAP=osm``; a user still picks
    any basemap per page with ``/map?basemap=``. Read on every call, so a test or a restarted
    service sees the current environment. A value not in :data:`BASEMAPS` raises ``ValueError``
    naming the allowed ones, so a typo stops the service at start instead of drawing nothing.
    """
    value = os.environ.get(BASEMAP_ENV, "").strip().lower() or DEFAULT_BASEMAP
    if value not in BASEMAPS:
        raise ValueError(f"{BASEMAP_ENV}={value!r} is not a basemap planmap offers; "
                         f"use one of {', '.join(BASEMAPS)}")
    return value
