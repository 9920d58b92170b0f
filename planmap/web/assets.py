"""Vendored front-end assets: every JS and CSS file the map loads comes from here, never a CDN.

The map page loads only what it uses (no jQuery/Bootstrap/Font Awesome: folium's defaults are
replaced), which keeps the overview page small. ``tools/vendor_assets.sh`` refreshes the copies
from npm (versions in ``package.json`` and ``static/vendor/VERSIONS.txt``).
"""
from __future__ import annotations

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
    ("planmap", "planmap.js"),
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


def urls(items: list[tuple[str, str]], prefix: str) -> list[tuple[str, str]]:
    """Asset list with URLs under ``prefix`` (``/static`` when served, a folder when rendered)."""
    return [(name, f"{prefix.rstrip('/')}/{path}") for name, path in items]
