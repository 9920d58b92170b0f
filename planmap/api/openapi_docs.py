"""What /api says about each operation: a description, and an example for every input.

Route decorators carry a one-line summary. The longer text a client developer reads, and the
examples that Swagger UI, code generators and schemathesis use, live in the tables here, keyed by
path and method, so documentation changes do not touch the route modules other work goes on in.
:func:`document` only fills what a route leaves unsaid: a description or example written at the
route wins. A new operation needs an entry in :data:`OPERATIONS` (``tests/test_openapi_docs.py``
fails until it has one).
"""
from __future__ import annotations

from copy import deepcopy
from typing import Any

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"

# Examples for the shared OGC parameters (``components.parameters``, referenced by ``$ref``).
COMPONENT_EXAMPLES: dict[str, Any] = {
    "limit": 10,
    "offset": 0,
    "bbox": [117.0, 38.8, 117.9, 39.3],
    "crs": CRS84,
    "bbox-crs": CRS84,
    "filter": "name LIKE '%湿地%'",
    "filter-lang": "cql2-text",
    "filter-crs": CRS84,
    "f": "json",
}

# Inline parameters that mean the same wherever they appear: name → (description, example).
PARAMETERS: dict[str, tuple[str, Any]] = {
    "collection_id": ("A layer id, as listed by /collections.", "wetlands"),
    "feature_id": ("The feature's id within its layer: an integer from 1 to the number of "
                   "features.", "1"),
    "lon": ("Longitude in degrees (WGS84 unless `coord_sys` or `crs` says otherwise; with a "
            "projected `crs` such as EPSG:4548 it is the easting in metres).", 117.45),
    "lat": ("Latitude in degrees (the northing with a projected `crs`).", 39.05),
    "coord_sys": ("Where lon/lat were copied from: wgs84 (GPS, default), gcj02 (AMap) or bd09 "
                  "(Baidu); planmap converts them to WGS84.", "wgs84"),
    "layers": ("Comma-separated layer ids to look in (default: every layer).",
               "barrier_zones,wetlands"),
}

_SITE = {"type": "Polygon", "coordinates": [[[117.40, 39.00], [117.45, 39.00], [117.45, 39.05],
                                             [117.40, 39.00]]]}
_GEOJSON_INPUT = {
    "type": "object", "required": ["type"], "additionalProperties": True,
    "description": ("A GeoJSON geometry, a Feature, or a FeatureCollection holding exactly one "
                    "Feature. Coordinates are lon/lat in WGS84 unless the `crs` parameter (or the "
                    "body's `crs` member) names another CRS; at most 10,000 vertices, 5 MB."),
    "properties": {
        "type": {"type": "string", "enum": ["Point", "MultiPoint", "LineString", "MultiLineString",
                                            "Polygon", "MultiPolygon", "GeometryCollection",
                                            "Feature", "FeatureCollection"]},
        "coordinates": {"type": "array", "items": {}},
        "geometry": {"type": "object"},
        "features": {"type": "array", "items": {"type": "object"}},
    },
}


def _geojson_body(examples: dict[str, dict[str, Any]]) -> dict[str, Any]:
    media = {"schema": {"$ref": "#/components/schemas/GeoJSONInput"}, "examples": examples}
    return {"required": True, "description": _GEOJSON_INPUT["description"],
            "content": {"application/json": media, "application/geo+json": deepcopy(media)}}


_IMPORT_CSV = ("name,category,district,place,investment_yi,lon,lat,coord_sys\n"
               "示例物流园,industry,津南区,咸水沽,12.5,,,\n"
               "示例污水厂,water,滨海新区,,3,117.702,39.021,gcj02\n")

