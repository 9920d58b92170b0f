"""Import a project list (CSV/XLSX) into the `projects` layer, with a row-level report.

Every row is either placed or explained: a bad row gets one problem per bad cell (row, column,
problem), every one it has, and is left out; good rows are located (coordinates, else the
gazetteer), joined with the same :func:`~planmap.layers.projects.apply_joins` as the build, and
written in ONE SQLite transaction: every good row or nothing. A row whose stated district is not
where its point lies is imported with a warning naming both.

Each row has a key made from its content (not from the file's name), so importing the same rows
twice — under any file name — adds nothing the second time. An upload's `origin` is its file
name, except that no upload can take the curated data's origin ``seed``.
"""
from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import geopandas as gpd
import numpy as np
from shapely.geometry import Point

from ..config import SOURCES_DIR, ImportLimits
from ..geo.chinese_coords import convert
from ..layers.gazetteer import Gazetteer, from_layers, normalise
from ..layers.joins import store_layers
from ..layers.projects import SEP, Location, apply_joins, locate
from . import fields as F
from . import gpkg_write
from .table import Table, read_table

TIANJIN_BBOX = (116.7, 38.5, 118.1, 40.3)
ALIASES = F.ALIASES
CURATED_ORIGIN = "seed"
_CURATED_NAME = re.compile(r"seed[0-9]*(?:csv|txt|xlsx|xlsm)?")
_MAX_FILENAME = 120
_BAD = object()  # a cell that failed its check (distinct from an empty one)
Progress = Callable[[int, str], None]  # (rows done, phase)


@dataclass
class ImportReport:
    """What an import did. Problems and warnings are listed up to ``max_problems`` each, counted all."""

    file: str
    origin: str = ""
    max_problems: int = 1_000
    rows: int = 0
    imported: int = 0
    already_present: int = 0
    problems: list[dict] = field(default_factory=list)
    problems_total: int = 0
    warnings: list[dict] = field(default_factory=list)
    warnings_total: int = 0
    loc_quality: dict[str, int] = field(default_factory=dict)
    _bad_rows: set[int] = field(default_factory=set, repr=False)

    @property
    def bad_rows(self) -> int:
        return len(self._bad_rows)

    def add_problem(self, row: int, column: str, problem: str) -> None:
        self._bad_rows.add(row)
        self.problems_total += 1
        if len(self.problems) < self.max_problems:
            self.problems.append({"row": row, "column": column, "problem": problem})

    def add_warning(self, row: int, column: str, warning: str) -> None:
        self.warnings_total += 1
        if len(self.warnings) < self.max_problems:
            self.warnings.append({"row": row, "column": column, "warning": warning})

    def as_dict(self) -> dict:
        return {"file": self.file, "origin": self.origin, "rows": self.rows,
                "imported": self.imported, "already_present": self.already_present,
                "bad_rows": self.bad_rows, "loc_quality": self.loc_quality,
                "problems": self.problems, "problems_total": self.problems_total,
                "warnings": self.warnings, "warnings_total": self.warnings_total}


def clean_filename(filename: str) -> str:
    """The file's own name: no folders (either slash), no control or format characters, bounded."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf")).strip()
    return name[:_MAX_FILENAME] or "upload.csv"


def upload_origin(filename: str) -> str:
    """The `origin` an upload's rows get: its file name, unless that name claims the curated data.

    ``seed``, ``Seed.CSV``, ``seed_000.csv`` … are how the curated lists are named; an upload so
    named becomes ``upload:seed_000.csv``, so `origin = 'seed'` always means the curated rows.
    """
    probe = re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", filename).casefold())
    if _CURATED_NAME.fullmatch(probe):
        return f"upload:{filename}"
    return filename


def map_columns(header: list[str]) -> dict[int, str]:
    """Column position → import field; unknown headers map to themselves (kept as attributes)."""
    lookup = {_key(a): f for f, aliases in ALIASES.items() for a in aliases}
    return {i: lookup.get(_key(h), h) for i, h in enumerate(header) if h}


def _key(header: str) -> str:
    return header.strip().lower().replace(" ", "")


def content_key(values: list) -> str:
    """The row's key: a hash of what it says, so the same row from any file is the same row."""
    payload = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha1(f"import|{payload}".encode()).hexdigest()[:20]


