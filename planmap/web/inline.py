"""Put the map page's scripts and stylesheets *inside* the page, for a page with no server.

A notebook (Jupyter shows folium maps in an ``<iframe srcdoc>``) or a mailed HTML file has no
``/static`` to load assets from, and an intranet has no CDN. Here every file of
:data:`~planmap.web.assets.MAP_JS` / :data:`~planmap.web.assets.MAP_CSS` becomes a ``<script>`` /
``<style>`` element in the page's header, in the same order, and the images a stylesheet points
at (Leaflet's layer icons, the drawing and measuring sprites) become ``data:`` URIs, so the page
never asks for a file. About 0.3 MB of assets per page: the price of working anywhere.
"""
from __future__ import annotations

import base64
import mimetypes
import re
from functools import lru_cache
from pathlib import Path

import folium
from branca.element import Element

from .assets import MAP_CSS, MAP_JS, STATIC_DIR

_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")


def _data_uri(path: Path) -> str:
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if path.suffix == ".svg":
        mime = "image/svg+xml"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def inline_css(path: Path) -> str:
    """A stylesheet's text with every relative ``url(...)`` replaced by the file as a data URI.

    ``data:``, absolute and fragment URLs (Leaflet's ``#default#VML`` for old IE) stay as they
    are; a reference to a file that is not there is left alone too (the browser ignores it).
    """
    text = path.read_text(encoding="utf-8")

    def swap(match: re.Match) -> str:
        ref = match.group(2).strip()
        if ref.startswith(("data:", "#", "http:", "https:", "//", "/")):
            return match.group(0)
        target = (path.parent / ref.split("?")[0].split("#")[0]).resolve()
        if not target.is_file() or STATIC_DIR not in target.parents:
            return match.group(0)
        return f'url("{_data_uri(target)}")'

    # "</style" inside a string would end the element early; "\/" means "/" in CSS.
    return re.sub(r"</(style)", r"<\\/\1", _CSS_URL.sub(swap, text), flags=re.I)


def inline_js(path: Path) -> str:
    """A script's text made safe inside ``<script>``: no ``</script`` or ``<!--`` can end it."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"</(script)", r"<\\/\1", text, flags=re.I)
    return text.replace("<!--", "<\\!--")


class _Raw(Element):
    """An element written out as is (branca's Element is a Jinja template: ``{{`` in a script
    would be read as a placeholder)."""

    def __init__(self, text: str):
        super().__init__("")
        self.text = text

    def render(self, **kwargs) -> str:  # noqa: ARG002
        return self.text


@lru_cache(maxsize=1)
def _elements() -> tuple[tuple[str, str], ...]:
    """(name, HTML) for every asset, in load order: stylesheets first, then scripts."""
    css = [(name, f"<style>\n{inline_css(STATIC_DIR / rel)}\n</style>") for name, rel in MAP_CSS]
    js = [(name, f"<script>\n{inline_js(STATIC_DIR / rel)}\n</script>") for name, rel in MAP_JS]
    return tuple(css + js)


def inline_assets(m: folium.Map) -> folium.Map:
    """Replace the map's asset links by the assets themselves (in place; returns ``m``)."""
    m.default_js = []
    m.default_css = []
    header = m.get_root().header
    for name, element in _elements():
        header.add_child(_Raw(element), name=f"inline_{name}")
    return m
