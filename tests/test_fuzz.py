"""Property-based fuzzing of everything a client can type: filters, bboxes, points, bodies.

The property is the one users notice: every answer is a 2xx or a 4xx problem document, never a
500, a crash or a hang. Time is bounded by ``max_examples`` (a few hundred requests, seconds in
all) and, instead of Hypothesis's wall-clock ``deadline`` (which flakes on a shared CI machine),
by the service's own per-request budget: a request that runs away is stopped and answered 503
with the reason, which is the one 5xx allowed here.
"""
from __future__ import annotations

import json
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SETTINGS = dict(deadline=None, database=None, suppress_health_check=list(HealthCheck))
LAYERS = st.sampled_from(["barrier_zones", "projects", "wetlands", "districts", "eco_corridors"])
CRS = st.sampled_from([None, "CRS84", "EPSG:4326", "EPSG:4548", "EPSG:3857", "EPSG:4490",
                       "EPSG:9999", "http://www.opengis.net/def/crs/EPSG/0/4548", ""])
PROPS = st.sampled_from(["level", "name", "note", "district", "investment_yi", "category",
                         "geometry", "nope", '"level"', "casei(name)", "CASEI(note)"])
NUMBERS = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(116.0, 119.0), st.floats(38.0, 41.0),          # around Tianjin, lon/lat
    st.floats(4.2e6, 4.5e6), st.floats(3.9e5, 5.8e5),        # EPSG:4548 northing/easting
    st.sampled_from([0, -0.0, 1e308, -1e308, 5e-324, 2 ** 63, -(2 ** 63)]),
    st.integers(-10 ** 20, 10 ** 20))


def _num(x) -> str:
    return repr(x) if isinstance(x, float) else str(x)


def _quoted(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


TEXTS = st.text(alphabet=string.ascii_letters + "%_\\' 湿地区<>&\"=+-@", max_size=12)
VALUES = st.one_of(NUMBERS.map(_num), TEXTS.map(_quoted),
                   st.sampled_from(["NULL", "TRUE", "false", "DATE('2020-01-01')",
                                    "TIMESTAMP('2020-01-01T00:00:00Z')", "'2020-13-45'"]))


def _coords(n_min: int, n_max: int):
    return st.lists(st.tuples(NUMBERS, NUMBERS), min_size=n_min, max_size=n_max).map(
        lambda pts: ", ".join(f"{_num(x)} {_num(y)}" for x, y in pts))


GEOMETRY_TEXT = st.one_of(
    st.lists(NUMBERS, min_size=2, max_size=7).map(lambda xs: "BBOX(" + ", ".join(map(_num, xs)) + ")"),
    _coords(1, 1).map(lambda c: f"POINT({c})"),
    _coords(0, 6).map(lambda c: f"LINESTRING({c})"),
    _coords(0, 6).map(lambda c: f"POLYGON(({c}))"),
    st.tuples(st.floats(116, 119), st.floats(38, 41), st.floats(0.001, 1)).map(
        lambda t: "POLYGON(({0} {1}, {2} {1}, {2} {3}, {0} {3}, {0} {1}))".format(
            t[0], t[1], t[0] + t[2], t[1] + t[2])),
)
ATOMS = st.one_of(
    st.builds(lambda p, o, v: f"{p} {o} {v}", PROPS,
              st.sampled_from(["=", "<>", "<", ">", "<=", ">=", "!=", "==", "+"]), VALUES),
    st.builds(lambda p, n, pat: f"{p} {'NOT ' if n else ''}LIKE {_quoted(pat)}", PROPS,
              st.booleans(), TEXTS),
    st.builds(lambda p, a, b: f"{p} BETWEEN {a} AND {b}", PROPS, VALUES, VALUES),
    st.builds(lambda p, vs: f"{p} IN ({', '.join(vs)})", PROPS, st.lists(VALUES, max_size=5)),
    st.builds(lambda p, n: f"{p} IS {'NOT ' if n else ''}NULL", PROPS, st.booleans()),
    st.builds(lambda f, g: f"{f}(geometry, {g})",
              st.sampled_from(["S_INTERSECTS", "S_WITHIN", "S_CONTAINS", "S_DISJOINT", "S_TOUCHES",
                               "S_CROSSES", "S_OVERLAPS", "S_EQUALS", "S_NEAR", "T_AFTER"]),
              GEOMETRY_TEXT),
    st.sampled_from(["TRUE", "FALSE", "level", "1", "''"]),
)
CQL_TEXT = st.recursive(ATOMS, lambda inner: st.one_of(
    st.builds(lambda a, b: f"({a}) AND ({b})", inner, inner),
    st.builds(lambda a, b: f"{a} OR {b}", inner, inner),
    st.builds(lambda a: f"NOT ({a})", inner),
    st.builds(lambda a, n: "(" * n + a + ")" * n, inner, st.integers(0, 40)),
), max_leaves=8)
TOKENS = st.lists(st.sampled_from(
    ["(", ")", "((", "))", ",", "AND", "OR", "NOT", "LIKE", "IN", "IS", "NULL", "BETWEEN", "-", "+",
     "*", "/", "=", "<>", "level", "name", "'%湿地%'", "'", '"', "1", "-1", "1e308", "S_INTERSECTS(",
     "BBOX(", "POINT(", "POLYGON((", "CASEI(", "DATE(", "INTERVAL(", "geometry", "\\", "%", "_"]),
    max_size=40).map(" ".join)


def _json_geometry():
    coords = st.recursive(NUMBERS, lambda inner: st.lists(inner, max_size=4), max_leaves=12)
    return st.fixed_dictionaries({"type": st.sampled_from(["Point", "LineString", "Polygon",
                                                           "MultiPolygon", "Bogus", 3]),
                                  "coordinates": coords})


JSON_ARGS = st.one_of(
    st.sampled_from(["level", "name", "geometry", "nope", 3]).map(lambda p: {"property": p}),
    st.integers(-10 ** 20, 10 ** 20), st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=6), st.booleans(), st.none(),
    st.lists(NUMBERS, max_size=7).map(lambda xs: {"bbox": xs}),
    _json_geometry(),
    st.sampled_from([{"date": "2020-01-01"}, {"timestamp": "x"}, {"interval": ["..", ".."]}, {}]),
)
JSON_OPS = st.sampled_from(["and", "or", "not", "=", "<>", "<", ">", "<=", ">=", "like", "between",
                            "in", "isNull", "casei", "s_intersects", "s_within", "s_contains",
                            "accenti", "+", "t_after", "", 1])
