"""Where planmap finds its data. One place, so the CLI, the API and the tests agree."""
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
