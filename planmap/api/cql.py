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

Bounded, because one filter must not stop the service: the text is measured (length, bracket
depth, operator count) in one linear pass *before* the parser runs, since ``cql2`` recurses once
per nesting level and overflows the native stack (a segfault, not an exception) at about 1,500
levels; a CQL2-JSON filter's nesting is measured by an iterative walk first. The parser itself
runs in child processes with a time limit (:mod:`planmap.api.cql_parser`), because its
backtracking can still take exponential time within those limits. The parsed tree is
checked for depth and for each operator's number of arguments, so a malformed tree is a 400,
never an IndexError. LIKE runs without a backtracking regular expression (see
:func:`like_matcher`), and evaluation checks the request's time budget
(:mod:`planmap.api.budget`) at every node and every few hundred rows.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

import orjson
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import box, shape

from .. import config
from ..geo.crs import CrsInfo, transform_geometry
from ..layers.registry import LayerSpec
from . import budget, cql_parser
from .errors import ProblemError

GEOMETRY_PROPERTY = "geometry"
LANGS = ("cql2-text", "cql2-json")

_SPATIAL: dict[str, Callable] = {
    "s_intersects": shapely.intersects, "s_disjoint": shapely.disjoint,
    "s_within": shapely.within, "s_contains": shapely.contains, "s_equals": shapely.equals,
    "s_touches": shapely.touches, "s_crosses": shapely.crosses, "s_overlaps": shapely.overlaps,
}
_COMPARE = {"=": "eq", "<>": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}
# Number of arguments each operator takes: (min, max); None = no upper bound.
_ARITY: dict[str, tuple[int, int | None]] = {
    "and": (2, None), "or": (2, None), "not": (1, 1), "like": (2, 2), "between": (3, 3),
    "in": (2, 2), "isNull": (1, 1), "casei": (1, 1),
    **{op: (2, 2) for op in _COMPARE}, **{op: (2, 2) for op in _SPATIAL},
}
# Words that are operators in CQL2 text (each one can add a level in the parser).
_WORD_OPERATORS = frozenset({"and", "or", "not", "like", "between", "in", "is", "div"})
_SYMBOL_OPERATORS = frozenset("=<>!+-*/%^|")
# WKT keywords: inside their brackets, "-" is a coordinate's sign, not an operator.
_WKT_WORDS = frozenset({"point", "linestring", "polygon", "multipoint", "multilinestring",
                        "multipolygon", "geometrycollection"})
_ROWS_PER_CHECK = 256  # rows of LIKE between two looks at the clock
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
    if len(text) > config.FILTER_MAX_CHARS:
        raise ProblemError(400, f"filter: {len(text):,} characters; the limit is "
                                f"{config.FILTER_MAX_CHARS:,} (use bbox= for areas, or a simpler "
                                "geometry)")
    if lang == "cql2-text":
        check_text_bounds(text)
    else:
        check_json_bounds(text)
    try:
        tree = cql_parser.POOL.parse(lang, text)  # in a child process, with a time limit
    except cql_parser.ParseSyntaxError as exc:
        raise _syntax_error(text, str(exc)) from None
    except cql_parser.ParseInvalid as exc:  # the binding's own refusals of JSON
        raise ProblemError(400, f"filter: not valid {lang}: {_first_line(str(exc))}") from None
    _check_depth(tree, config.FILTER_MAX_DEPTH)
    _check(tree, spec)
    return CqlFilter(text, tree, crs, spec)


def _too_deep(what: str) -> ProblemError:
    return ProblemError(400, f"filter: {what} deeper than {config.FILTER_MAX_DEPTH} levels; "
                             "flatten it (a AND b AND c needs no brackets)")