# Well-formed conditions too, so that the evaluator (not only the checks) is exercised.
JSON_CONDITIONS = st.recursive(st.one_of(
    st.builds(lambda op, p, v: {"op": op, "args": [{"property": p}, v]},
              st.sampled_from(["=", "<>", "<", ">=", "like"]), st.sampled_from(["level", "name"]),
              st.one_of(st.integers(-5, 5), TEXTS)),
    st.builds(lambda b: {"op": "s_intersects", "args": [{"property": "geometry"}, {"bbox": b}]},
              st.lists(NUMBERS, min_size=4, max_size=4)),
    st.builds(lambda a, b: {"op": "between", "args": [{"property": "level"}, a, b]},
              st.integers(-5, 5), st.integers(-5, 5)),
), lambda inner: st.one_of(
    st.builds(lambda op, args: {"op": op, "args": args}, st.sampled_from(["and", "or"]),
              st.lists(inner, min_size=2, max_size=3)),
    st.builds(lambda a: {"op": "not", "args": [a]}, inner)), max_leaves=6)
CQL_JSON = st.recursive(JSON_ARGS, lambda inner: st.one_of(
    st.builds(lambda op, args: {"op": op, "args": args}, JSON_OPS, st.lists(inner, max_size=4)),
    st.builds(lambda op, a: {"op": op, "args": a}, JSON_OPS, inner),
    st.builds(lambda op: {"op": op}, JSON_OPS),
    st.lists(inner, max_size=3),
), max_leaves=10)


def _ok(r) -> None:
    if r.status_code == 503:
        assert "was stopped" in r.json()["detail"], r.text
        return
    assert r.status_code < 500, (r.status_code, r.text[:500])
    if r.status_code >= 400:
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["detail"]