# (path, method) → description, parameter examples/descriptions, request body.
OPERATIONS: dict[tuple[str, str], dict[str, Any]] = {
    ("/", "get"): {"description": (
        "The entry point of the OGC API - Features service: links to this API definition, the "
        "conformance classes, the layers and the interactive map. A browser gets an HTML page; "
        "`f=json` or `Accept: application/json` gets JSON.")},
    ("/conformance", "get"): {"description": (
        "The OGC conformance classes the service implements (Features Core, GeoJSON, HTML, "
        "OpenAPI 3.0, CRS by reference, and filtering with CQL2), so clients such as QGIS and "
        "GDAL know which requests they may send.")},
    ("/collections", "get"): {"description": (
        "Every layer (collection) with its title, description, extent, supported CRS and links to "
        "its features and queryables.")},
    ("/collections/{collection_id}", "get"): {"description": (
        "One layer's metadata: title, description, spatial extent, supported CRS and links.")},
    ("/collections/{collection_id}/queryables", "get"): {"description": (
        "The properties of a layer that `filter` and property filters may use, as a JSON Schema "
        "with each field's type and Chinese and English titles.")},
    ("/collections/{collection_id}/items", "get"): {"description": (
        "A page of a layer's features as GeoJSON (or HTML). Narrow it with `bbox`, a CQL2 "
        "`filter`, or a property filter named after a field (e.g. `level=1` on barrier_zones, "
        "`district=津南区` on projects); page with `limit`/`offset` or the `next` link. "
        "Projects without a location (citywide programmes) have a null geometry.")},
    ("/collections/{collection_id}/items/{feature_id}", "get"): {"description": (
        "One feature by id, as GeoJSON (or HTML), in the CRS asked for with `crs`.")},
    ("/export/planmap.gpkg", "get"): {"description": (
        "Every layer in one GeoPackage with its QGIS styles and a QGIS project named `planmap` "
        "stored inside. Keep the file name `planmap.gpkg` so the project finds its layers.")},
    ("/export/{filename}", "get"): {
        "description": (
            "One layer as a file: `{id}.gpkg`, `{id}.zip` (Shapefile), `{id}.kml`, "
            "`{id}.geojson`, `{id}.csv` or `{id}.fgb`, in the CRS asked for with `crs`."),
        "parameters": {
            "filename": ("The layer id and the format's suffix.", "wetlands.geojson"),
            "geometry": (None, "wkt"),
        }},
    ("/map", "get"): {
        "description": (
            "The interactive planning map: every layer grouped as in the plan, a legend, popups "
            "and project tables. All scripts and styles are served by planmap (no CDN); "
            "`basemap=none` draws without any outside tiles."),
        "parameters": {"layers": (None, "districts,eco_barrier,wetlands"),
                       "basemap": (None, "osm"), "lang": (None, "en")}},
    ("/map/data/topology.json", "get"): {
        "description": (
            "The map's geometry as TopoJSON at one of three levels of detail; the map page "
            "loads a finer level as the user zooms in."),
        "parameters": {"level": (None, 1), "basemap": (None, "osm"),
                       "layers": (None, "districts,wetlands")}},
    ("/stats/projects", "get"): {
        "description": (
            "How many projects, and how much stated investment (亿元), there are per district, "
            "park, barrier control zone or category, optionally filtered. Projects without a "
            "stated investment count in `count` but add nothing to `investment_yi`."),
        "parameters": {"by": (None, "district"), "district": (None, "滨海新区"),
                       "category": (None, "transport"), "barrier_level": (None, 1)}},
    ("/projects/import", "post"): {
        "description": (
            "Add the rows of a project list (CSV in UTF-8 or GBK, or XLSX; multipart field `file`) "
            "to the projects layer. Each row is placed at its lon/lat, else at the place, park or "
            "district it names, and joined to districts, barrier zones and wetlands. The answer "
            "is a row-level report: rows imported, rows already present (importing the same file "
            "again adds nothing) and one problem per bad cell."),
        "body_example": {"file": _IMPORT_CSV}},
    ("/query/point", "get"): {
        "description": (
            "Every feature of every polygon layer that contains the point: its district, "
            "twin-city side, barrier control zone, wetland reserve and so on."),
        "parameters": {"layers": (None, "districts,barrier_zones,wetlands")}},
    ("/query/intersects", "post"): {
        "description": (
            "Every feature that a GeoJSON geometry touches, in every layer or in the ones named "
            "by `layers`, with the input's area in m² computed in EPSG:4548."),
        "parameters": {"layers": (None, "eco_barrier,barrier_zones")},
        "requestBody": _geojson_body({
            "polygon": {"summary": "A polygon near the barrier", "value": _SITE},
            "feature": {"summary": "A line as a Feature", "value": {
                "type": "Feature", "properties": {"name": "示例线路"},
                "geometry": {"type": "LineString",
                             "coordinates": [[117.30, 39.05], [117.55, 39.10]]}}}})},
    ("/query/nearby", "get"): {
        "description": (
            "Features within `distance_m` metres of a point (lon/lat) or of a feature "
            "(`of=layer:id`), nearest first, each with its distance."),
        "parameters": {
            "distance_m": (None, 2000),
            "of": (None, "wetlands:1"),
            "layer": (None, "parks,projects"),
        }},
    ("/analysis/siting", "post"): {
        "description": (
            "The siting check (合规性审查) of a proposed project site: the body is the site's "
            "polygon. The answer gives a verdict (`conflict`, `possible_conflict`, `caution` or "
            "`clear`; a conflict rule met by schematic geometry is only a `possible_conflict`), every "
            "overlap with a protected area (layer, feature, control level, overlap in m² and "
            "share of the site, geometry quality), and the districts, parks and twin-city side "
            "the site lies in. Against schematic geometry a finding is a prompt to check the "
            "official plan, not a legal finding. `f=html` returns a printable report."),
        "parameters": {"repair": (None, True), "basemap": (None, "none")},
        "requestBody": _geojson_body({
            "site": {"summary": "A site partly inside the barrier", "value": _SITE},
            "feature": {"summary": "The same site as a Feature", "value": {
                "type": "Feature", "properties": {"name": "示例项目用地"}, "geometry": _SITE}}})},
}

