"""The `parks` and `projects` layers from the curated CSVs under ``data/sources/``.

Curators write one CSV per seed (``projects/seed_00N.csv``, schema in ``projects/SCHEMA.md``) and
one list of parks (``parks/parks.csv``). Here the rows naming the same project (same
:func:`~planmap.layers.gazetteer.normalise`\\ d name) across seeds become one project carrying all
its sources and quotes, and every project and park is placed at the most precise place its own
text names (:func:`locate`) — never at a place the text does not name.
"""
from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from .gazetteer import Gazetteer, Place, base_gazetteer, normalise
from .joins import join_points

WGS84 = "EPSG:4326"
SEP = " | "
PARK_FIELDS = ["kind", "district", "parent", "industries", "area_km2_stated", "figures", "quote",
               "place", "matched_place", "loc_quality", "note"]
PROJECT_FIELDS = ["category", "subcategory", "district", "district_stated", "park", "place",
                  "scope", "period", "investment_yi", "length_km", "area_km2_stated", "capacity",
                  "capacity_unit", "quote", "note", "loc_quality", "matched_place", "twin_city",
                  "barrier_level", "wetland", "origin", "import_key", "attributes"]
_NUMBERS = ("investment_yi", "length_km", "area_km2", "capacity")


def _num(value: str) -> float | None:
    value = (value or "").strip()
    return float(value) if value else None