def check_text_bounds(text: str) -> None:
    """One linear pass over CQL2 text: bracket depth and operator count, outside quotes.

    Run before the parser, which recurses per level and crashes the process on deep input.
    """
    max_depth, max_ops = config.FILTER_MAX_DEPTH, config.FILTER_MAX_OPERATORS
    depth = ops = 0
    wkt_depth = -1  # bracket depth at which the current WKT literal started; -1 = none
    quote = ""
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if quote:
            if ch == quote:
                quote = ""
        elif ch in ("'", '"'):
            quote = ch
        elif ch in "([":
            depth += 1
            if depth > max_depth:
                raise _too_deep("brackets nest")
        elif ch in ")]":
            depth = max(0, depth - 1)
            if depth <= wkt_depth:
                wkt_depth = -1
        elif ch.isalpha() or ch == "_":
            j = i + 1
            while j < n and (text[j].isalnum() or text[j] in "_.:"):
                j += 1
            word = text[i:j].lower()
            if wkt_depth < 0 and word in _WORD_OPERATORS:
                ops += 1
            elif wkt_depth < 0 and word in _WKT_WORDS:
                wkt_depth = depth
            i = j
            continue
        elif ch in _SYMBOL_OPERATORS and wkt_depth < 0:
            ops += 1
        i += 1
    if ops > max_ops:
        raise ProblemError(400, f"filter: {ops} operators; the limit is {max_ops} (use IN (…) "
                                "for a list of values)")


def check_json_bounds(text: str) -> None:
    """Parse CQL2-JSON with orjson (itself bounded) and measure its nesting without recursion."""
    try:
        doc = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ProblemError(400, f"filter: not valid JSON: {exc}") from None
    # Two JSON levels per operator ({"op", "args": [...]}), plus a geometry's coordinate arrays.
    limit = 2 * config.FILTER_MAX_DEPTH + 6
    stack: list[tuple[Any, int]] = [(doc, 1)]
    while stack:
        node, level = stack.pop()
        if level > limit:
            raise _too_deep("the CQL2-JSON document nests")
        if isinstance(node, dict):
            stack.extend((v, level + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, level + 1) for v in node)


def _check_depth(tree: Any, max_depth: int) -> None:
    """Operator nesting of the parsed tree (NOT NOT …, 1+1+… chain without brackets)."""
    stack: list[tuple[Any, int]] = [(tree, 0)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            if "op" in node:
                level += 1
                if level > max_depth:
                    raise _too_deep("operators nest")
            stack.extend((v, level) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, level) for v in node)


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
    if "bbox" in node:
        _check_bbox(node["bbox"])
        return
    if "op" in node:
        op = node["op"]
        if op not in _ARITY:
            raise ProblemError(400, f"filter: operator or function {op!r} is not supported; "
                                    "supported: comparisons, LIKE, BETWEEN, IN, IS NULL, CASEI, "
                                    "AND/OR/NOT and " + ", ".join(s.upper() for s in _SPATIAL))
        args = node.get("args", [])
        if not isinstance(args, list):
            raise ProblemError(400, f"filter: the args of {op!r} must be a list")
        low, high = _ARITY[op]
        if len(args) < low or (high is not None and len(args) > high):
            want = f"{low}" if low == high else f"at least {low}"
            raise ProblemError(400, f"filter: {op!r} takes {want} argument{'s' if low != 1 else ''}; "
                                    f"got {len(args)}")
        if op == "in" and not isinstance(args[1], list):
            raise ProblemError(400, "filter: IN takes a list of values, e.g. level IN (1, 2)")
        _check(args, spec)


def _check_bbox(b: Any) -> None:
    if (not isinstance(b, list) or len(b) not in (4, 6)
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in b)):
        raise ProblemError(400, f"filter: a BBOX takes 4 numbers (minx, miny, maxx, maxy) or 6 "
                                f"with heights; got {b!r}")
    if not all(np.isfinite(v) for v in b):
        raise ProblemError(400, "filter: BBOX values must be finite numbers")


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
        budget.check("evaluating the filter")
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
            out = self._const(False)
            for v in args[1]:
                budget.check("evaluating the filter's IN list")
                out = out | self._compare("=", args[0], v)
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
        match = like_matcher(pattern)
        nulls = col.isna().to_numpy()
        values = col.tolist()
        hits = np.zeros(len(values), dtype=bool)
        for start in range(0, len(values), _ROWS_PER_CHECK):
            budget.check("evaluating the filter's LIKE")
            for i in range(start, min(start + _ROWS_PER_CHECK, len(values))):
                if not nulls[i]:
                    v = values[i]
                    hits[i] = match(v if isinstance(v, str) else str(v))
        out = pd.Series(pd.array(hits, dtype="boolean"))
        out[nulls] = pd.NA
        return out

    def _geometry(self, node: Any):
        if isinstance(node, dict) and node.get("property") == GEOMETRY_PROPERTY:
            return self.gdf.geometry.values
        if isinstance(node, dict) and "bbox" in node:
            b = node["bbox"]
            _check_bbox(b)
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
            try:
                geom = transform_geometry(geom, self.crs.code, "CRS84")
            except Exception:  # pyproj refuses some out-of-range input outright
                geom = None
            if geom is None or not np.isfinite(shapely.get_coordinates(geom)).all():
                raise ProblemError(400, f"filter: the geometry literal is not a valid "
                                        f"{self.crs.code} position (check filter-crs and the "
                                        "axis order)")
        if not geom.is_valid:
            geom = shapely.make_valid(geom)
        return geom


