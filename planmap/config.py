"""Where planmap finds its data, and the limits that keep one request from hurting the others.

One place, so the CLI, the API and the tests agree. Every limit is a documented setting with an
environment variable; values are read once at import (tests override the module attributes).
"""
from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
DATA_DIR = Path(os.environ.get("PLANMAP_DATA_DIR", REPO_DIR / "data"))
SOURCES_DIR = DATA_DIR / "sources"
SCHEMATIC_DIR = SOURCES_DIR / "schematic"
SEEDS_DIR = Path(os.environ.get("PLANMAP_SEEDS_DIR", REPO_DIR.parent / "shared" / "seeds"))
DEFAULT_GPKG = DATA_DIR / "planmap.gpkg"


def default_data_path() -> Path:
    """The GeoPackage to serve: ``$PLANMAP_DATA`` if set, else the embedded one."""
    return Path(os.environ.get("PLANMAP_DATA", DEFAULT_GPKG))


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
