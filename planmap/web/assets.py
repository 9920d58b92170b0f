"""Vendored front-end assets: every JS and CSS file the map loads comes from here, never a CDN.

The map page loads only what it uses (no jQuery/Bootstrap/Font Awesome: folium's defaults are
replaced), which keeps the overview page small. ``tools/vendor_assets.sh`` refreshes the copies
from npm (versions in ``package.json`` and ``static/vendor/VERSIONS.txt``).
"""
from __future__ import annotations

import base64
import hashlib
from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent / "static"

# (name, path under static/) — the names are folium's, so its template writes the tags.
MAP_JS = [
    ("leaflet", "vendor/leaflet/leaflet.js"),
    ("topojson_client", "vendor/topojson-client/topojson-client.min.js"),
    ("markercluster", "vendor/markercluster/leaflet.markercluster.js"),
    ("leaflet_draw", "vendor/leaflet-draw/leaflet.draw.js"),
    ("leaflet_measure", "vendor/leaflet-measure/leaflet-measure.js"),
    ("fullscreen", "vendor/leaflet.fullscreen/Control.FullScreen.js"),
]
MAP_CSS = [
    ("leaflet_css", "vendor/leaflet/leaflet.css"),
    ("markercluster_css", "vendor/markercluster/MarkerCluster.css"),
    ("markercluster_default_css", "vendor/markercluster/MarkerCluster.Default.css"),
    ("leaflet_draw_css", "vendor/leaflet-draw/leaflet.draw.css"),
    ("leaflet_measure_css", "vendor/leaflet-measure/leaflet-measure.css"),
    ("fullscreen_css", "vendor/leaflet.fullscreen/Control.FullScreen.css"),
    ("planmap_css", "planmap.css"),
]


# planmap's own script: ES modules by concern under static/js/, loaded through an import map
# (bare specifiers "planmap/NAME.js"), so no bundler is needed and the same files work served
# (URLs) or standalone (inlined as data: URLs, which file:// pages and notebooks can load).
MODULES_DIR = STATIC_DIR / "js"
ENTRY_MODULE = "planmap/main.js"


def module_files() -> list[Path]:
    return sorted(MODULES_DIR.glob("*.js"))


def import_map(prefix: str | None) -> dict[str, dict[str, str]]:
    """The import map: URLs under ``prefix`` (with a content hash against stale caches), or,
    with ``prefix`` None, every module inlined as a data: URL."""
    imports = {}
    for path in module_files():
        data = path.read_bytes()
        if prefix is None:
            url = "data:text/javascript;base64," + base64.b64encode(data).decode("ascii")
        else:
            url = f"{prefix.rstrip('/')}/js/{path.name}?v={hashlib.sha1(data).hexdigest()[:10]}"
        imports[f"planmap/{path.name}"] = url
    return {"imports": imports}


def urls(items: list[tuple[str, str]], prefix: str) -> list[tuple[str, str]]:
    """Asset list with URLs under ``prefix`` (``/static`` when served, a folder when rendered)."""
    return [(name, f"{prefix.rstrip('/')}/{path}") for name, path in items]
