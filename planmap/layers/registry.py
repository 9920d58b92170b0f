"""The declarative layer registry: what each layer is, how it looks and what fields it has.

The registry is data (``registry.toml``); this module only reads it into typed records. The API,
the map, the exports and the build all take a layer's title, fields and style from here, so no
route or page special-cases a layer.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

COMMON_FIELDS = (
    {"name": "name", "type": "str", "title_zh": "名称", "title_en": "Name"},
    {"name": "source", "type": "str", "title_zh": "来源", "title_en": "Source (seed file:line or dataset and licence)"},
    {"name": "geom_quality", "type": "str", "title_zh": "几何精度", "title_en": "Geometry quality: official, derived, schematic or approximate"},
)
GEOM_QUALITIES = ("official", "derived", "schematic", "approximate")
GEOM_QUALITY_ZH = {"official": "官方", "derived": "推算", "schematic": "示意", "approximate": "近似"}


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str  # str | int | float
    title_zh: str
    title_en: str


@dataclass(frozen=True)
class Style:
    color: str
    fill_color: str
    fill_opacity: float
    weight: float
    dash: str
    legend_zh: str
    legend_en: str


@dataclass(frozen=True)
class StyleClass:
    value: Any
    fill_color: str
    legend_zh: str
    legend_en: str


@dataclass(frozen=True)
class LayerSpec:
    id: str
    title_zh: str
    title_en: str
    description: str
    geometry: str  # polygon | line | point
    group: str
    builder: str
    order: int
    style: Style
    own_fields: tuple[FieldSpec, ...]
    classes: tuple[StyleClass, ...] = ()
    class_field: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def fields(self) -> tuple[FieldSpec, ...]:
        """Every public field: the common ones first, then the layer's own."""
        return tuple(FieldSpec(**f) for f in COMMON_FIELDS) + self.own_fields

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def title(self) -> str:
        return f"{self.title_zh} {self.title_en}"


def _parse(raw: dict[str, Any]) -> LayerSpec:
    known = {"id", "title_zh", "title_en", "description", "geometry", "group", "builder", "order",
             "style", "fields", "classes", "class_field"}
    return LayerSpec(
        id=raw["id"], title_zh=raw["title_zh"], title_en=raw["title_en"],
        description=raw.get("description", ""), geometry=raw["geometry"], group=raw["group"],
        builder=raw["builder"], order=int(raw.get("order", 100)), style=Style(**raw["style"]),
        own_fields=tuple(FieldSpec(**f) for f in raw.get("fields", [])),
        classes=tuple(StyleClass(**c) for c in raw.get("classes", [])),
        class_field=raw.get("class_field"),
        extra={k: v for k, v in raw.items() if k not in known},
    )


@lru_cache(maxsize=None)
def load_registry(path: str | None = None) -> tuple[LayerSpec, ...]:
    """All registered layers, in map order."""
    p = Path(path) if path else Path(__file__).with_name("registry.toml")
    with p.open("rb") as fh:
        doc = tomllib.load(fh)
    specs = sorted((_parse(r) for r in doc["layer"]), key=lambda s: s.order)
    ids = [s.id for s in specs]
    if len(ids) != len(set(ids)):
        raise ValueError(f"duplicate layer ids in {p}")
    return tuple(specs)


def get_layer(layer_id: str) -> LayerSpec:
    for spec in load_registry():
        if spec.id == layer_id:
            return spec
    raise KeyError(layer_id)


def layer_ids() -> list[str]:
    return [s.id for s in load_registry()]