@dataclass
class _Row:
    num: int
    feature: dict
    problems: list[tuple[str, str]]
    coords: tuple[float, float, str] | None = None


def check_row(rec: dict[str, str], num: int) -> _Row:
    """Every cell-level problem of one row, and its clean values (before it is located)."""
    probs: list[tuple[str, str]] = []

    def cell(col: str, check: Callable[[str], object]) -> object:
        text = rec.get(col, "")
        try:
            F.control_character(text, col in F.FREE_TEXT)
            return check(text)
        except F.CellProblem as exc:
            probs.append((col, str(exc)))
            return _BAD

    def text_or_none(t: str) -> str | None:
        return t.strip() or None

    name = cell("name", F.name)
    category = cell("category", F.category)
    district = cell("district", F.district)
    park, place, period, unit = (cell(c, text_or_none) for c in ("park", "place", "period", "capacity_unit"))
    numbers = {c: cell(c, lambda t, c=c: F.plain_decimal(t, c))
               for c in ("investment_yi", "length_km", "area_km2", "capacity")}
    cs = cell("coord_sys", F.coord_sys)
    coords = None
    lon_s, lat_s = rec.get("lon", "").strip(), rec.get("lat", "").strip()
    if lon_s or lat_s:
        lon, lat = cell("lon", F.plain_decimal), cell("lat", F.plain_decimal)
        for col, v, other in (("lon", lon, lat_s), ("lat", lat, lon_s)):
            if v is None and other:
                probs.append((col, "empty while the other coordinate is given"))
        if isinstance(lon, float) and isinstance(lat, float):
            if 38 <= lon <= 41 and 116 <= lat <= 119:
                probs.append(("lon", f"lon {lon} and lat {lat} look swapped"))
            else:
                for col, v in (("lon", lon), ("lat", lat)):
                    try:
                        F.in_bounds(v, col)
                    except F.CellProblem as exc:
                        probs.append((col, str(exc)))
                if cs is not _BAD and not any(c in ("lon", "lat") for c, _ in probs):
                    coords = (lon, lat, cs)
    extra = {}
    for col, text in rec.items():
        if col in ALIASES or not text:
            continue
        try:
            F.control_character(text, True)
            extra[col] = text
        except F.CellProblem as exc:
            probs.append((col, str(exc)))
    attributes = json.dumps(extra, ensure_ascii=False, sort_keys=True) if extra else None

    def ok(v: object) -> object:
        return None if v is _BAD else v

    feature = {"name": ok(name) or "", "category": ok(category), "park": ok(park), "period": ok(period),
               "investment_yi": ok(numbers["investment_yi"]), "length_km": ok(numbers["length_km"]),
               "area_km2_stated": ok(numbers["area_km2"]), "capacity": ok(numbers["capacity"]),
               "capacity_unit": ok(unit), "district_stated": ok(district) or None, "place": ok(place),
               "attributes": attributes, "row": num, "coords_given": bool(lon_s or lat_s)}
    if not probs:
        stated = [normalise(feature["name"]), feature["category"], feature["district_stated"],
                  feature["park"], feature["place"], feature["period"], feature["investment_yi"],
                  feature["length_km"], feature["area_km2_stated"], feature["capacity"],
                  feature["capacity_unit"], *(coords or (None, None, None)), attributes]
        feature["import_key"] = content_key(stated)
    return _Row(num, feature, probs, coords)


