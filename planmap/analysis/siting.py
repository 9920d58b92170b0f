"""The siting check (合规性审查): may a proposed project site go here?

The verdict comes from rules in ``siting_rules.toml`` (:class:`SitingRules`), evaluated against the
query engine's metric layers; no layer, level or distance is written into this module. The report
says *why*: each conflicting feature with the overlap in m² and its share of the site, the
districts / parks / twin-city side the site falls in with areas, the nearest corridor, and the
planned projects close by, with a two-sentence summary in Chinese and English.

A verdict is graded by what the geometry is worth (:func:`graded`): a conflict rule met by an
``official`` feature is a ``conflict``; met by a schematic, approximate or derived feature it is a
``possible_conflict`` (待核实), because a hand-drawn boundary cannot settle whether a parcel is in
a zone. The summary then says so and names the official document to check.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import shapely
from shapely import Geometry

from ..geo.measure import to_metric
from ..geo.validate import within_tianjin_bounds
from ..layers.registry import load_registry
from .query import QueryEngine

RULES_PATH = Path(__file__).resolve().parent / "siting_rules.toml"
SEVERITY = {"clear": 0, "caution": 1, "possible_conflict": 2, "conflict": 3}
VERDICT_ZH = {"clear": "无冲突", "caution": "需注意", "possible_conflict": "可能冲突（待核实）",
              "conflict": "冲突"}
VERDICT_EN = {"clear": "clear", "caution": "caution", "possible_conflict": "possible conflict (to verify)",
              "conflict": "conflict"}
QUALITY_ZH = {"official": "官方边界", "derived": "推导边界", "schematic": "示意边界",
              "approximate": "近似位置"}
# Only a feature drawn from an official boundary file can make an overlap a hard conflict.
HARD_QUALITIES = ("official",)


def graded(rule_verdict: str, geom_quality: str | None) -> str:
    """The verdict a finding supports: a conflict on a non-official geometry is only possible."""
    if rule_verdict == "conflict" and geom_quality not in HARD_QUALITIES:
        return "possible_conflict"
    return rule_verdict


@lru_cache(maxsize=1)
def _layer_titles() -> dict[str, tuple[str, str]]:
    return {s.id: (s.title_zh, s.title_en) for s in load_registry()}


@dataclass(frozen=True)
class Rule:
    id: str
    verdict: str
    layer: str
    test: str  # overlap | within
    reason_zh: str
    reason_en: str
    where: dict[str, tuple] = field(default_factory=dict)
    distance_m: float = 0.0
    verify_zh: str = ""
    verify_en: str = ""

    def accepts(self, props: dict) -> bool:
        return all(props.get(k) in vals for k, vals in self.where.items())


@dataclass(frozen=True)
class SitingRules:
    rules: tuple[Rule, ...]
    min_overlap_m2: float
    area_layers: tuple[str, ...]
    corridor_layer: str
    projects_layer: str
    projects_within_m: float
    version: str = ""

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> "SitingRules":
        """Checked rules; a typo in the file fails loudly at load, not as a wrong verdict."""
        rules = []
        for i, r in enumerate(doc.get("rule", [])):
            where = {k: tuple(v if isinstance(v, list) else [v]) for k, v in r.get("where", {}).items()}
            rule = Rule(id=r.get("id", f"rule{i + 1}"), verdict=r["verdict"], layer=r["layer"],
                        test=r.get("test", "overlap"), reason_zh=r.get("reason_zh", ""),
                        reason_en=r.get("reason_en", ""), where=where,
                        distance_m=float(r.get("distance_m", 0.0)),
                        verify_zh=r.get("verify_zh", ""), verify_en=r.get("verify_en", ""))
            if rule.verdict not in ("conflict", "caution"):
                raise ValueError(f"siting rule {rule.id}: verdict must be conflict or caution")
            if rule.test not in ("overlap", "within"):
                raise ValueError(f"siting rule {rule.id}: test must be overlap or within")
            if rule.test == "within" and rule.distance_m <= 0:
                raise ValueError(f"siting rule {rule.id}: a within test needs distance_m > 0")
            rules.append(rule)
        ctx = doc.get("context", {})
        return cls(tuple(rules), float(doc.get("min_overlap_m2", 1.0)),
                   tuple(ctx.get("area_layers", ["districts", "parks", "twin_cities"])),
                   ctx.get("corridor_layer", "eco_corridors"), ctx.get("projects_layer", "projects"),
                   float(ctx.get("projects_within_m", 1000)), str(doc.get("version", "")))

    @classmethod
    def load(cls, path: str | Path = RULES_PATH) -> "SitingRules":
        with open(path, "rb") as fh:
            return cls.from_dict(tomllib.load(fh))


@lru_cache(maxsize=1)
def default_rules() -> SitingRules:
    return SitingRules.load()


def _area_rows(engine: QueryEngine, layer_id: str, site: Geometry, site_area: float) -> list[dict]:
    m = engine.get(layer_id)
    if m is None:
        return []
    rows = []
    for p in m.intersecting(site):
        ov = float(shapely.area(shapely.intersection(m.geoms[p], site)))
        if ov > 0 or m.geoms[p].geom_type == "Point":
            rows.append({"layer": layer_id, "id": m.fids[p], "name": m.records[p].get("name"),
                         "area_m2": round(ov, 1), "share_of_site": round(ov / site_area, 6),
                         "geom_quality": m.records[p].get("geom_quality")})
    rows.sort(key=lambda r: -r["area_m2"])
    return rows


def _finding(rule: Rule, m, p: int) -> dict:
    """What every finding says: the rule, the graded verdict, the feature, its layer's title."""
    props = m.records[p]
    quality = props.get("geom_quality")
    title_zh, title_en = _layer_titles().get(rule.layer, (rule.layer, rule.layer))
    return {"rule": rule.id, "verdict": graded(rule.verdict, quality), "rule_verdict": rule.verdict,
            "layer": rule.layer, "layer_title_zh": title_zh, "layer_title_en": title_en,
            "id": m.fids[p], "feature": props.get("name"), "level": props.get("level"),
            "geom_quality": quality, "reason_zh": rule.reason_zh, "reason_en": rule.reason_en,
            "verify_zh": rule.verify_zh or None, "verify_en": rule.verify_en or None}


