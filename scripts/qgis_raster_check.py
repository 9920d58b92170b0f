"""Headless QGIS check: do the COGs planmap hands out open in QGIS with their CRS?

Run with the system Python that has PyQGIS (Debian ``python3-qgis``)::

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 scripts/qgis_raster_check.py a.tif EPSG:4326 b.tif EPSG:4548

For each file: QGIS's GDAL provider loads it, and its CRS must be the EPSG code given (the
authority id QGIS shows in the layer properties), with a non-empty extent and one band. Prints one
JSON report and exits 1 if anything is wrong. Standard library and PyQGIS only.
"""
from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import Qgis, QgsApplication, QgsRasterLayer  # noqa: E402


def main() -> int:
    args = sys.argv[1:]
    pairs = list(zip(args[::2], args[1::2]))
    app = QgsApplication([], False)
    app.initQgis()
    rows = []
    try:
        for path, epsg in pairs:
            layer = QgsRasterLayer(path, os.path.basename(path), "gdal")
            ext = layer.extent() if layer.isValid() else None
            rows.append({"file": os.path.basename(path), "valid": layer.isValid(),
                         "crs": layer.crs().authid() if layer.isValid() else "",
                         "expected": epsg, "bands": layer.bandCount() if layer.isValid() else 0,
                         "width": layer.width() if layer.isValid() else 0,
                         "extent": [ext.xMinimum(), ext.yMinimum(), ext.xMaximum(), ext.yMaximum()] if ext else None,
                         "ok": layer.isValid() and layer.crs().authid() == epsg and not ext.isEmpty()})
            del layer, ext  # a layer alive at exitQgis() crashes the interpreter on the way out
    finally:
        app.exitQgis()
    report = {"qgis": Qgis.version(), "rasters": rows, "ok": bool(rows) and all(r["ok"] for r in rows)}
    print(json.dumps(report, indent=1))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