def _locate_by_name(row: _Row, gaz: Gazetteer) -> None:
    """A row without coordinates: its place, park, a place its name contains, or its district."""
    f = row.feature
    place, district = f["place"] or "", f["district_stated"] or ""
    loc = locate(gaz, place=place, park=f["park"] or "", district=district, name=f["name"])
    place_hit = gaz.lookup(place, district) if place else None
    if loc.place is None and place_hit is not None:  # a district, or a park known only by its district
        loc = Location(place_hit, place_hit.quality)
    if place and (loc.place is None or loc.place.name != place) and place_hit is None:
        row.problems.append(("place", f"{place!r} is not in the gazetteer; give lon/lat"))
    elif loc.place is None:
        if not any(c == "place" for c, _ in row.problems):
            row.problems.append(("place", "no location: give lon/lat, a place, a park or a district"))
    else:  # a row known only to its district gets no point (never the district's placeholder)
        point = loc.point
        f.update(lon=None if point is None else point.x, lat=None if point is None else point.y,
                 loc_quality=loc.loc_quality, matched_place=loc.place.name)


def parse_rows(table: Table, gaz: Gazetteer, report: ImportReport,
               progress: Progress | None = None) -> list[dict]:
    """Check and locate each row; problems go to the report, good rows come back as features."""
    cols = map_columns(table.header)
    if "name" not in cols.values():
        report.add_problem(1, "name", "no 'name' (项目名称) column in the header")
        return []
    rows: list[_Row] = []
    for n, (num, raw) in enumerate(table.rows, start=1):
        report.rows += 1
        rec = {f: (raw[p] if p < len(raw) else "") for p, f in cols.items()}
        row = check_row(rec, num)
        if not row.feature["coords_given"]:
            _locate_by_name(row, gaz)
        rows.append(row)
        if progress is not None and n % 500 == 0:
            progress(n, "checking rows")
    _convert_coords([r for r in rows if r.coords is not None])
    good = []
    for row in rows:
        if row.problems:
            for col, problem in sorted(row.problems, key=lambda p: p[0]):
                report.add_problem(row.num, col, problem)
        else:
            good.append(row.feature)
    if progress is not None:
        progress(len(rows), "writing")
    return good


def _convert_coords(rows: list[_Row]) -> None:
    """Vectorised GCJ-02/BD-09 → WGS84, then the Tianjin bounds check."""
    for cs in ("wgs84", "gcj02", "bd09"):
        items = [r for r in rows if r.coords[2] == cs]
        if not items:
            continue
        lon = np.array([r.coords[0] for r in items])
        lat = np.array([r.coords[1] for r in items])
        if cs != "wgs84":
            lon, lat = convert(lon, lat, cs, "wgs84")
        x0, y0, x1, y1 = TIANJIN_BBOX
        for row, x, y in zip(items, lon, lat):
            if not (x0 <= x <= x1 and y0 <= y <= y1):
                row.problems.append(("lon", f"({x:.5f}, {y:.5f}) is outside Tianjin"))
                continue
            row.feature.update(lon=float(x), lat=float(y), loc_quality="exact", matched_place=None)


def to_features(good: list[dict], origin: str, layers, report: ImportReport | None = None) -> gpd.GeoDataFrame:
    """Good rows as `projects` features, joined; a stated district the point is not in is a warning."""
    if not good:
        return gpd.GeoDataFrame({"geometry": []}, geometry="geometry", crs="EPSG:4326")
    rows = []
    for f in good:
        rows.append({
            "name": f["name"], "source": f"{origin}:row {f['row']}", "geom_quality": "approximate",
            "category": f["category"], "subcategory": None, "district_stated": f["district_stated"],
            "park": f["park"], "place": f["place"], "scope": "site", "period": f["period"],
            "investment_yi": f["investment_yi"], "length_km": f["length_km"],
            "area_km2_stated": f["area_km2_stated"], "capacity": f["capacity"],
            "capacity_unit": f["capacity_unit"], "quote": None, "note": None,
            "loc_quality": f["loc_quality"], "matched_place": f["matched_place"],
            "origin": origin, "import_key": f["import_key"],
            "attributes": f["attributes"], "geometry": None})
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    gdf["geometry"] = [None if f["lon"] is None else Point(f["lon"], f["lat"]) for f in good]
    gdf = apply_joins(gdf, layers)
    if report is not None:
        for f, stated, found in zip(good, gdf["district_stated"], gdf["district"]):
            if stated and found and stated != found and f["lon"] is not None:
                report.add_warning(f["row"], "district", f"stated {stated}, but the located point "
                                   f"({f['lon']:.5f}, {f['lat']:.5f}) lies in {found}")
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


