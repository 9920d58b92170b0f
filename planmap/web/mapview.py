"""Build the planners' Folium map from the layer store.

Everything the page shows comes from the store (features) and the registry (titles, groups,
styles, legend), so a new layer appears on the map without code here. Geometry is simplified and
rounded before it is inlined (folium inlines everything), and all assets are vendored.
"""
from __future__ import annotations

import html
from dataclasses import dataclass

import folium
import geopandas as gpd
import shapely
from branca.element import Element, MacroElement, Template
from folium.plugins import GroupedLayerControl

from ..layers.registry import GEOM_QUALITY_ZH, LayerSpec
from ..store import Layer, LayerStore
from .assets import MAP_CSS, MAP_JS, PLUGIN_CSS, PLUGIN_JS, urls

BASEMAPS = ("osm", "none")
# Simplification tolerance in degrees (≈ 11 m per 1e-4°) per geometry kind, and output decimals.
SIMPLIFY_DEG = {"polygon": 1e-4, "line": 5e-5, "point": 0.0}
DECIMALS = 5


@dataclass(frozen=True)
class MapOptions:
    layers: tuple[str, ...] | None = None
    basemap: str = "osm"
    static_prefix: str = "/static"
    lang: str = "zh"


def _slim(layer: Layer) -> gpd.GeoDataFrame:
    """Only the popup fields, simplified geometry, coordinates rounded to ~1 m."""
    spec = layer.spec
    gdf = layer.gdf[spec.field_names + ["geometry"]].copy()
    tol = SIMPLIFY_DEG.get(spec.geometry, 0.0)
    geoms = gdf.geometry.values
    if tol:
        geoms = shapely.simplify(geoms, tol, preserve_topology=True)
    gdf["geometry"] = shapely.set_precision(geoms, 10 ** -DECIMALS)
    gdf["geom_quality"] = [f"{q}（{GEOM_QUALITY_ZH.get(q, q)}）" for q in gdf["geom_quality"]]
    gdf["fid"] = gdf.index.astype(int)
    return gdf


def _style_function(spec: LayerSpec):
    st = spec.style
    classes = {c.value: c.fill_color for c in spec.classes}
    cf = spec.class_field

    def style(feature: dict) -> dict:
        fill = st.fill_color
        if cf and feature["properties"].get(cf) in classes:
            fill = classes[feature["properties"][cf]]
        schematic = str(feature["properties"].get("geom_quality", "")).startswith("schematic")
        return {"color": st.color, "weight": st.weight, "fillColor": fill,
                "fillOpacity": st.fill_opacity,
                "dashArray": (st.dash or "6 4") if schematic else (st.dash or None)}

    return style


def _popup_fields(spec: LayerSpec) -> tuple[list[str], list[str]]:
    fields = [f for f in spec.fields if f.name not in ("district_shares",)]
    return [f.name for f in fields], [f.title_zh for f in fields]


def _legend_html(specs: list[LayerSpec]) -> str:
    rows, group = [], None
    for spec in specs:
        if spec.group != group:
            group = spec.group
            rows.append(f'<div class="grp">{html.escape(group)}</div>')
        st = spec.style
        border = "dashed" if st.dash else "solid"
        entries = [(c.fill_color, c.legend_zh) for c in spec.classes] or [(st.fill_color, st.legend_zh)]
        for fill, label in entries:
            bg = fill if st.fill_opacity > 0 or spec.classes else "transparent"
            shape = "height:0;border-top-width:4px;" if spec.geometry == "line" else ""
            rows.append(f'<div><span class="sw" style="background:{bg};border:2px {border} {st.color};'
                        f'{shape}opacity:.9"></span>{html.escape(label)}</div>')
    rows.append('<div class="note">虚线＝示意范围（schematic），非法定边界</div>')
    return '<div class="planmap-legend" id="planmap-legend"><h4>图例 Legend</h4>' + "".join(rows) + "</div>"


class _Legend(MacroElement):
    """A bottom-right Leaflet control holding the registry-generated legend."""

    _template = Template("""
{% macro script(this, kwargs) %}
var legend_{{ this.get_name() }} = L.control({position: 'bottomright'});
legend_{{ this.get_name() }}.onAdd = function () {
  var div = L.DomUtil.create('div');
  div.innerHTML = {{ this.html|tojson }};
  L.DomEvent.disableClickPropagation(div);
  return div;
};
legend_{{ this.get_name() }}.addTo({{ this._parent.get_name() }});
{% endmacro %}
""")

    def __init__(self, html_: str):
        super().__init__()
        self._name = "Legend"
        self.html = html_


def _vendor(element, js: list, css: list) -> None:
    element.default_js = js
    element.default_css = css


def build_map(store: LayerStore, options: MapOptions = MapOptions()) -> folium.Map:
    layers = [lyr for lyr in store if options.layers is None or lyr.id in options.layers]
    minx, miny, maxx, maxy = store.bounds()
    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=9, tiles=None,
                   prefer_canvas=True, control_scale=True)
    _vendor(m, urls(MAP_JS, options.static_prefix), urls(MAP_CSS, options.static_prefix))
    if options.basemap == "osm":
        folium.TileLayer("OpenStreetMap", name="OpenStreetMap", attr="© OpenStreetMap contributors",
                         control=False).add_to(m)
    groups: dict[str, list] = {}
    for layer in layers:
        spec = layer.spec
        slim = _slim(layer)
        fields, aliases = _popup_fields(spec)
        fg = folium.FeatureGroup(name=spec.title_zh, show=True)
        gj = folium.GeoJson(
            slim, name=spec.title_zh, style_function=_style_function(spec),
            highlight_function=lambda _f: {"weight": 4, "fillOpacity": 0.5},
            popup=folium.GeoJsonPopup(fields=fields, aliases=aliases, localize=True,
                                      labels=True, max_width=420),
            tooltip=folium.GeoJsonTooltip(fields=["name"], aliases=[spec.title_zh]),
            zoom_on_click=False,
        )
        gj.add_to(fg)
        fg.add_to(m)
        groups.setdefault(spec.group, []).append(fg)
    control = GroupedLayerControl(groups, exclusive_groups=False, collapsed=False)
    _vendor(control, urls(PLUGIN_JS["GroupedLayerControl"], options.static_prefix),
            urls(PLUGIN_CSS["GroupedLayerControl"], options.static_prefix))
    control.add_to(m)
    m.add_child(_Legend(_legend_html([lyr.spec for lyr in layers])))
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    title = "天津市“一市双城多节点”空间规划图 · planmap"
    m.get_root().header.add_child(Element(f"<title>{html.escape(title)}</title>"))
    return m


def render_html(store: LayerStore, options: MapOptions = MapOptions()) -> str:
    return build_map(store, options).get_root().render()
