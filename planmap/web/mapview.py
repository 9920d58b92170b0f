"""Build the planners' map page: a Folium shell plus one vendored script that draws the layers.

Everything the page shows comes from the store (features) and the registry (titles, groups,
styles, legend), so a new layer appears on the map without code here. Folium provides the map
shell and the asset loading (pointed at the vendored copies, never a CDN); the ES modules in ``static/js/``
does the interactive work, driven by one JSON config written into the page. Geometry travels as a
simplified TopoJSON overview (``mapdata``); finer levels are fetched on zoom when served.
"""
from __future__ import annotations

import html
import json
import os
from dataclasses import dataclass

import folium
from branca.element import Element, MacroElement, Template

from ..config import BASEMAPS  # noqa: F401  (re-exported: the routes and the CLI check against it)
from ..layers.registry import GEOM_QUALITY_ZH, LayerSpec
from ..store import LayerStore
from . import mapdata
from .assets import ENTRY_MODULE, MAP_CSS, MAP_JS, import_map, urls
from .safejson import script_json

LANGS = ("zh", "en")
# The layer tree's groups, in the order the planners asked for; layers in other groups follow.
GROUPS = (("行政区划", "Administrative divisions"), ("双城格局", "Twin cities"),
          ("生态空间", "Ecological space"), ("产业园区", "Industrial parks"), ("项目", "Projects"))
TIANDITU_ENV = "PLANMAP_TIANDITU_KEY"


def tianditu_key() -> str:
    """The 天地图 key from the environment (tiles are refused without one)."""
    return os.environ.get(TIANDITU_ENV, "").strip()


@dataclass(frozen=True)
class MapOptions:
    """One map configuration; the served page is cached per (store etag, options)."""

    layers: tuple[str, ...] | None = None
    basemap: str = "osm"
    static_prefix: str = "/static"
    lang: str = "zh"
    # Base URL of the planmap service for finer geometry, siting and stats; "" = standalone page
    # (overview geometry only, siting disabled).
    api_base: str = ""
    tianditu_key: str = ""


def _spec_json(spec: LayerSpec, count: int) -> dict:
    st = spec.style
    return {
        "id": spec.id, "title_zh": spec.title_zh, "title_en": spec.title_en,
        "group": spec.group, "geometry": spec.geometry, "count": count,
        "description": spec.description,
        "style": {"color": st.color, "fill_color": st.fill_color, "fill_opacity": st.fill_opacity,
                  "weight": st.weight, "dash": st.dash, "legend_zh": st.legend_zh,
                  "legend_en": st.legend_en},
        "classes": [{"value": c.value, "fill_color": c.fill_color, "legend_zh": c.legend_zh,
                     "legend_en": c.legend_en} for c in spec.classes],
        "class_field": spec.class_field,
        "fields": [{"name": f.name, "zh": f.title_zh, "en": f.title_en} for f in spec.fields
                   if f.name not in mapdata.DROP_FIELDS],
    }


def _groups(specs: list[LayerSpec]) -> list[dict]:
    known = [{"zh": zh, "en": en} for zh, en in GROUPS]
    for spec in specs:
        if spec.group not in {g["zh"] for g in known}:
            known.append({"zh": spec.group, "en": spec.group})
    return known


