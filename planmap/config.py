"""Where planmap finds its data, which basemap it draws, and the limits that keep one request
from hurting the others.

One place, so the CLI, the API and the tests agree. Every limit is a documented setting with an
environment variable; the filter, time, cache and URL limits are read once at import (tests
override the module attributes), the import limits on each import (:class:`ImportLimits`).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, fields
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


class ConfigError(ValueError):
    """A setting in the environment that cannot be used; says which variable and why."""


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or len(raw) > 15 or int(raw) < 1:
        raise ConfigError(f"{name}={raw[:20]!r}: give a whole number of 1 or more")
    return int(raw)


@dataclass(frozen=True)
class ImportLimits:
    """Bounds on one project-list import (README: "Import limits"); each has an env variable.

    They keep one upload from taking the server's memory or time: the body is counted while it
    streams in, a workbook's members are sized before any is inflated, and a table stops being
    read at the first row, column or cell past its limit.
    """

    max_bytes: int = 50 * 2**20  # PLANMAP_IMPORT_MAX_BYTES: the uploaded file
    max_rows: int = 100_000  # PLANMAP_IMPORT_MAX_ROWS: data rows (spreadsheet row number - 1)
    max_columns: int = 64  # PLANMAP_IMPORT_MAX_COLUMNS: columns holding a value
    max_cells: int = 2_000_000  # PLANMAP_IMPORT_MAX_CELLS: non-empty cells in the file
    max_cell_chars: int = 10_000  # PLANMAP_IMPORT_MAX_CELL_CHARS: characters in one cell
    max_unzipped_bytes: int = 128 * 2**20  # PLANMAP_IMPORT_MAX_UNZIPPED_BYTES: an XLSX inflated
    max_zip_ratio: int = 100  # PLANMAP_IMPORT_MAX_ZIP_RATIO: inflated/compressed, per XLSX member
    max_problems: int = 1_000  # PLANMAP_IMPORT_MAX_PROBLEMS: problems (and warnings) listed
    async_rows: int = 5_000  # PLANMAP_IMPORT_ASYNC_ROWS: more rows than this run as a job
    max_jobs: int = 32  # PLANMAP_IMPORT_MAX_JOBS: import jobs remembered (oldest finished go)
    max_pending_jobs: int = 4  # PLANMAP_IMPORT_MAX_PENDING_JOBS: jobs queued or running at once

    @classmethod
    def from_env(cls) -> "ImportLimits":
        """The defaults above, overridden by ``PLANMAP_IMPORT_<FIELD>`` variables."""
        return cls(**{f.name: _env_int(f"PLANMAP_IMPORT_{f.name.upper()}", f.default)
                      for f in fields(cls)})


def _env_number(name: str, default: float, cast=int):
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = cast(raw)
    except ValueError:
        raise SystemExit(f"{name}={raw!r}: expected a number") from None
    if value <= 0:
        raise SystemExit(f"{name}={raw!r}: expected a positive number")
    return value


# --- Filters (CQL2). Checked by a linear scan of the text before any parser sees it. ---------
#: Longest filter accepted, in characters (a 300-vertex polygon literal is about 9,000).
FILTER_MAX_CHARS: int = _env_number("PLANMAP_FILTER_MAX_CHARS", 16_384)
#: Deepest nesting: brackets in CQL2 text, levels of operators in the parsed tree. The CQL2
#: parser recurses once per level and overflows its stack at about 1,500; its backtracking
#: doubles per level, which PLANMAP_FILTER_PARSE_TIMEOUT_S bounds.
FILTER_MAX_DEPTH: int = _env_number("PLANMAP_FILTER_MAX_DEPTH", 16)
#: Most operators (comparisons, AND/OR/NOT, LIKE, arithmetic signs …) in one CQL2-text filter;
#: chained operators nest in the parser too, so they are bounded like brackets.
FILTER_MAX_OPERATORS: int = _env_number("PLANMAP_FILTER_MAX_OPERATORS", 300)

#: Seconds the CQL2 parser may take on one filter (it runs in a child process that is killed
#: past this; its work doubles per nested bracket on text with an error inside).
FILTER_PARSE_TIMEOUT_S: float = _env_number("PLANMAP_FILTER_PARSE_TIMEOUT_S", 1.0, float)

# --- Time. ---------------------------------------------------------------------------------
#: Seconds of work one request may take; past that, filter evaluation stops with a 503.
REQUEST_BUDGET_S: float = _env_number("PLANMAP_REQUEST_BUDGET_S", 10.0, float)
#: Seconds `planmap serve` waits for running requests after SIGTERM/Ctrl-C before it exits.
SHUTDOWN_GRACE_S: float = _env_number("PLANMAP_SHUTDOWN_GRACE_S", 3.0, float)

# --- Caches. -------------------------------------------------------------------------------
#: Bytes of rendered /map pages kept in memory (least recently used pages are dropped first).
MAP_CACHE_BYTES: int = _env_number("PLANMAP_MAP_CACHE_BYTES", 32 * 1024 * 1024)

# --- Absolute URLs in links and pages. -----------------------------------------------------
#: The service's public base URL, e.g. https://gis.example.org/planmap. Set it behind a proxy.
PUBLIC_URL: str = os.environ.get("PLANMAP_PUBLIC_URL", "").strip().rstrip("/")
#: Host names (host or host:port) that X-Forwarded-Host / Host may name; anything else is
#: ignored and links use PLANMAP_PUBLIC_URL or the address the server listens on.
ALLOWED_HOSTS: tuple[str, ...] = tuple(
    h.strip().lower() for h in os.environ.get("PLANMAP_ALLOWED_HOSTS", "").split(",") if h.strip())
