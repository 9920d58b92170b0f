"""Vendored front-end assets: every JS and CSS file the map loads comes from here, never a CDN."""
from __future__ import annotations

from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent / "static"

# (name, path under static/) — names match folium's so its templates find them.
MAP_JS = [
    ("leaflet", "vendor/leaflet/leaflet.js"),
    ("jquery", "vendor/jquery/jquery.min.js"),
    ("bootstrap", "vendor/bootstrap/bootstrap.bundle.min.js"),
    ("awesome_markers", "vendor/awesome-markers/leaflet.awesome-markers.js"),
]
MAP_CSS = [
    ("leaflet_css", "vendor/leaflet/leaflet.css"),
    ("bootstrap_css", "vendor/bootstrap/bootstrap.min.css"),
    ("awesome_markers_font_css", "vendor/fontawesome/css/all.min.css"),
    ("awesome_markers_css", "vendor/awesome-markers/leaflet.awesome-markers.css"),
    ("planmap_css", "planmap.css"),
]
PLUGIN_JS = {
    "GroupedLayerControl": [("leaflet.groupedlayercontrol.min.js",
                             "vendor/groupedlayercontrol/leaflet.groupedlayercontrol.min.js")],
}
PLUGIN_CSS = {
    "GroupedLayerControl": [("leaflet.groupedlayercontrol.min.css",
                             "vendor/groupedlayercontrol/leaflet.groupedlayercontrol.min.css")],
}


def urls(items: list[tuple[str, str]], prefix: str) -> list[tuple[str, str]]:
    """Asset list with URLs under ``prefix`` (``/static`` when served, a folder when rendered)."""
    return [(name, f"{prefix.rstrip('/')}/{path}") for name, path in items]
