"""Import a project list (CSV/XLSX) into the `projects` layer, with a row-level report.

Every row is either placed or explained: a bad row gets one problem per bad cell (row, column,
problem) and is left out; good rows are located (coordinates, else the gazetteer), joined with
the same :func:`~planmap.layers.projects.apply_joins` as the build, and written in ONE SQLite
transaction. A failure half-way rolls everything back. Each row has a deterministic key (name,
location, file name), so importing the same file twice adds nothing the second time.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio

from ..config import SOURCES_DIR
from ..geo.chinese_coords import convert
from ..layers.gazetteer import Gazetteer, from_layers
from ..layers.joins import store_layers
from ..layers.projects import SEP, Location, apply_joins, import_key, locate
from . import gpkg_write
from .table import read_table

TIANJIN_BBOX = (116.7, 38.5, 118.1, 40.3)
DISTRICTS = ("和平区 河东区 河西区 南开区 河北区 红桥区 东丽区 西青区 津南区 北辰区 武清区 宝坻区 "
             "滨海新区 宁河区 静海区 蓟州区").split()
# Header aliases (lower-cased, spaces removed) → import column.
ALIASES = {
    "name": ("name", "项目名称", "名称", "项目"),
    "category": ("category", "类别", "项目类别", "类型"),
    "district": ("district", "区", "所在区", "行政区"),
    "park": ("park", "园区", "所在园区"),
    "period": ("period", "时期", "年份", "建设期"),
    "investment_yi": ("investment_yi", "投资", "总投资", "投资（亿元）", "投资(亿元)", "总投资（亿元）", "总投资(亿元)"),
    "lon": ("lon", "lng", "longitude", "经度"),
    "lat": ("lat", "latitude", "纬度"),
    "coord_sys": ("coord_sys", "坐标系"),
    "place": ("place", "地点", "地名", "位置"),
}
COORD_SYS = {"": "wgs84", "wgs84": "wgs84", "wgs-84": "wgs84", "gps": "wgs84",
             "gcj02": "gcj02", "gcj-02": "gcj02", "amap": "gcj02", "高德": "gcj02",
             "bd09": "bd09", "bd-09": "bd09", "baidu": "bd09", "百度": "bd09"}


@dataclass
class ImportReport:
    file: str
    rows: int = 0
    imported: int = 0
    already_present: int = 0
    problems: list[dict] = field(default_factory=list)
    loc_quality: dict[str, int] = field(default_factory=dict)

    @property
    def bad_rows(self) -> int:
        return len({p["row"] for p in self.problems})

    def as_dict(self) -> dict:
        return {"file": self.file, "rows": self.rows, "imported": self.imported,
                "already_present": self.already_present, "bad_rows": self.bad_rows,
                "loc_quality": self.loc_quality, "problems": self.problems}


def _key(header: str) -> str:
    return header.strip().lower().replace(" ", "")


def map_columns(header: list[str]) -> dict[int, str]:
    """Column position → import field; unknown headers map to themselves (kept as attributes)."""
    lookup = {_key(a): f for f, aliases in ALIASES.items() for a in aliases}
    return {i: lookup.get(_key(h), h) for i, h in enumerate(header) if h}


def _float(v: str) -> float | None:
    v = v.replace(",", "").strip()
    if not v:
        return None
    f = float(v)
    if not math.isfinite(f):
        raise ValueError(v)
    return f


def _district(v: str) -> str | None:
    v = v.strip()
    if not v:
        return ""
    for d in DISTRICTS:
        if v in (d, d[:-1]) or (d == "滨海新区" and v in ("滨海", "新区")):
            return d
    return None


def parse_rows(header: list[str], rows: list[list[str]], filename: str, gaz: Gazetteer,
               report: ImportReport) -> list[dict]:
    """Validate and locate each row; bad rows go to the report, good ones come back as features."""
    cols = map_columns(header)
    if "name" not in cols.values():
        report.problems.append({"row": 1, "column": "name",
                                "problem": "no 'name' (项目名称) column in the header"})
        return []
    good: list[dict] = []
    pending_coords: list[tuple[dict, float, float, str]] = []
    for i, raw in enumerate(rows, start=2):
        if not any(c.strip() for c in raw):
            continue
        report.rows += 1
        rec = {f: (raw[p].strip() if p < len(raw) else "") for p, f in cols.items()}
        probs: list[tuple[str, str]] = []
        if not rec.get("name"):
            probs.append(("name", "empty name"))
        inv = None
        try:
            inv = _float(rec.get("investment_yi", ""))
        except ValueError:
            probs.append(("investment_yi", f"{rec['investment_yi']!r} is not a number (亿元)"))
        district = _district(rec.get("district", ""))
        if district is None:
            probs.append(("district", f"{rec['district']!r} is not one of Tianjin's 16 districts"))
            district = ""
        cs = COORD_SYS.get(rec.get("coord_sys", "").strip().lower())
        if cs is None:
            probs.append(("coord_sys", f"{rec['coord_sys']!r}: use wgs84, gcj02 (AMap) or bd09 (Baidu)"))
        lon_s, lat_s = rec.get("lon", ""), rec.get("lat", "")
        lon = lat = None
        if lon_s or lat_s:
            for col, s in (("lon", lon_s), ("lat", lat_s)):
                try:
                    v = _float(s)
                except ValueError:
                    probs.append((col, f"{s!r} is not a number"))
                    continue
                if v is None:
                    probs.append((col, "empty while the other coordinate is given"))
                elif col == "lon":
                    lon = v
                else:
                    lat = v
            if lon is not None and lat is not None:
                if 38 <= lon <= 41 and 116 <= lat <= 119:
                    probs.append(("lon", f"lon {lon} and lat {lat} look swapped"))
                    lon = lat = None
        feature = {"name": rec.get("name", ""), "category": rec.get("category") or None,
                   "park": rec.get("park") or None, "period": rec.get("period") or None,
                   "investment_yi": inv, "district_stated": district or None,
                   "place": rec.get("place") or None, "row": i}
        extra = {f: v for f, v in rec.items() if f not in ALIASES and v}
        feature["attributes"] = json.dumps(extra, ensure_ascii=False, sort_keys=True) if extra else None
        if not probs and lon is None:
            loc = locate(gaz, place=rec.get("place", ""), park=rec.get("park", ""), district=district,
                         name=rec.get("name", ""))
            place_hit = gaz.lookup(rec["place"], district) if rec.get("place") else None
            if loc.place is None and place_hit is not None:  # a district, or a park known only by its district
                loc = Location(place_hit, place_hit.quality)
            if rec.get("place") and (loc.place is None or loc.place.name != rec["place"]) \
                    and place_hit is None:
                probs.append(("place", f"{rec['place']!r} is not in the gazetteer; give lon/lat"))
            elif loc.place is None:
                probs.append(("place", "no location: give lon/lat, a place, a park or a district"))
            else:
                feature.update(lon=loc.place.lon, lat=loc.place.lat, loc_quality=loc.loc_quality,
                               matched_place=loc.place.name)
        if probs:
            report.problems.extend({"row": i, "column": c, "problem": p} for c, p in probs)
            continue
        if lon is not None:
            pending_coords.append((feature, lon, lat, cs))
        good.append(feature)
    _convert_coords(pending_coords, report)
    return [f for f in good if not f.get("_bad")]


def _convert_coords(pending: list[tuple[dict, float, float, str]], report: ImportReport) -> None:
    """Vectorised GCJ-02/BD-09 → WGS84, then the Tianjin bounds check."""
    for cs in ("wgs84", "gcj02", "bd09"):
        items = [p for p in pending if p[3] == cs]
        if not items:
            continue
        lon = np.array([p[1] for p in items])
        lat = np.array([p[2] for p in items])
        if cs != "wgs84":
            lon, lat = convert(lon, lat, cs, "wgs84")
        for (feat, *_), x, y in zip(items, lon, lat):
            x0, y0, x1, y1 = TIANJIN_BBOX
            if not (x0 <= x <= x1 and y0 <= y <= y1):
                report.problems.append({"row": feat["row"], "column": "lon",
                                        "problem": f"({x:.5f}, {y:.5f}) is outside Tianjin"})
                feat["_bad"] = True
                continue
            feat.update(lon=float(x), lat=float(y), loc_quality="exact", matched_place=None)


def to_features(good: list[dict], filename: str, layers) -> gpd.GeoDataFrame:
    if not good:
        return gpd.GeoDataFrame({"geometry": []}, geometry="geometry", crs="EPSG:4326")
    rows = []
    for f in good:
        rows.append({
            "name": f["name"], "source": f"{filename}:row {f['row']}", "geom_quality": "approximate",
            "category": f["category"], "subcategory": None, "district_stated": f["district_stated"],
            "park": f["park"], "place": f["place"], "scope": "site", "period": f["period"],
            "investment_yi": f["investment_yi"], "length_km": None, "area_km2_stated": None,
            "capacity": None, "capacity_unit": None, "quote": None, "note": None,
            "loc_quality": f["loc_quality"], "matched_place": f["matched_place"],
            "origin": filename, "import_key": import_key(f["name"], f["lon"], f["lat"], filename),
            "attributes": f["attributes"], "geometry": None})
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    gdf["geometry"] = gpd.points_from_xy([f["lon"] for f in good], [f["lat"] for f in good])
    gdf = apply_joins(gdf, layers)
    return gdf


def _records(gdf: gpd.GeoDataFrame) -> list[dict]:
    """Rows as plain Python values for sqlite3 (NaN/NA → NULL, numpy scalars → Python)."""
    cols = [c for c in gdf.columns if c != "geometry"]
    frame = gdf[cols].astype(object)
    frame = frame.where(frame.notna(), None)
    out = []
    for values, geom in zip(frame.itertuples(index=False, name=None), gdf.geometry.values):
        rec = {c: (v.item() if isinstance(v, np.generic) else v) for c, v in zip(cols, values)}
        rec["geometry"] = geom
        out.append(rec)
    return out


def import_projects(data: bytes, filename: str, store, gazetteer_dir: Path | None = None,
                    provenance=None) -> ImportReport:
    """Read, validate, locate, join and commit one file; refresh the store's `projects` layer.

    ``provenance`` (:class:`planmap.audit.provenance.ImportProvenance`) stamps the account and the
    file's SHA-256 on the rows and appends the import's audit record in the same transaction."""
    filename = Path(filename).name or "upload.csv"
    report = ImportReport(file=filename)
    header, rows = read_table(data, filename)
    layers = store_layers(store)
    gaz = from_layers(gazetteer_dir or SOURCES_DIR / "gazetteer", layers)
    good = parse_rows(header, rows, filename, gaz, report)
    gdf = to_features(good, filename, layers)
    if provenance is not None:
        gdf = provenance.stamp(gdf, data, filename)
    records = _records(gdf) if len(gdf) else []
    con = gpkg_write.connect(store.path)
    try:
        con.execute("BEGIN IMMEDIATE")
        seen = gpkg_write.existing_values(con, "projects", "import_key")
        new, keys = [], set()
        for r in records:
            if r["import_key"] in seen or r["import_key"] in keys:
                report.already_present += 1
                continue
            keys.add(r["import_key"])
            new.append(r)
        gpkg_write.insert_features(con, "projects", new)
        if provenance is not None:
            provenance.record(con, store.path, "projects", new)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.close()
    report.imported = len(new)
    for r in new:
        report.loc_quality[r["loc_quality"]] = report.loc_quality.get(r["loc_quality"], 0) + 1
    report.problems.sort(key=lambda p: (p["row"], p["column"]))
    if new:
        store.reload_layer("projects")  # the API, map and exports serve the new rows from here on
    return report


def format_report(report: ImportReport) -> str:
    lines = [f"{report.file}: {report.rows} rows, {report.imported} imported, "
             f"{report.already_present} already present, {report.bad_rows} with problems",
             "location: " + ", ".join(f"{k} {v}" for k, v in sorted(report.loc_quality.items()))]
    lines += [f"  row {p['row']}, {p['column']}: {p['problem']}" for p in report.problems]
    return "\n".join(lines)


__all__ = ["ImportReport", "import_projects", "format_report", "SEP"]