_RASTER = ("A raster id from /rasters; default: the embedded MODIS 2019 land cover "
           "(0.05° cells, about 4.9 km: too coarse for most zones).", "modis_igbp_2019")
# The land-cover raster routes (planmap/api/raster_routes.py).
OPERATIONS.update({
    ("/rasters", "get"): {"description": (
        "Every registered land-cover raster: CRS, cell size (degrees or metres, and `res_m` in "
        "metres), extent, class table with the blue/green/forest/built groups, source, year and "
        "licence, with links to the COG and the PNG tiles.")},
    ("/rasters/{raster_id}", "get"): {
        "description": "One raster's description (as in /rasters).",
        "parameters": {"raster_id": ("The raster's id.", "modis_igbp_2019")}},
    ("/rasters/{raster_id}.tif", "get"): {
        "description": ("The raster as a Cloud-Optimised GeoTIFF on its own grid and CRS (GDAL "
                        "and QGIS open it directly, also by HTTP range requests)."),
        "parameters": {"raster_id": ("The raster's id.", "modis_igbp_2019")}},
    ("/rasters/{raster_id}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}.png", "get"): {
        "description": ("A 256-pixel PNG tile in WebMercatorQuad, warped with nearest neighbour "
                        "and coloured by the class table; no data is transparent."),
        "parameters": {"raster_id": ("The raster's id.", "modis_igbp_2019"),
                       "tileMatrix": (None, 8), "tileRow": (None, 97), "tileCol": (None, 211)}},
    ("/analysis/zonal", "get"): {
        "description": (
            "Per feature of a polygon layer: each land-cover class's area (km², EPSG:4548) and "
            "share, and the blue, green, blue-green, forest and built shares. Cell rule: "
            "fractional coverage (a cell counts by the share of its area inside the zone). A "
            "zone with fewer than 100 cells wholly inside it is `judgeable: false`, with a "
            "warning: its shares cannot be judged at that resolution."),
        "parameters": {"layer": (None, "barrier_zones"), "raster": _RASTER, "ids": (None, "1")}},
    ("/analysis/zonal", "post"): {
        "description": ("The same statistics inside one GeoJSON polygon (the body), e.g. a "
                        "planned site or a survey area."),
        "parameters": {"raster": _RASTER},
        "requestBody": _geojson_body({"zone": {"summary": "A polygon in the barrier", "value": _SITE}})},
    ("/indicators", "get"): {
        "description": (
            "The planning-targets board: every quantitative target of the plan texts (blue-green "
            "share of the barrier, forest cover of control zone 1, of 津南区 and of Tianjin, the "
            "natural shoreline, the barrier and wetland areas) with its source line and quote, "
            "the measured value (null when unknown), the data used and its resolution, and "
            "`met`, `not_met` or `cannot_judge` with the reason. `f=csv` is the same as a sheet."),
        "parameters": {"raster": _RASTER, "f": (None, "json")}},
    ("/export/indicators.{suffix}", "get"): {
        "description": ("The planning-targets board (as /indicators) as a sheet: `indicators.csv` "
                        "or `indicators.xlsx` (a `targets` sheet and an `about` sheet with the "
                        "raster's source and the cell and resolution rules)."),
        "parameters": {"suffix": (None, "xlsx"), "raster": _RASTER}},
    ("/export/{layer_id}.tif", "get"): {
        "description": (
            "A vector layer rasterised to a Cloud-Optimised GeoTIFF in EPSG:4548 on a `res`-metre "
            "grid: polygons and lines burn their class value (barrier_zones: the level) or "
            "feature id, points count per cell (projects.tif is a project-density grid)."),
        "parameters": {"layer_id": ("A layer id.", "barrier_zones"), "res": (None, 500)}},
})