def _evaluate(rule: Rule, engine: QueryEngine, site: Geometry, site_area: float,
              min_overlap: float) -> list[dict]:
    m = engine.get(rule.layer)
    if m is None:
        return []
    found = []
    if rule.test == "overlap":
        for p in m.intersecting(site):
            if not rule.accepts(m.records[p]):
                continue
            inter = shapely.intersection(m.geoms[p], site)
            ov = float(shapely.area(inter))
            if ov <= min_overlap:
                continue
            found.append({**_finding(rule, m, p), "overlap_m2": round(ov, 1),
                          "share_of_site": round(ov / site_area, 6), "_geometry": inter})
    else:
        pos, dist = m.within(site, rule.distance_m)
        for p, d in zip(pos.tolist(), dist.tolist()):
            if rule.accepts(m.records[p]):
                found.append({**_finding(rule, m, p), "distance_m": round(d, 1),
                              "limit_m": rule.distance_m})
    return found


def _involved(items: list[dict], lang: str) -> str:
    """'一级管控区（示意边界，重叠 12.30 公顷）' / 'level 1 (schematic boundary, 12.30 ha overlap)'."""
    out = []
    for c in items:
        if "overlap_m2" in c:
            amount_zh, amount_en = f"重叠 {c['overlap_m2'] / 1e4:,.2f} 公顷", f"{c['overlap_m2'] / 1e4:,.2f} ha overlap"
        else:
            amount_zh, amount_en = f"相距 {c['distance_m']:,.0f} 米", f"{c['distance_m']:,.0f} m away"
        q = c.get("geom_quality") or ""
        if lang == "zh":
            out.append(f"{c['feature']}（{QUALITY_ZH.get(q, q)}，{amount_zh}）")
        else:
            out.append(f"{c['feature']} ({c['layer_title_en']}; {q} geometry, {amount_en})")
    return ("、" if lang == "zh" else "; ").join(out)


