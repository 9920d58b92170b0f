"""QGIS styles (QML) from the layer registry, and the GeoPackage ``layer_styles`` table.

QGIS applies a style stored in a GeoPackage's ``layer_styles`` table when the layer is loaded,
but only if the row matches the layer exactly: ``f_table_schema`` must be '' (not NULL) and
``f_geometry_column`` must name the layer's geometry column as recorded in
``gpkg_geometry_columns``. A mismatch is silently ignored, so the writer reads the column name
from the GeoPackage itself rather than assuming ``geom``.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path
from xml.sax.saxutils import quoteattr

from ..layers.registry import LayerSpec, Style

QGIS_VERSION = "3.22.0"


def _rgba(hex_color: str, alpha: float = 1.0) -> str:
    h = hex_color.lstrip("#")
    r, g, b = int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)
    return f"{r},{g},{b},{round(max(0.0, min(1.0, alpha)) * 255)}"


def _options(props: dict[str, str]) -> str:
    opts = "".join(f'<Option name={quoteattr(k)} type="QString" value={quoteattr(v)}/>'
                   for k, v in props.items())
    return f'<Option type="Map">{opts}</Option>'


def _dash(style: Style) -> tuple[str, str]:
    """(use_custom_dash, customdash) from an SVG-style dash array such as '8 6'."""
    parts = style.dash.split()
    return ("1", ";".join(parts)) if parts else ("0", "5;2")


def _width_mm(px: float) -> str:
    return f"{px * 0.26:.2f}"  # Leaflet pixels → QGIS millimetres at 96 dpi


def symbol_xml(geometry: str, style: Style, fill_color: str | None = None, name: str = "0") -> str:
    """One QGIS <symbol> for a registry style (fill, line or marker)."""
    custom, dash = _dash(style)
    fill = fill_color or style.fill_color
    if geometry == "polygon":
        props = {"color": _rgba(fill, style.fill_opacity), "style": "solid",
                 "outline_color": _rgba(style.color), "outline_style": "dash" if style.dash else "solid",
                 "outline_width": _width_mm(style.weight), "outline_width_unit": "MM",
                 "joinstyle": "bevel"}
        return (f'<symbol type="fill" name="{name}" alpha="1" clip_to_extent="1" force_rhr="0">'
                f'<layer class="SimpleFill" enabled="1" locked="0" pass="0">{_options(props)}</layer>'
                f'</symbol>')
    if geometry == "line":
        props = {"line_color": _rgba(style.color), "line_width": _width_mm(style.weight),
                 "line_width_unit": "MM", "line_style": "solid", "use_custom_dash": custom,
                 "customdash": dash, "customdash_unit": "MM", "capstyle": "round",
                 "joinstyle": "round"}
        return (f'<symbol type="line" name="{name}" alpha="1" clip_to_extent="1" force_rhr="0">'
                f'<layer class="SimpleLine" enabled="1" locked="0" pass="0">{_options(props)}</layer>'
                f'</symbol>')
    props = {"color": _rgba(fill, max(style.fill_opacity, 0.8)), "name": "circle",
             "outline_color": _rgba(style.color), "outline_width": "0.3",
             "outline_width_unit": "MM", "size": "2.6", "size_unit": "MM"}
    return (f'<symbol type="marker" name="{name}" alpha="1" clip_to_extent="1" force_rhr="0">'
            f'<layer class="SimpleMarker" enabled="1" locked="0" pass="0">{_options(props)}</layer>'
            f'</symbol>')


def renderer_xml(spec: LayerSpec, geometry: str | None = None) -> str:
    """The <renderer-v2> of a layer: categories by ``class_field`` if any, else one symbol."""
    geom = geometry or spec.geometry
    if spec.classes and spec.class_field:
        cats = "".join(
            f'<category render="true" symbol="{i}" value={quoteattr(str(c.value))} '
            f'label={quoteattr(f"{c.legend_zh} {c.legend_en}")}/>'
            for i, c in enumerate(spec.classes))
        syms = "".join(symbol_xml(geom, spec.style, c.fill_color, str(i))
                       for i, c in enumerate(spec.classes))
        return (f'<renderer-v2 type="categorizedSymbol" attr={quoteattr(spec.class_field)} '
                f'symbollevels="0" enableorderby="0" forceraster="0">'
                f'<categories>{cats}</categories><symbols>{syms}</symbols></renderer-v2>')
    return ('<renderer-v2 type="singleSymbol" symbollevels="0" enableorderby="0" '
            f'forceraster="0"><symbols>{symbol_xml(geom, spec.style)}</symbols>'
            '</renderer-v2>')


# Labels from the `name` field, with a white halo so they read over any fill.
LABELING_XML = ('<labeling type="simple"><settings calloutType="simple">'
                '<text-style fieldName="name" fontSize="9" textColor="40,40,40,255" '
                'isExpression="0" fontSizeUnit="Point"><text-buffer bufferDraw="1" '
                'bufferSize="0.8" bufferColor="255,255,255,255"/></text-style>'
                '<placement placement="0"/></settings></labeling>')
GEOMETRY_TYPE_CODES = {"point": 0, "line": 1, "polygon": 2}


def qml(spec: LayerSpec, geometry: str | None = None) -> str:
    """A complete QML document: the registry's colours, categories by ``class_field`` if any,
    and labels from ``name``."""
    geom = geometry or spec.geometry
    return (f"<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>"
            f'<qgis version="{QGIS_VERSION}" styleCategories="Symbology|Labeling">'
            f'{renderer_xml(spec, geom)}{LABELING_XML}<layerGeometryType>'
            f'{GEOMETRY_TYPE_CODES.get(geom, 2)}</layerGeometryType></qgis>')


LAYER_STYLES_DDL = """
CREATE TABLE IF NOT EXISTS layer_styles (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  f_table_catalog TEXT(256), f_table_schema TEXT(256), f_table_name TEXT(256),
  f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT, styleSLD TEXT,
  useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30),
  update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))
"""


def write_layer_styles(gpkg: Path, specs: list[tuple[str, LayerSpec, str]]) -> None:
    """Add one default style per layer to ``gpkg``: ``specs`` = (table, spec, geometry kind)."""
    con = sqlite3.connect(gpkg)
    try:
        geom_cols = dict(con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns"))
        con.execute(LAYER_STYLES_DDL)
        for table, spec, geom in specs:
            if table not in geom_cols:
                raise ValueError(f"{gpkg}: {table} is not a spatial table")
            con.execute(
                "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
                "owner, ui) VALUES ('', '', ?, ?, ?, ?, '', 1, ?, '', '')",
                (table, geom_cols[table], spec.id, qml(spec, geom),
                 f"{spec.style.legend_zh} {spec.style.legend_en} (planmap registry)"))
        con.execute("INSERT OR REPLACE INTO gpkg_contents (table_name, data_type, identifier, "
                    "description, last_change) VALUES ('layer_styles', 'attributes', "
                    "'layer_styles', 'QGIS layer styles', '2000-01-01T00:00:00.000Z')")
        con.commit()
    finally:
        con.close()