def read_seed_rows(projects_dir: Path) -> list[dict]:
    """All curated rows, in seed then row order, with ``_file``/``_row`` for error messages."""
    rows: list[dict] = []
    for path in sorted(projects_dir.glob("seed_*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            for i, row in enumerate(csv.DictReader(fh), start=2):
                rows.append({**row, "_file": path.name, "_row": i})
    return rows


def merge_projects(rows: list[dict]) -> list[dict]:
    """One record per normalised name: first non-empty value per field, all sources and quotes.

    ``source`` and ``quote`` stay aligned: the k-th quote is on the k-th source line.
    """
    merged: dict[str, dict] = {}
    for row in rows:
        key = normalise(row["name"])
        rec = merged.get(key)
        if rec is None:
            merged[key] = {**row, "sources": [row["source"]], "quotes": [row["quote"]],
                           "notes": [row["note"]] if row["note"] else []}
            continue
        if row["source"] not in rec["sources"] or row["quote"] not in rec["quotes"]:
            rec["sources"].append(row["source"])
            rec["quotes"].append(row["quote"])
        if row["note"] and row["note"] not in rec["notes"]:
            rec["notes"].append(row["note"])
        for col in ("category", "subcategory", "district", "park", "place", "period",
                    *_NUMBERS, "capacity_unit"):
            if not rec[col] and row[col]:
                rec[col] = row[col]
        if rec["scope"] == "citywide" and row["scope"] != "citywide":
            rec["scope"] = row["scope"]
    return list(merged.values())


# Only these precisions give a feature a point. A district's representative point is a
# placeholder, not a site: drawn, it would put projects in the middle of a barrier zone they are
# not in (issue 10), so a project known only to its district or citywide has no geometry.
POINT_QUALITIES = ("exact", "park", "town")


@dataclass(frozen=True)
class Location:
    place: Place | None
    loc_quality: str  # exact | park | town | district | citywide

    @property
    def point(self):
        """The site's point, or None when the location is coarser than a town."""
        return self.place.point if self.place is not None and self.loc_quality in POINT_QUALITIES else None


def locate(gaz: Gazetteer, *, place: str = "", park: str = "", district: str = "",
           name: str = "", citywide: bool = False) -> Location:
    """The most precise place the row itself names: its place, else its park, else a town, park or
    landmark its own name contains (咸水沽镇南华里… → 咸水沽), else its district.

    A place that is a park counts as `park`. A park located only at its district's point gives the
    project `district`, not `park`, so `loc_quality` never claims more than the data holds.
    """
    if citywide and not place:
        return Location(None, "citywide")
    for text in (place, park):
        hit = gaz.lookup(text, district) if text else None
        if hit is not None and hit.quality != "district":
            return Location(hit, hit.quality)
    hit = (gaz.lookup_exact(name, district) or gaz.find_in_text(name, district)) if name else None
    if hit is not None and hit.quality != "district":
        return Location(hit, hit.quality)
    if district:
        hit = gaz.lookup(district)
        if hit is not None:
            return Location(hit, "district")
    return Location(None, "citywide")


def import_key(name: str, lon: float | None, lat: float | None, origin: str) -> str:
    """A deterministic key: the same project from the same file at the same place is one row."""
    loc = "" if lon is None or lat is None else f"{lon:.6f},{lat:.6f}"
    return hashlib.sha1(f"{normalise(name)}|{loc}|{origin}".encode()).hexdigest()[:20]


def _gdf(rows: list[dict]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)


def parks_layer(sources: Path, districts: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, Gazetteer]:
    """Parks as approximate points at their named place (or parent park, or district).

    Returns the layer and the gazetteer with every located park added, for the projects build.
    """
    gaz = base_gazetteer(sources / "gazetteer", districts)
    with (sources / "parks" / "parks.csv").open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["name"].strip()]
    by_name = {normalise(r["name"]): r for r in rows}
    located: dict[str, Location] = {}
    # Two passes: a sub-zone without a place of its own may sit at its parent's point, unless the
    # parent has several separate sites (its point is one of them) or lies in another district.
    for _ in range(2):
        for r in rows:
            # Its named place first, then an entry under its own name (a zone with a cited point).
            loc = locate(gaz, place=r["place"], park=r["name"], district=r["district"])
            key = normalise(r["parent"]) if r["parent"] else ""
            parent, parent_row = located.get(key), by_name.get(key)
            if (loc.loc_quality not in ("exact", "town", "park") and parent is not None
                    and parent.loc_quality in ("exact", "town", "park")
                    and parent_row["sites"] != "several"
                    and (not r["district"] or r["district"] == parent_row["district"])):
                loc = Location(parent.place, "park")
            located[normalise(r["name"])] = loc
    feats = []
    for r in rows:
        loc = located[normalise(r["name"])]
        p = loc.place
        if p is not None and loc.loc_quality != "district":
            gaz.add(Place(r["name"], p.lon, p.lat, "park", r["district"], f"park {r['name']}"))
        feats.append({
            "name": r["name"], "source": r["source"], "geom_quality": "approximate",
            "kind": r["kind"], "district": r["district"], "parent": r["parent"],
            "industries": r["industries"], "area_km2_stated": _num(r["area_km2_stated"]),
            "figures": r["figures"], "quote": r["quote"], "place": r["place"],
            "matched_place": p.name if p else None, "loc_quality": loc.loc_quality,
            "note": r["note"], "geometry": loc.point})
    return _gdf(feats), gaz


def project_records(merged: list[dict], gaz: Gazetteer) -> list[dict]:
    feats = []
    for rec in merged:
        loc = locate(gaz, place=rec["place"], park=rec["park"], district=rec["district"],
                     name=rec["name"], citywide=rec["scope"] == "citywide")
        p = loc.place
        feats.append({
            "name": rec["name"], "source": SEP.join(rec["sources"]),
            "geom_quality": "approximate", "category": rec["category"],
            "subcategory": rec["subcategory"], "district_stated": rec["district"] or None,
            "park": rec["park"] or None, "place": rec["place"] or None, "scope": rec["scope"],
            "period": rec["period"], "investment_yi": _num(rec["investment_yi"]),
            "length_km": _num(rec["length_km"]), "area_km2_stated": _num(rec["area_km2"]),
            "capacity": _num(rec["capacity"]), "capacity_unit": rec["capacity_unit"] or None,
            "quote": SEP.join(rec["quotes"]), "note": SEP.join(rec["notes"]) or None,
            "loc_quality": loc.loc_quality, "matched_place": p.name if p else None,
            "origin": "seed", "import_key": import_key(rec["name"], None, None, "seed"),
            "attributes": None,
            "geometry": loc.point})
    return feats


def apply_joins(gdf: gpd.GeoDataFrame, layers) -> gpd.GeoDataFrame:
    """Recompute the joined fields; `district` is the joined one, else the stated one.

    Used by the build and by every import, so both give the same answer for the same point.
    """
    joined = join_points(gdf.geometry.values, layers)
    # A district's representative point says nothing about the barrier, wetlands or twin-city
    # side the project is in: only its district is known.
    coarse = (gdf["loc_quality"] == "district").to_numpy()
    for col in ("twin_city", "barrier_level", "wetland", "park_area"):
        joined.loc[coarse, col] = None
    gdf = gdf.copy()
    stated = gdf["district_stated"].to_numpy(dtype=object)
    gdf["district"] = [j if j is not None else s for j, s in zip(joined["district"], stated)]
    gdf["twin_city"] = joined["twin_city"].to_numpy()
    gdf["barrier_level"] = pd.array(list(joined["barrier_level"]), dtype="Int64")
    gdf["wetland"] = joined["wetland"].to_numpy()
    area_park = joined["park_area"].to_numpy()
    if "park" in gdf.columns:
        gdf["park"] = [p if p else a for p, a in zip(gdf["park"], area_park)]
    return gdf


def projects_layer(sources: Path, layers) -> gpd.GeoDataFrame:
    """Merged seed projects, located and joined. ``layers`` must hold districts and parks."""
    _, gaz = parks_layer(sources, layers["districts"])
    merged = merge_projects(read_seed_rows(sources / "projects"))
    gdf = _gdf(project_records(merged, gaz))
    return apply_joins(gdf, layers)