def _has_example(node: dict[str, Any]) -> bool:
    return "example" in node or "examples" in node or "example" in node.get("schema", {})


def _document_parameter(param: dict[str, Any], overrides: dict[str, tuple[str | None, Any]]) -> None:
    name = param.get("name", "")
    desc, example = overrides.get(name, PARAMETERS.get(name, (None, None)))
    if name in overrides and desc is None and name in PARAMETERS:
        desc = PARAMETERS[name][0]
    if desc and not param.get("description"):
        param["description"] = desc
    if example is not None and not _has_example(param):
        param["example"] = example


def document(doc: dict[str, Any]) -> None:
    """Fill descriptions and examples into a generated OpenAPI 3.0 document, in place."""
    comps = doc.setdefault("components", {})
    comps.setdefault("schemas", {})["GeoJSONInput"] = _GEOJSON_INPUT
    for name, example in COMPONENT_EXAMPLES.items():
        param = comps.get("parameters", {}).get(name)
        if param is not None and not _has_example(param):
            param["example"] = example
    for path, item in doc.get("paths", {}).items():
        for method, op in item.items():
            entry = OPERATIONS.get((path, method), {})
            if entry.get("description") and not op.get("description"):
                op["description"] = entry["description"]
            overrides = entry.get("parameters", {})
            for param in op.get("parameters", []):
                if "$ref" not in param:
                    _document_parameter(param, overrides)
            if "requestBody" in entry and "requestBody" not in op:
                op["requestBody"] = deepcopy(entry["requestBody"])
            if "body_example" in entry:
                for media in op.get("requestBody", {}).get("content", {}).values():
                    media.setdefault("example", entry["body_example"])

# OGC API - Tiles (planmap/api/tile_routes.py)
_LAYER = ("A layer id (see /collections).", "districts")
OPERATIONS.update({
    ("/collections/{collection_id}/tiles", "get"): {
        "description": "The layer's tilesets: one, vector tiles (MVT) in WebMercatorQuad.",
        "parameters": {"collection_id": _LAYER}},
    ("/collections/{collection_id}/tiles/WebMercatorQuad", "get"): {
        "description": ("The layer's WebMercatorQuad vector tileset: its tile matrix set, the "
                        "limits of each tile matrix (0 to 22) and the templated tile link."),
        "parameters": {"collection_id": _LAYER}},
    ("/collections/{collection_id}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}", "get"): {
        "description": (
            "One Mapbox vector tile of the layer: its features that meet the tile (with a 64-unit "
            "buffer), in EPSG:3857, simplified to half a pixel of the zoom, with the layer's fields "
            "and `fid` as properties. 204 when no feature meets the tile; 304 for a matching "
            "`If-None-Match`. Features without a geometry are never in a tile."),
        "parameters": {"collection_id": _LAYER, "tileMatrix": ("Zoom level, 0-22.", 10),
                       "tileRow": ("Row, from the north, 0 to 2^tileMatrix - 1.", 391),
                       "tileCol": ("Column, from the west, 0 to 2^tileMatrix - 1.", 845)}},
})
