"""What each column of a project list may hold, and the words for what is wrong with a cell.

One function per kind of cell. Each returns the clean value or raises :class:`CellProblem` with a
sentence the user can act on, so a row's report lists every bad cell, not just the first.
Numbers are plain decimals only: Python's ``float`` would read ``1_17.38`` as 117.38 and
``1e308`` as a number that turns every total into infinity.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from ..layers.registry import get_layer

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
    "length_km": ("length_km", "长度", "长度（km）", "长度(km)", "长度（公里）", "长度(公里)"),
    "area_km2": ("area_km2", "area_km2_stated", "面积", "面积（km²）", "面积(km²)", "面积（平方公里）", "面积(平方公里)"),
    "capacity": ("capacity", "规模"),
    "capacity_unit": ("capacity_unit", "规模单位", "单位"),
    "lon": ("lon", "lng", "longitude", "经度"),
    "lat": ("lat", "latitude", "纬度"),
    "coord_sys": ("coord_sys", "坐标系"),
    "place": ("place", "地点", "地名", "位置"),
}
COORD_SYS = {"": "wgs84", "wgs84": "wgs84", "wgs-84": "wgs84", "gps": "wgs84",
             "gcj02": "gcj02", "gcj-02": "gcj02", "amap": "gcj02", "高德": "gcj02",
             "bd09": "bd09", "bd-09": "bd09", "baidu": "bd09", "百度": "bd09"}
# column → (lowest, highest, unit): sane bounds, far outside any real project in Tianjin.
NUMBERS: dict[str, tuple[float, float, str]] = {
    "investment_yi": (0, 100_000, "亿元"),  # ten trillion yuan; the city's GDP is about 16,000 亿元
    "length_km": (0, 5_000, "km"),
    "area_km2": (0, 12_000, "km²"),  # the whole municipality is 11,966 km²
    "capacity": (0, 1e9, ""),
    "lon": (-180, 180, "°"),
    "lat": (-90, 90, "°"),
}
# Free text may hold tabs and line breaks (a note typed with Alt+Enter); codes and numbers may not.
FREE_TEXT = {"name", "park", "period", "place", "capacity_unit"}
MAX_NAME_CHARS = 200  # a project's name; longer text belongs in another column

_CONTROL_FREE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CONTROL_ANY = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，＋－", "0123456789.,+-")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]*)?|[+-]?\.[0-9]+")
_MAX_NUMBER_CHARS = 40


class CellProblem(ValueError):
    """What is wrong with one cell, as a sentence for the report."""


def control_character(value: str, free_text: bool) -> None:
    m = (_CONTROL_FREE if free_text else _CONTROL_ANY).search(value)
    if m:
        raise CellProblem(f"contains the control character U+{ord(m.group()):04X} at position "
                          f"{m.start() + 1}; delete it")


def plain_decimal(text: str, column: str | None = None) -> float | None:
    """A plain decimal number (within ``column``'s bounds if given); None for an empty cell.

    Accepted: ``12``, ``-3.5``, ``.5``, ``1,234.5`` (thousands groups), full-width digits.
    Refused: exponents, underscores, hex, ``inf``/``nan``, a comma that is not a thousands group.
    """
    s = text.strip().translate(_FULL_WIDTH)
    if not s:
        return None
    if len(s) > _MAX_NUMBER_CHARS or not _DECIMAL.fullmatch(s):
        raise CellProblem(f"{text[:_MAX_NUMBER_CHARS]!r} is not a plain decimal number; write "
                          "digits with at most one '.', e.g. 12.5 (no exponent, '_' or units)")
    value = float(s.replace(",", ""))
    if column is not None:
        in_bounds(value, column)
    return value


def in_bounds(value: float, column: str) -> float:
    lo, hi, unit = NUMBERS[column]
    if not lo <= value <= hi:
        raise CellProblem(f"{value:,g} is outside {lo:,g}…{hi:,g}{' ' + unit if unit else ''}")
    return value


def district(text: str) -> str:
    """One of the 16 district names in full ('' when empty); short forms such as 津南 are accepted."""
    v = text.strip()
    if not v:
        return ""
    for d in DISTRICTS:
        if v in (d, d[:-1]) or (d == "滨海新区" and v in ("滨海", "新区")):
            return d
    raise CellProblem(f"{v!r} is not one of Tianjin's 16 districts ({' '.join(DISTRICTS)})")


def coord_sys(text: str) -> str:
    cs = COORD_SYS.get(text.strip().lower())
    if cs is None:
        raise CellProblem(f"{text!r}: use wgs84, gcj02 (AMap) or bd09 (Baidu)")
    return cs


@lru_cache(maxsize=1)
def categories() -> tuple[dict[str, str], str]:
    """(accepted spelling → code, the allowed values as a sentence), from the registry.

    A category may be written as its code (``transport``), its Chinese or its English label.
    """
    entries = get_layer("projects").extra.get("categories", [])
    lookup: dict[str, str] = {}
    for e in entries:
        for spelling in (e["code"], e["zh"], e["en"]):
            lookup[unicodedata.normalize("NFKC", spelling).strip().lower()] = e["code"]
    allowed = ", ".join(f"{e['code']} ({e['zh']})" for e in entries)
    return lookup, allowed


def category(text: str) -> str | None:
    v = text.strip()
    if not v:
        return None
    lookup, allowed = categories()
    if not lookup:  # a registry without a list accepts any category
        return v
    code = lookup.get(unicodedata.normalize("NFKC", v).lower())
    if code is None:
        raise CellProblem(f"{v[:60]!r} is not a project category; use one of: {allowed}")
    return code


def name(text: str) -> str:
    v = text.strip()
    if not v:
        raise CellProblem("empty name")
    if len(v) > MAX_NAME_CHARS:
        raise CellProblem(f"a name of {len(v):,} characters; a project's name has at most "
                          f"{MAX_NAME_CHARS} (put the rest in another column)")
    return v
