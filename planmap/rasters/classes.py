"""Class schemes of land-cover rasters: what each cell value means, and which classes count as
blue, green, forest and built.

A scheme is configuration (a small TOML file), not code, because which classes are "blue-green
space" is a planning judgement that a bureau may read differently from planmap's default. The
built-in schemes (``igbp``, ``worldcover``, ``clcd``) live in ``classes/``; a user passes their
own file to ``planmap raster add --classes FILE.toml``. A file that does not parse, or names a
group class that is not in its class list, is refused with the line to fix.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CLASSES_DIR = Path(__file__).resolve().parent / "classes"
BUILTIN = ("igbp", "worldcover", "clcd")
GROUPS = ("blue", "green", "forest", "built")
MAX_CLASSES = 256
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


class ClassSchemeError(ValueError):
    """A class file that cannot be used; the message says what to change."""


@dataclass(frozen=True)
class LandClass:
    value: int
    name_en: str
    name_zh: str
    color: str


@dataclass(frozen=True)
class ClassScheme:
    """A raster's classes and the planning groups built from them."""

    key: str  # "igbp" or the file name it came from
    name: str
    classes: tuple[LandClass, ...]
    groups: dict[str, tuple[int, ...]] = field(default_factory=dict)
    nodata: tuple[int, ...] = ()

    def by_value(self) -> dict[int, LandClass]:
        return {c.value: c for c in self.classes}

    def group(self, name: str) -> tuple[int, ...]:
        """Values in a group; ``blue_green`` is blue and green together."""
        if name == "blue_green":
            return tuple(sorted(set(self.groups.get("blue", ())) | set(self.groups.get("green", ()))))
        return self.groups.get(name, ())

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "name": self.name, "nodata": list(self.nodata),
                "classes": [c.__dict__ for c in self.classes],
                "groups": {g: list(v) for g, v in self.groups.items()},
                "blue_green": list(self.group("blue_green"))}

    @classmethod
    def from_dict(cls, doc: dict[str, Any], key: str) -> "ClassScheme":
        """A checked scheme; every problem names the key or class that is wrong."""
        raw = doc.get("class")
        if not isinstance(raw, list) or not raw:
            raise ClassSchemeError(f"{key}: no [[class]] tables; each needs value, name_en, "
                                   "name_zh and color")
        if len(raw) > MAX_CLASSES:
            raise ClassSchemeError(f"{key}: {len(raw)} classes; at most {MAX_CLASSES}")
        classes = []
        for i, c in enumerate(raw, 1):
            if not isinstance(c, dict):
                raise ClassSchemeError(f"{key}: class {i} is not a table")
            value = c.get("value")
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 65535:
                raise ClassSchemeError(f"{key}: class {i}: value must be an integer 0-65535; "
                                       f"got {value!r}")
            colour = str(c.get("color", ""))
            if not _COLOUR.match(colour):
                raise ClassSchemeError(f"{key}: class {value}: color must look like #1f78b4; "
                                       f"got {colour!r}")
            name_en = str(c.get("name_en") or "").strip()
            if not name_en:
                raise ClassSchemeError(f"{key}: class {value}: name_en is missing")
            classes.append(LandClass(value, name_en, str(c.get("name_zh") or name_en), colour))
        values = [c.value for c in classes]
        if len(set(values)) != len(values):
            raise ClassSchemeError(f"{key}: a class value appears twice")
        groups: dict[str, tuple[int, ...]] = {}
        raw_groups = doc.get("groups", {})
        if not isinstance(raw_groups, dict):
            raise ClassSchemeError(f"{key}: [groups] must be a table of {', '.join(GROUPS)}")
        for g, members in raw_groups.items():
            if g not in GROUPS:
                raise ClassSchemeError(f"{key}: unknown group {g!r}; groups are {', '.join(GROUPS)}")
            if not isinstance(members, list) or not all(isinstance(v, int) for v in members):
                raise ClassSchemeError(f"{key}: group {g} must be a list of class values")
            unknown = sorted(set(members) - set(values))
            if unknown:
                raise ClassSchemeError(f"{key}: group {g} names values {unknown} that no "
                                       "[[class]] defines")
            groups[g] = tuple(sorted(members))
        nodata = doc.get("nodata", [])
        if not isinstance(nodata, list) or not all(isinstance(v, int) for v in nodata):
            raise ClassSchemeError(f"{key}: nodata must be a list of integers")
        return cls(key, str(doc.get("name") or key), tuple(classes), groups, tuple(nodata))


def parse_scheme_text(text: str, key: str) -> ClassScheme:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ClassSchemeError(f"{key} is not valid TOML ({exc})") from None
    return ClassScheme.from_dict(doc, key)


def load_scheme(name_or_path: str | Path) -> ClassScheme:
    """A built-in scheme by name (igbp, worldcover, clcd) or a class file by path."""
    name = str(name_or_path)
    if name in BUILTIN:
        return parse_scheme_text((CLASSES_DIR / f"{name}.toml").read_text(encoding="utf-8"), name)
    path = Path(name)
    if not path.is_file():
        raise ClassSchemeError(f"classes {name!r}: neither a built-in scheme "
                               f"({', '.join(BUILTIN)}) nor a file")
    if path.stat().st_size > 1_000_000:
        raise ClassSchemeError(f"{path.name}: a class file over 1 MB is not a class file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ClassSchemeError(f"{path.name} is not UTF-8 text; a class file is TOML") from None
    return parse_scheme_text(text, path.name)
