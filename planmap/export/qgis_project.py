"""A QGIS project stored inside the exported GeoPackage (table ``qgis_projects``).

A QGIS user who opens ``planmap.gpkg`` finds a project named ``planmap`` under the file in the
Browser: every layer already styled from the registry, in the registry's groups (行政区划, 双城格局,
生态空间 …), drawn in the registry's order, zoomed to Tianjin. It is the same layout as the web
map, so a planner and a GIS analyst look at the same thing.

QGIS keeps such a project as a zipped ``.qgs`` (a ``.qgz``), hex-encoded, in
``qgis_projects(name, metadata, content)``. Layer sources are written relative
(``./planmap.gpkg|layername=…``), which QGIS resolves against the GeoPackage's own folder, so the
file can be moved — but it must keep its name, ``planmap.gpkg``.
"""
from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from ..layers.registry import LayerSpec
from .qml import LABELING_XML, QGIS_VERSION, renderer_xml

PROJECT_NAME = "planmap"
PROJECT_TITLE = "planmap · 天津一市双城 Tianjin twin-city plan"
_QGIS_GEOMETRY = {"point": "Point", "line": "Line", "polygon": "Polygon"}
_WKB_TYPES = {"point": "MultiPoint", "line": "MultiLineString", "polygon": "MultiPolygon"}


def _srs(authid: str) -> str:
    return f"<spatialrefsys><authid>{escape(authid)}</authid></spatialrefsys>"


def _layer_id(table: str) -> str:
    return f"planmap_{table}"


def _title(spec: LayerSpec, table: str) -> str:
    title = f"{spec.title_zh} {spec.title_en}"
    return title if table == spec.id else f"{title} ({table.removeprefix(spec.id + '_')})"


def _maplayer(table: str, spec: LayerSpec, family: str, source: str, authid: str) -> str:
    labels = "1" if family == "polygon" else "0"  # thousands of point labels would bury the map
    return (f'<maplayer type="vector" geometry={quoteattr(_QGIS_GEOMETRY.get(family, "Polygon"))} '
            f'wkbType={quoteattr(_WKB_TYPES.get(family, "MultiPolygon"))} labelsEnabled="{labels}" '
            f'readOnly="0" autoRefreshEnabled="0">'
            f'<id>{_layer_id(table)}</id><datasource>{escape(source)}</datasource>'
            f'<keywordList><value>{escape(spec.group)}</value></keywordList>'
            f'<layername>{escape(_title(spec, table))}</layername>'
            f'<srs>{_srs(authid)}</srs>'
            f'<abstract>{escape(spec.description)}</abstract>'
            f'<provider encoding="UTF-8">ogr</provider>'
            f'{renderer_xml(spec, family)}{LABELING_XML}</maplayer>')


def project_xml(layers: list[tuple[str, LayerSpec, str]], authid: str,
                extent: tuple[float, float, float, float], gpkg_name: str = "planmap.gpkg") -> str:
    """The ``.qgs`` document for the exported ``layers`` = (table, spec, geometry family).

    The layer tree lists groups and layers top to bottom in reverse registry order, because in
    QGIS the top of the tree is drawn last (on top): projects over parks over the barrier over
    the districts.
    """
    ordered = sorted(layers, key=lambda t: (-t[1].order, t[0]))
    groups: dict[str, list[tuple[str, LayerSpec, str]]] = {}
    for item in ordered:
        groups.setdefault(item[1].group, []).append(item)
    tree = []
    for group, members in groups.items():
        nodes = "".join(
            f'<layer-tree-layer id={quoteattr(_layer_id(t))} name={quoteattr(_title(s, t))} '
            f'source={quoteattr(f"./{gpkg_name}|layername={t}")} providerKey="ogr" '
            f'checked="Qt::Checked" expanded="0"><customproperties/></layer-tree-layer>'
            for t, s, _ in members)
        tree.append(f'<layer-tree-group name={quoteattr(group)} checked="Qt::Checked" '
                    f'expanded="1"><customproperties/>{nodes}</layer-tree-group>')
    maplayers = "".join(_maplayer(t, s, f, f"./{gpkg_name}|layername={t}", authid)
                        for t, s, f in ordered)
    order = "".join(f'<item>{_layer_id(t)}</item>' for t, _, _ in ordered)
    xmin, ymin, xmax, ymax = extent
    units = "meters" if not authid.endswith(("4326", "4490", "CRS84")) else "degrees"
    return (
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>"
        f'<qgis projectname={quoteattr(PROJECT_TITLE)} version="{QGIS_VERSION}">'
        f'<homePath path=""/><title>{escape(PROJECT_TITLE)}</title>'
        f'<projectCrs>{_srs(authid)}</projectCrs>'
        f'<layer-tree-group><customproperties/>{"".join(tree)}'
        f'<custom-order enabled="0">{order}</custom-order></layer-tree-group>'
        f'<mapcanvas name="theMapCanvas" annotationsVisible="1"><units>{units}</units>'
        f'<extent><xmin>{xmin}</xmin><ymin>{ymin}</ymin><xmax>{xmax}</xmax><ymax>{ymax}</ymax></extent>'
        f'<destinationsrs>{_srs(authid)}</destinationsrs></mapcanvas>'
        f'<projectlayers>{maplayers}</projectlayers>'
        '<properties><Paths><Absolute type="bool">false</Absolute></Paths></properties>'
        '</qgis>')


def qgz_bytes(qgs: str) -> bytes:
    """The zipped project (``.qgz``), as QGIS stores it; fixed timestamps keep exports identical."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        info = zipfile.ZipInfo(f"{PROJECT_NAME}.qgs", date_time=(2000, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, qgs.encode("utf-8"))
    return buf.getvalue()


def write_project(gpkg: Path, layers: list[tuple[str, LayerSpec, str]], authid: str,
                  extent: tuple[float, float, float, float]) -> None:
    """Store the project in ``gpkg`` under the name ``planmap`` (replacing one already there)."""
    content = qgz_bytes(project_xml(layers, authid, extent, Path(gpkg).name)).hex()
    meta = json.dumps({"last_modified_time": "2000-01-01T00:00:00", "last_modified_user": "planmap"})
    con = sqlite3.connect(gpkg)
    try:
        con.execute("CREATE TABLE IF NOT EXISTS qgis_projects "
                    "(name TEXT PRIMARY KEY, metadata BLOB, content BLOB)")
        con.execute("INSERT OR REPLACE INTO qgis_projects (name, metadata, content) VALUES (?, ?, ?)",
                    (PROJECT_NAME, meta, content))
        con.commit()
    finally:
        con.close()
