"""CQL2 filters (OGC API - Features Part 3): parse with a real parser, evaluate without SQL.

Parsing is done by ``cql2`` (the Rust reference implementation of the OGC CQL2 grammar, with
Python bindings). It was chosen over ``pygeofilter`` because it follows the final standard's
grammar strictly (pygeofilter's LIKE defaults to ``.`` as the single-character wildcard, where
CQL2 says ``_``), it reports syntax errors with a line and column, and it hands back the
standard CQL2-JSON tree, a documented format, rather than a library's own AST classes.

The tree is then evaluated here, by walking it, into a vectorised boolean mask over a layer's
GeoDataFrame. Nothing is ever turned into SQL or ``eval``-ed: every operator is looked up in a
fixed table, every property must be one of the layer's queryables, and anything else is a 400
that says what is allowed. Comparisons follow CQL2's three-valued logic (a null property makes
a comparison unknown, and unknown rows are not returned), via pandas' nullable booleans.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

import cql2
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import box, shape

from ..geo.crs import CrsInfo, transform_geometry
from ..layers.registry import LayerSpec
from .errors import ProblemError

GEOMETRY_PROPERTY = "geometry"
LANGS = ("cql2-text", "cql2-json")

_SPATIAL: dict[str, Callable] = {
    "s_intersects": shapely.intersects, "s_disjoint": shapely.disjoint,
    "s_within": shapely.within, "s_contains": shapely.contains, "s_equals": shapely.equals,
    "s_touches": shapely.touches, "s_crosses": shapely.crosses, "s_overlaps": shapely.overlaps,
}
_COMPARE = {"=": "eq", "<>": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}
_POSITION = re.compile(r"-->\s*(\d+):(\d+)")


@dataclass(frozen=True)
class CqlFilter:
    """A parsed, checked filter: its CQL2-JSON tree and the CRS its geometry literals are in."""

    text: str
    tree: Any
    crs: CrsInfo
    spec: LayerSpec

    def mask(self, gdf: gpd.GeoDataFrame) -> np.ndarray:
        """A boolean array: which rows of ``gdf`` the filter selects."""
        ev = _Evaluator(gdf, self.spec, self.crs)
        result = ev.predicate(self.tree)
        return result.fillna(False).to_numpy(dtype=bool)


def parse_filter(text: str, lang: str | None, crs: CrsInfo, spec: LayerSpec) -> CqlFilter:
    """Parse ``text`` as CQL2 (text or JSON) and check it against the layer's queryables."""
    lang = (lang or "cql2-text").lower()
    if lang not in LANGS:
        raise ProblemError(400, f"filter-lang={lang!r} is not supported; use cql2-text or cql2-json")
    try:
        expr = cql2.parse_text(text) if lang == "cql2-text" else cql2.parse_json(text)
    except (cql2.ParseError, ValueError) as exc:
        raise _syntax_error(text, str(exc)) from None
    except Exception as exc:  # the binding raises its own types for JSON problems
        raise ProblemError(400, f"filter: not valid {lang}: {_first_line(str(exc))}") from None
    tree = expr.to_json()
    _check(tree, spec)
    return CqlFilter(text, tree, crs, spec)


def _first_line(msg: str) -> str:
    return next((ln.strip() for ln in msg.splitlines() if ln.strip()), msg)


def _syntax_error(text: str, msg: str) -> ProblemError:
    m = _POSITION.search(msg)
    expected = next((ln.split("=", 1)[1].strip() for ln in msg.splitlines()
                     if ln.strip().startswith("= ")), "")
    if not m:
        return ProblemError(400, f"filter: syntax error: {_first_line(msg)}")
    line, col = int(m.group(1)), int(m.group(2))
    src = text.splitlines()[line - 1] if text.splitlines() else ""
    near = src[col - 1: col + 19] if col - 1 < len(src) else "end of filter"
    detail = (f"filter: syntax error at line {line}, column {col} (near {near!r})"
              + (f"; {expected}" if expected else ""))
    return ProblemError(400, detail, position={"line": line, "column": col})


