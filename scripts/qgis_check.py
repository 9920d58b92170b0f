"""Headless QGIS check: does QGIS read planmap as its users will?

Run with the system Python that has PyQGIS (Debian ``python3-qgis``)::

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 scripts/qgis_check.py http://127.0.0.1:8000 planmap.gpkg

1. Every collection of the service is loaded through QGIS's OGC API - Features provider
   (``OAPIF``) and every feature is fetched (all pages); the count must equal ``numberMatched``.
2. Every layer of the exported GeoPackage is loaded with the ``ogr`` provider; QGIS must apply
   the default style from ``layer_styles`` (the registry's colour, categories for classed layers).
3. The QGIS project stored in the GeoPackage (``qgis_projects``) is opened the way QGIS's Browser
   opens it (``geopackage:…?projectName=planmap``): its groups, its layers (valid, sourced from
   that same file wherever it lies) and their renderers are reported.

Prints one JSON report and exits 1 if anything is wrong. Uses only the standard library and
PyQGIS, because it runs outside planmap's environment.
"""
from __future__ import annotations

import json
import os
import sqlite3
import sys
import urllib.request

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import QgsApplication, QgsProject, QgsVectorLayer  # noqa: E402


def get_json(url: str) -> dict:
    req = urllib.request.Request(url, headers={"Accept": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.load(resp)


def check_oapif(base: str) -> list[dict]:
    out = []
    for coll in get_json(f"{base}/collections")["collections"]:
        cid = coll["id"]
        matched = get_json(f"{base}/collections/{cid}/items?limit=1")["numberMatched"]
        layer = QgsVectorLayer(f"url='{base}' typename='{cid}' pageSize='5'", cid, "OAPIF")
        fetched = sum(1 for _ in layer.getFeatures()) if layer.isValid() else -1
        out.append({"collection": cid, "valid": layer.isValid(), "numberMatched": matched,
                    "qgis_features": fetched, "qgis_crs": layer.crs().authid(),
                    "ok": layer.isValid() and fetched == matched})
    return out


def _colour(sym) -> str:
    return sym.color().name() if sym is not None else ""


def check_gpkg(path: str) -> list[dict]:
    con = sqlite3.connect(path)
    styles = con.execute("SELECT f_table_name, styleQML FROM layer_styles").fetchall()
    con.close()
    out = []
    for table, qml in styles:
        layer = QgsVectorLayer(f"{path}|layername={table}", table, "ogr")
        renderer = layer.renderer() if layer.isValid() else None
        rtype = renderer.type() if renderer else ""
        if rtype == "categorizedSymbol":
            colours = [_colour(c.symbol()) for c in renderer.categories()]
        elif rtype == "singleSymbol":
            colours = [_colour(renderer.symbol())]
        else:
            colours = []
        # QGIS would pick a random colour without the stored style; the QML stores r,g,b,a,
        # so every colour QGIS shows must appear in the stored QML
        rgb = [",".join(str(int(c[i:i + 2], 16)) for i in (1, 3, 5)) for c in colours]
        styled = bool(colours) and all(f'value="{x},' in qml for x in rgb)
        out.append({"layer": table, "valid": layer.isValid(), "features": layer.featureCount(),
                    "renderer": rtype, "colours": colours, "style_applied": styled,
                    "ok": layer.isValid() and styled})
    return out


def check_project(path: str) -> dict:
    prj = QgsProject.instance()
    opened = prj.read(f"geopackage:{path}?projectName=planmap")
    groups = [{"group": g.name(), "layers": [n.name() for n in g.children()]}
              for g in prj.layerTreeRoot().children()]
    layers = []
    for lyr in prj.mapLayers().values():
        renderer = lyr.renderer()
        layers.append({"layer": lyr.source().split("layername=")[-1], "valid": lyr.isValid(),
                       "features": lyr.featureCount(), "renderer": renderer.type() if renderer else "",
                       "same_file": os.path.samefile(lyr.source().split("|")[0], path)})
    ok = opened and bool(layers) and all(r["valid"] and r["same_file"] for r in layers)
    report = {"opened": opened, "title": prj.title(), "groups": groups, "layers": layers, "ok": ok}
    prj.clear()
    return report


def main() -> int:
    base, gpkg = sys.argv[1].rstrip("/"), sys.argv[2]
    app = QgsApplication([], False)
    app.initQgis()
    try:
        report = {"qgis": QgsApplication.instance().applicationVersion() if hasattr(
                      QgsApplication.instance(), "applicationVersion") else "",
                  "oapif": check_oapif(base), "gpkg": check_gpkg(gpkg),
                  "project": check_project(gpkg)}
    finally:
        app.exitQgis()
    from qgis.core import Qgis  # noqa: PLC0415
    report["qgis"] = Qgis.version()
    report["ok"] = all(r["ok"] for r in report["oapif"] + report["gpkg"]) and report["project"]["ok"]
    print(json.dumps(report, ensure_ascii=False, indent=1))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