@settings(max_examples=100, **SETTINGS)
@given(flt=CQL_TEXT, layer=LAYERS, crs=CRS)
def test_cql2_text(client, flt, layer, crs):
    params = {"filter": flt, "limit": 5}
    if crs is not None:
        params["filter-crs"] = crs
    _ok(client.get(f"/collections/{layer}/items", params=params))


@settings(max_examples=80, **SETTINGS)
@given(flt=TOKENS, layer=LAYERS)
def test_cql2_text_token_soup(client, flt, layer):
    _ok(client.get(f"/collections/{layer}/items", params={"filter": flt, "limit": 5}))


@settings(max_examples=100, **SETTINGS)
@given(tree=st.one_of(CQL_JSON, JSON_CONDITIONS), layer=LAYERS, crs=CRS,
       mangle=st.sampled_from(["", "", "", "x", "}", "[["]))
def test_cql2_json(client, tree, layer, crs, mangle):
    params = {"filter": json.dumps(tree) + mangle, "filter-lang": "cql2-json", "limit": 5}
    if crs is not None:
        params["filter-crs"] = crs
    _ok(client.get(f"/collections/{layer}/items", params=params))


BBOX_PARTS = st.one_of(NUMBERS.map(_num), st.sampled_from(["", "nan", "inf", "-inf", "x", " 1",
                                                           "1e999", "0x10"]))


@settings(max_examples=100, **SETTINGS)
@given(parts=st.lists(BBOX_PARTS, max_size=7), crs=CRS, layer=LAYERS,
       extra=st.dictionaries(st.sampled_from(["datetime", "level", "name", "limit", "offset",
                                              "crs", "f", "filter-lang"]),
                             st.text(max_size=20), max_size=3))
def test_bbox_and_other_params(client, parts, crs, layer, extra):
    params = {"bbox": ",".join(parts), **extra}
    if crs is not None:
        params["bbox-crs"] = crs
    _ok(client.get(f"/collections/{layer}/items", params=params))


LONLAT = st.one_of(NUMBERS, st.floats(), st.sampled_from([float("inf"), float("nan")]))
COORD_SYS = st.sampled_from([None, "wgs84", "gcj02", "bd09", "GCJ-02", "utm", ""])


@settings(max_examples=60, **SETTINGS)
@given(lon=LONLAT, lat=LONLAT, crs=CRS, coord_sys=COORD_SYS,
       layers=st.sampled_from([None, "districts", "districts,nope", ",,", "wetlands,parks"]))
def test_point_query(client, lon, lat, crs, coord_sys, layers):
    params = {"lon": lon, "lat": lat}
    for k, v in (("crs", crs), ("coord_sys", coord_sys), ("layers", layers)):
        if v is not None:
            params[k] = v
    _ok(client.get("/query/point", params=params))


@settings(max_examples=50, **SETTINGS)
@given(lon=LONLAT, lat=LONLAT, distance=st.one_of(NUMBERS, st.floats()), crs=CRS,
       of=st.one_of(st.none(), st.text(max_size=12), st.sampled_from(["districts:1", "wetlands:0",
                                                                      "nope:1", "districts:99999999999999999999"])),
       limit=st.one_of(st.none(), st.integers(-5, 20_000)))
def test_nearby_query(client, lon, lat, distance, crs, of, limit):
    params = {"lon": lon, "lat": lat, "distance_m": distance}
    for k, v in (("crs", crs), ("of", of), ("limit", limit)):
        if v is not None:
            params[k] = v
    _ok(client.get("/query/nearby", params=params))


@settings(max_examples=80, **SETTINGS)
@given(body=st.one_of(_json_geometry(),
                      st.builds(lambda g: {"type": "Feature", "geometry": g}, _json_geometry()),
                      CQL_JSON),
       crs=CRS, raw=st.sampled_from([None, b"", b"{", b"[]", b"null", b"\xff\xfe"]),
       path=st.sampled_from(["/query/intersects", "/analysis/siting"]))
def test_geometry_bodies(client, body, crs, raw, path):
    content = raw if raw is not None else json.dumps(body).encode()
    params = {"crs": crs} if crs is not None else {}
    _ok(client.post(path, params=params, content=content,
                    headers={"Content-Type": "application/json"}))