def _check(node: Any, spec: LayerSpec) -> None:
    """Reject unknown properties and unsupported operators before touching any data."""
    if isinstance(node, list):
        for n in node:
            _check(n, spec)
        return
    if not isinstance(node, dict):
        return
    if "property" in node:
        name = node["property"]
        if name != GEOMETRY_PROPERTY and name not in spec.field_names:
            raise ProblemError(400, f"filter: {name!r} is not a queryable of {spec.id}; "
                                    f"queryables: {', '.join(spec.field_names + [GEOMETRY_PROPERTY])}")
        return
    if any(k in node for k in ("date", "timestamp", "interval")):
        raise ProblemError(400, f"filter: {spec.id} has no temporal properties; "
                                "DATE/TIMESTAMP/INTERVAL literals cannot match anything here")
    if "op" in node:
        op = node["op"]
        known = {"and", "or", "not", "like", "between", "in", "isNull", "casei"} | set(_COMPARE) | set(_SPATIAL)
        if op not in known:
            raise ProblemError(400, f"filter: operator or function {op!r} is not supported; "
                                    "supported: comparisons, LIKE, BETWEEN, IN, IS NULL, CASEI, "
                                    "AND/OR/NOT and " + ", ".join(s.upper() for s in _SPATIAL))
        _check(node.get("args", []), spec)