def map_config(store: LayerStore, options: MapOptions) -> dict:
    """Everything the page's modules (static/js/) need, as one JSON-able dict."""
    layers = [lyr for lyr in store if options.layers is None or lyr.id in options.layers]
    inside = mapdata.projects_inside(store, options.layers)
    totals = mapdata.district_totals(store, inside) if "projects" in store.ids() else {}
    api = options.api_base.rstrip("/")
    served = bool(options.api_base)
    minx, miny, maxx, maxy = store.bounds()
    deferred = mapdata.DEFERRED_FIELDS if served else ()
    return {
        "lang": options.lang,
        "deferred_fields": list(deferred),
        "items_url": f"{api}/collections" if served else None,
        "basemap": options.basemap,
        "coord_sys": mapdata.coord_sys_for(options.basemap),
        "tianditu_key": options.tianditu_key,
        "tianditu_env": TIANDITU_ENV,
        "bounds": [[miny, minx], [maxy, maxx]],
        "groups": _groups([lyr.spec for lyr in layers]),
        "layers": [_spec_json(lyr.spec, len(lyr)) for lyr in layers],
        "quality": GEOM_QUALITY_ZH,
        "topo": json.loads(mapdata.topology(store, options.layers, 0, options.basemap)),
        "levels": [z for z, _ in mapdata.DETAIL_LEVELS],
        "topo_url": f"{api}/map/data/topology.json" if served else None,
        "layers_param": ",".join(options.layers) if options.layers else "",
        "points": {lyr.id: mapdata.points(lyr, options.basemap, deferred).__dict__
                   for lyr in mapdata.point_layers(store, options.layers)},
        "projects_present": "projects" in store.ids(),
        "inside": {lid: {str(k): v for k, v in per.items()} for lid, per in inside.items()},
        "district_totals": {str(k): v for k, v in totals.items()},
        "label_points": {lid: {str(k): v for k, v in mapdata.label_points(store, lid, options.basemap).items()}
                         for lid in mapdata.LABELLED if lid in store.ids()},
        "categories": _categories(store),
        "siting_url": f"{api}/analysis/siting" if served else None,
        "map_url": f"{api}/map" if served else None,
    }


# Kelly's colours of maximum contrast (white and black left out): one per project category.
CATEGORY_COLOURS = ("#F3C300", "#875692", "#F38400", "#A1CAF1", "#BE0032", "#C2B280", "#848482",
                    "#008856", "#E68FAC", "#0067A5", "#F99379", "#604E97", "#F6A600", "#B3446C",
                    "#DCD300", "#882D17", "#8DB600", "#654522", "#E25822", "#2B3D26")


def _categories(store: LayerStore) -> list[dict]:
    """The registry's project categories with their Chinese and English labels and a colour each."""
    if "projects" not in store.ids():
        return []
    cats = store.get("projects").spec.extra.get("categories", [])
    return [{"code": c["code"], "zh": c["zh"], "en": c["en"], "color": CATEGORY_COLOURS[i % len(CATEGORY_COLOURS)]}
            for i, c in enumerate(cats)]


class _PlanMapApp(MacroElement):
    """Queues the Leaflet map and the config for planmap's modules (which start once loaded)."""

    _template = Template("""
{% macro script(this, kwargs) %}
(window.planmapQueue = window.planmapQueue || []).push([{{ this._parent.get_name() }}, {{ this.config }}]);
{% endmacro %}
""")

    def __init__(self, config: dict):
        super().__init__()
        self._name = "PlanMapApp"
        # No "<", ">" or "&" reaches the page: see planmap.web.safejson for why "</" is not enough.
        self.config = script_json(config)


def build_map(store: LayerStore, options: MapOptions = MapOptions()) -> folium.Map:
    minx, miny, maxx, maxy = store.bounds()
    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=9, tiles=None,
                   prefer_canvas=True, control_scale=True, zoom_control=True,
                   max_zoom=18)
    m.default_js = urls(MAP_JS, options.static_prefix)
    m.default_css = urls(MAP_CSS, options.static_prefix)
    m.add_child(_PlanMapApp(map_config(store, options)))
    # Served pages load the modules by URL; a standalone page (render, notebook) inlines them,
    # because browsers refuse module scripts from file:// URLs.
    imports = import_map(options.static_prefix if options.api_base else None)
    m.get_root().header.add_child(Element(
        '<script type="importmap">' + script_json(imports) + "</script>"
        f'<script type="module">import "{ENTRY_MODULE}";</script>'))
    title = ("天津市“一市双城多节点”空间规划图 · planmap" if options.lang == "zh"
             else "Tianjin twin-city spatial plan · planmap")
    m.get_root().header.add_child(Element(f"<title>{html.escape(title)}</title>"))
    m.get_root().html_lang = "zh-CN" if options.lang == "zh" else "en"  # type: ignore[attr-defined]
    return m


def render_html(store: LayerStore, options: MapOptions = MapOptions()) -> str:
    return build_map(store, options).get_root().render()