def import_table(table: Table, filename: str, store, *, gazetteer_dir: Path | None = None,
                 limits: ImportLimits | None = None, progress: Progress | None = None,
                 provenance=None, digest: str | None = None) -> ImportReport:
    """Check, locate, join and commit a table read by :func:`~.table.read_table`.

    ``provenance`` (:class:`planmap.audit.provenance.ImportProvenance`) stamps the account and the
    file's SHA-256 (``digest``, taken from the bytes received) on the rows and appends the
    import's audit record in the same transaction as the rows."""
    limits = limits or ImportLimits.from_env()
    name = clean_filename(filename)
    origin = upload_origin(name)
    report = ImportReport(file=name, origin=origin, max_problems=limits.max_problems)
    layers = store_layers(store)
    gaz = from_layers(gazetteer_dir or SOURCES_DIR / "gazetteer", layers)
    good = parse_rows(table, gaz, report, progress)
    gdf = to_features(good, origin, layers, report)
    if provenance is not None:
        gdf = provenance.stamp(gdf, digest or "", origin)
        if len(gdf):
            report.origin = str(gdf["origin"].iloc[0])  # what the rows now say: name, hash, account
    records = _records(gdf) if len(gdf) else []
    with store.writing():  # readers keep the old layer, without re-reading the file, until the swap
        new = _commit(store, records, report, provenance)
    report.imported = len(new)
    for r in new:
        report.loc_quality[r["loc_quality"]] = report.loc_quality.get(r["loc_quality"], 0) + 1
    report.warnings.sort(key=lambda w: (w["row"], w["column"]))
    return report


def _commit(store, records: list[dict], report: ImportReport, provenance=None) -> list[dict]:
    """Insert the records not already present, all or none; reload the layer if any were new."""
    with gpkg_write.transaction(store.path) as con:
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
    if new:
        store.reload_layer("projects")  # the API, map and exports serve the new rows from here on
    return new


def import_projects(data: bytes, filename: str, store, gazetteer_dir: Path | None = None, *,
                    limits: ImportLimits | None = None, progress: Progress | None = None,
                    provenance=None) -> ImportReport:
    """Read, check, locate, join and commit one file; refresh the store's `projects` layer.

    Raises :class:`~.table.TableError` (a 4xx) when the file as a whole cannot be read or is past
    an import limit.
    """
    limits = limits or ImportLimits.from_env()
    name = clean_filename(filename)
    table = read_table(data, name, limits)
    return import_table(table, name, store, gazetteer_dir=gazetteer_dir, limits=limits,
                        progress=progress, provenance=provenance, digest=file_digest(data))


def file_digest(data: bytes) -> str:
    """The SHA-256 of the bytes received: what an import's provenance names, not a client's word."""
    return hashlib.sha256(data).hexdigest()


def format_report(report: ImportReport) -> str:
    lines = [f"{report.file}: {report.rows} rows, {report.imported} imported, "
             f"{report.already_present} already present, {report.bad_rows} with problems",
             "location: " + ", ".join(f"{k} {v}" for k, v in sorted(report.loc_quality.items()))]
    lines += [f"  row {p['row']}, {p['column']}: {p['problem']}" for p in report.problems]
    if report.problems_total > len(report.problems):
        lines.append(f"  … and {report.problems_total - len(report.problems)} more problems")
    lines += [f"  row {w['row']}, {w['column']} (warning): {w['warning']}" for w in report.warnings]
    if report.warnings_total > len(report.warnings):
        lines.append(f"  … and {report.warnings_total - len(report.warnings)} more warnings")
    return "\n".join(lines)


__all__ = ["ImportReport", "import_projects", "import_table", "format_report", "SEP"]