def _describe(node: Any) -> str:
    if isinstance(node, dict) and "property" in node:
        return node["property"]
    return repr(node)


def _like_pieces(pattern: str) -> list[list[str | None]]:
    """A LIKE pattern split on ``%`` into pieces; each piece is a list of characters, with
    ``None`` standing for ``_`` (any one character). ``\\`` escapes the next character."""
    pieces: list[list[str | None]] = [[]]
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            pieces[-1].append(pattern[i + 1])
            i += 2
            continue
        if ch == "%":
            pieces.append([])
        else:
            pieces[-1].append(None if ch == "_" else ch)
        i += 1
    return pieces


def _piece_at(value: str, piece: list[str | None], pos: int) -> bool:
    """Whether ``piece`` matches ``value`` exactly at ``pos``."""
    if pos < 0 or pos + len(piece) > len(value):
        return False
    return all(c is None or value[pos + k] == c for k, c in enumerate(piece))


def _find_piece(value: str, piece: list[str | None], start: int) -> int:
    """Leftmost position >= start where ``piece`` matches, or -1.

    The piece's longest literal run is found with ``str.find`` and the rest checked around it,
    so the cost is O(len(value) * len(piece)) at worst, never exponential.
    """
    runs: list[tuple[int, str]] = []  # (offset in piece, literal run)
    k = 0
    while k < len(piece):
        if piece[k] is None:
            k += 1
            continue
        j = k
        while j < len(piece) and piece[j] is not None:
            j += 1
        runs.append((k, "".join(piece[k:j])))  # type: ignore[arg-type]
        k = j
    last = len(value) - len(piece)
    if not runs:  # only "_": any position with enough characters left
        return start if start <= last else -1
    offset, run = max(runs, key=lambda r: len(r[1]))
    pos = value.find(run, start + offset)
    while pos != -1 and pos - offset <= last:
        if _piece_at(value, piece, pos - offset):
            return pos - offset
        pos = value.find(run, pos + 1)
    return -1


def like_matcher(pattern: str) -> Callable[[str], bool]:
    """A function telling whether a string matches a CQL2 LIKE pattern (``%`` any run of
    characters, ``_`` exactly one), in at most len(value) x len(pattern) steps (``str.find``,
    linear, when the pattern has no ``_``), never exponential.

    Why not a regular expression: ``%`` becomes ``.*``, and a backtracking engine tries every
    split of the string between several ``.*`` (five ``%`` took 49 s on one value). Here the
    pattern is cut at ``%`` into fixed-length pieces; the first must match at the start, the last
    at the end, and each one between is taken at its leftmost match after the previous one.
    Leftmost is always safe: a piece matched earlier leaves the later pieces more room.
    """
    pieces = _like_pieces(pattern)
    if len(pieces) == 1:
        only = pieces[0]
        return lambda v: len(v) == len(only) and _piece_at(v, only, 0)
    first, middle, last = pieces[0], pieces[1:-1], pieces[-1]
    need = sum(len(p) for p in pieces)

    def match(value: str) -> bool:
        if len(value) < need or not _piece_at(value, first, 0):
            return False
        if not _piece_at(value, last, len(value) - len(last)):
            return False
        pos, end = len(first), len(value) - len(last)
        for piece in middle:
            found = _find_piece(value[:end], piece, pos)
            if found < 0:
                return False
            pos = found + len(piece)
        return True

    return match