def _summary(verdict: str, conflicts: list[dict], cautions: list[dict], districts: list[dict],
             area_m2: float, outside: bool) -> dict[str, str]:
    where_zh = "、".join(d["name"] for d in districts) or "天津市域外"
    where_en = ", ".join(d["name"] for d in districts) or "outside Tianjin"
    size = f"{area_m2 / 1e4:,.2f}"
    if outside:
        return {"zh": f"选址（{size} 公顷）位于天津市域外，本规划未覆盖，判定为无冲突。",
                "en": f"The site ({size} ha) lies outside Tianjin; the plan does not cover it, "
                      "so the verdict is clear."}
    if verdict == "clear":
        return {"zh": f"选址（{size} 公顷，位于{where_zh}）未触及生态管控要素，判定为无冲突。",
                "en": f"The site ({size} ha, in {where_en}) touches no ecological control feature: clear."}
    items = [c for c in conflicts if c["verdict"] == verdict] or cautions
    zh = f"选址（{size} 公顷，位于{where_zh}）涉及{_involved(items, 'zh')}，判定为{VERDICT_ZH[verdict]}。"
    en = f"The site ({size} ha, in {where_en}) involves {_involved(items, 'en')}: {VERDICT_EN[verdict]}."
    if verdict == "possible_conflict":
        checks_zh = "、".join(dict.fromkeys(c["verify_zh"] for c in items if c.get("verify_zh")))
        checks_en = "; ".join(dict.fromkeys(c["verify_en"] for c in items if c.get("verify_en")))
        zh += ("其边界为示意，并非法定界线，不能据此判定冲突；请以" + (checks_zh or "官方边界") + "核实。")
        en += (" Its boundary is schematic, not a legal line, so it cannot settle a conflict; check "
               + (checks_en or "the official boundary") + ".")
    elif verdict == "caution" and any(c.get("geom_quality") not in HARD_QUALITIES for c in items):
        zh += "所涉边界为示意或近似，仅供参考。"
        en += " The boundaries involved are schematic or approximate: for orientation only."
    return {"zh": zh, "en": en}


def check_site(engine: QueryEngine, site_wgs84: Geometry, rules: SitingRules | None = None,
               warnings: list[str] | None = None) -> dict[str, Any]:
    """The siting report for a valid WGS84 polygon (see the module docstring for its parts).

    Conflict overlap geometries are returned under ``_geometries`` (metric) for the HTML map;
    the JSON route drops that key.
    """
    rules = rules or default_rules()
    site = to_metric(site_wgs84)
    shapely.prepare(site)
    area = float(shapely.area(site))
    notes: list[str] = []
    districts = engine.get("districts")
    outside = not within_tianjin_bounds(site_wgs84) or (
        districts is not None and len(districts.intersecting(site)) == 0)
    conflicts: list[dict] = []
    cautions: list[dict] = []
    if outside:
        notes.append("the site lies outside Tianjin; the plan's layers do not cover it, so it is "
                     "answered clear")
    else:
        for rule in rules.rules:
            (conflicts if rule.verdict == "conflict" else cautions).extend(
                _evaluate(rule, engine, site, area, rules.min_overlap_m2))
    verdict = max([c["verdict"] for c in conflicts + cautions] or ["clear"], key=SEVERITY.__getitem__)
    within = {lid: _area_rows(engine, lid, site, area) for lid in rules.area_layers}
    for lid in rules.area_layers:
        if engine.get(lid) is None:
            notes.append(f"layer {lid} is not in this data store; its list is empty")
    corridor = None
    cm = engine.get(rules.corridor_layer)
    if cm is not None and len(cm.geoms):
        pos, dist = cm.within(site, 1e7)
        if len(pos):
            p = int(pos[0])
            corridor = {"layer": cm.id, "id": cm.fids[p], "name": cm.records[p].get("name"),
                        "distance_m": round(float(dist[0]), 1),
                        "geom_quality": cm.records[p].get("geom_quality")}
    projects: list[dict] = []
    pm = engine.get(rules.projects_layer)
    if pm is not None:
        pos, dist = pm.within(site, rules.projects_within_m)
        for p, d in zip(pos.tolist(), dist.tolist()):
            r = pm.records[p]
            projects.append({"id": pm.fids[p], "name": r.get("name"), "distance_m": round(d, 1),
                             "category": r.get("category"), "district": r.get("district"),
                             "loc_quality": r.get("loc_quality")})
    else:
        notes.append(f"layer {rules.projects_layer} is not in this data store; no projects listed")
    geoms = [c.pop("_geometry") for c in conflicts + cautions if "_geometry" in c]
    return {
        "verdict": verdict,
        "verdict_zh": VERDICT_ZH[verdict],
        "verdict_en": VERDICT_EN[verdict],
        "rests_on": sorted({c.get("geom_quality") or "unknown" for c in conflicts + cautions}),
        "site": {"area_m2": round(area, 1), "vertices": int(shapely.get_num_coordinates(site))},
        "conflicts": conflicts,
        "cautions": cautions,
        "districts": within.get("districts", []),
        "parks": within.get("parks", []),
        "twin_cities": within.get("twin_cities", []),
        "nearest_corridor": corridor,
        "projects_nearby": projects,
        "projects_within_m": rules.projects_within_m,
        "summary": _summary(verdict, conflicts, cautions, within.get("districts", []), area, outside),
        "warnings": list(warnings or []),
        "notes": notes,
        "rules_version": rules.version,
        "_geometries": geoms,
    }