class _Evaluator:
    """Evaluates one CQL2-JSON tree over one GeoDataFrame."""

    def __init__(self, gdf: gpd.GeoDataFrame, spec: LayerSpec, crs: CrsInfo):
        self.gdf = gdf
        self.types = {f.name: f.type for f in spec.fields}
        self.crs = crs
        self.n = len(gdf)

    def _const(self, value: bool | None) -> pd.Series:
        return pd.Series(pd.array([value] * self.n, dtype="boolean"))

    def predicate(self, node: Any) -> pd.Series:
        if isinstance(node, bool):
            return self._const(node)
        if not isinstance(node, dict) or "op" not in node:
            raise ProblemError(400, f"filter: expected a condition, got {node!r}")
        op, args = node["op"], node.get("args", [])
        if op in ("and", "or"):
            parts = [self.predicate(a) for a in args]
            out = parts[0]
            for p in parts[1:]:
                out = (out & p) if op == "and" else (out | p)
            return out
        if op == "not":
            return ~self.predicate(args[0])
        if op in _COMPARE:
            return self._compare(op, args[0], args[1])
        if op == "like":
            return self._like(args[0], args[1])
        if op == "between":
            return self._compare(">=", args[0], args[1]) & self._compare("<=", args[0], args[2])
        if op == "in":
            parts = [self._compare("=", args[0], v) for v in args[1]]
            out = self._const(False)
            for p in parts:
                out = out | p
            return out
        if op == "isNull":
            col = self._column(args[0])
            return pd.Series(pd.array(col.isna().to_numpy(), dtype="boolean"))
        if op in _SPATIAL:
            a, b = self._geometry(args[0]), self._geometry(args[1])
            return pd.Series(pd.array(np.asarray(_SPATIAL[op](a, b), dtype=bool)
                                      & np.ones(self.n, dtype=bool), dtype="boolean"))
        raise ProblemError(400, f"filter: {op!r} is not a condition")

    def _column(self, node: Any) -> pd.Series:
        if isinstance(node, dict) and "property" in node:
            name = node["property"]
            if name == GEOMETRY_PROPERTY:
                raise ProblemError(400, "filter: compare geometry with S_INTERSECTS and friends, "
                                        "not with comparison operators")
            if name not in self.gdf.columns:
                return pd.Series([None] * self.n, dtype=object)
            return self.gdf[name].reset_index(drop=True)
        if isinstance(node, dict) and node.get("op") == "casei":
            inner = self._operand(node["args"][0])
            return inner.str.lower() if isinstance(inner, pd.Series) else pd.Series([str(inner).lower()] * self.n)
        raise ProblemError(400, f"filter: expected a property, got {node!r}")

    def _operand(self, node: Any) -> pd.Series | Any:
        if isinstance(node, dict) and ("property" in node or node.get("op") == "casei"):
            return self._column(node)
        if isinstance(node, (dict, list)):
            raise ProblemError(400, f"filter: expected a property or a literal, got {node!r}")
        return node

    def _kind(self, node: Any, value: Any) -> str:
        if isinstance(node, dict) and "property" in node:
            return "number" if self.types.get(node["property"]) in ("int", "float") else "string"
        if isinstance(node, dict):  # casei(...)
            return "string"
        if isinstance(value, bool) or value is None:
            return "other"
        return "number" if isinstance(value, (int, float)) else "string"

    def _compare(self, op: str, left: Any, right: Any) -> pd.Series:
        a, b = self._operand(left), self._operand(right)
        ka, kb = self._kind(left, a), self._kind(right, b)
        if "other" not in (ka, kb) and ka != kb:
            raise ProblemError(400, f"filter: cannot compare a {ka} with a {kb} "
                                    f"({_describe(left)} {op} {_describe(right)})")
        if ka == "number" and isinstance(a, pd.Series):
            a = pd.to_numeric(a, errors="coerce")
        if kb == "number" and isinstance(b, pd.Series):
            b = pd.to_numeric(b, errors="coerce")
        if not isinstance(a, pd.Series) and not isinstance(b, pd.Series):
            return self._const(bool(getattr(pd.Series([a]), _COMPARE[op])(b).iloc[0]))
        if not isinstance(a, pd.Series):
            a, b = pd.Series([a] * self.n), b
        result = getattr(a, _COMPARE[op])(b)
        nulls = a.isna() | (b.isna() if isinstance(b, pd.Series) else pd.Series([b is None] * self.n))
        out = pd.Series(pd.array(result.to_numpy(dtype=bool), dtype="boolean"))
        out[nulls.to_numpy()] = pd.NA
        return out

    def _like(self, left: Any, pattern: Any) -> pd.Series:
        col = self._operand(left)
        if isinstance(pattern, dict) and pattern.get("op") == "casei":
            pattern = str(pattern["args"][0]).lower()
        if not isinstance(col, pd.Series) or not isinstance(pattern, str):
            raise ProblemError(400, "filter: LIKE takes a property on the left and a quoted pattern "
                                    "on the right, e.g. name LIKE '%湿地%'")
        regex = _like_regex(pattern)
        nulls = col.isna().to_numpy()
        hits = col.astype(str).str.fullmatch(regex).fillna(False).to_numpy(dtype=bool)
        out = pd.Series(pd.array(hits, dtype="boolean"))
        out[nulls] = pd.NA
        return out

    def _geometry(self, node: Any):
        if isinstance(node, dict) and node.get("property") == GEOMETRY_PROPERTY:
            return self.gdf.geometry.values
        if isinstance(node, dict) and "bbox" in node:
            b = node["bbox"]
            geom = box(b[0], b[1], b[2], b[3]) if len(b) == 4 else box(b[0], b[1], b[3], b[4])
        elif isinstance(node, dict) and "type" in node:
            try:
                geom = shape(node)
            except Exception as exc:
                raise ProblemError(400, f"filter: invalid geometry literal: {exc}") from None
        else:
            raise ProblemError(400, f"filter: spatial functions take the geometry property and a "
                                    f"geometry literal (POINT, POLYGON, BBOX …), got {node!r}")
        return self._to_crs84(geom)

    def _to_crs84(self, geom):
        if self.crs.yx_on_wire:  # literals are written in the CRS's own axis order
            geom = shapely.transform(geom, lambda c: c[:, ::-1].copy())
        if self.crs.code != "CRS84":
            geom = transform_geometry(geom, self.crs.code, "CRS84")
        if not geom.is_valid:
            geom = shapely.make_valid(geom)
        return geom


def _describe(node: Any) -> str:
    if isinstance(node, dict) and "property" in node:
        return node["property"]
    return repr(node)


def _like_regex(pattern: str) -> str:
    """CQL2 LIKE pattern → an anchored regular expression (``%`` any run, ``_`` one char)."""
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
        i += 1
    return "".join(out)
