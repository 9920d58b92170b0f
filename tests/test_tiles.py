"""OGC API - Tiles: vector tiles of every layer, decoded and checked against the store."""
from __future__ import annotations

import mapbox_vector_tile
import morecantile
import pytest
import shapely
from shapely.geometry import box

TMS = morecantile.tms.get("WebMercatorQuad")
LAYERS = ["districts", "twin_cities", "eco_barrier", "barrier_zones", "wetlands", "eco_corridors",
          "parks", "projects"]


def _url(layer: str, t: morecantile.Tile) -> str:
    return f"/collections/{layer}/tiles/WebMercatorQuad/{t.z}/{t.y}/{t.x}"


def _tile_box(t: morecantile.Tile):
    return box(*TMS.bounds(t))


@pytest.mark.parametrize("layer", LAYERS)
def test_a_tile_holds_the_features_that_meet_it_with_their_fields(client, store, layer):
    t = TMS.tile(117.38, 38.985, 10)  # 咸水沽, in the barrier
    r = client.get(_url(layer, t))
    gdf = store.get(layer).gdf
    located = gdf[gdf.geometry.notna()]
    expected = set(located.index[located.geometry.intersects(_tile_box(t))])
    if not expected:
        assert r.status_code == 204
        return
    assert r.status_code == 200 and r.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    decoded = mapbox_vector_tile.decode(r.content)[layer]
    got = {f["properties"]["fid"] for f in decoded["features"]}
    assert expected <= got  # the buffer may add a neighbour just outside
    assert all(gdf.loc[f["properties"]["fid"], "name"] == f["properties"]["name"] for f in decoded["features"])
    assert decoded["extent"] == 4096


def test_features_without_a_point_are_never_in_a_tile(client, store):
    gdf = store.get("projects").gdf
    unlocated = set(gdf.index[gdf.geometry.isna()])
    assert unlocated
    whole = mapbox_vector_tile.decode(client.get("/collections/projects/tiles/WebMercatorQuad/0/0/0").content)
    fids = {f["properties"]["fid"] for f in whole["projects"]["features"]}
    assert fids == set(gdf.index) - unlocated


def test_a_point_lands_where_it_is(client, store):
    gdf = store.get("projects").gdf
    fid = int(gdf.index[gdf.geometry.notna()][0])
    pt = gdf.loc[fid].geometry
    t = TMS.tile(pt.x, pt.y, 14)
    feats = mapbox_vector_tile.decode(client.get(_url("projects", t)).content)["projects"]["features"]
    [f] = [f for f in feats if f["properties"]["fid"] == fid]
    # tile units (y up, as decode gives them) back to lon/lat
    x, y = f["geometry"]["coordinates"]
    minx, miny, maxx, maxy = TMS.xy_bounds(t)
    lon, lat = TMS.lnglat(minx + x / 4096 * (maxx - minx), miny + y / 4096 * (maxy - miny))
    assert abs(lon - pt.x) < 1e-4 and abs(lat - pt.y) < 1e-4  # within a tile unit at zoom 14


def test_tiles_carry_an_etag_and_answer_304_and_204(client):
    url = "/collections/districts/tiles/WebMercatorQuad/8/97/210"
    r = client.get(url)
    assert r.status_code == 200 and r.headers["etag"] and "max-age" in r.headers["cache-control"]
    again = client.get(url, headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    far = TMS.tile(20.0, -30.0, 8)  # South Africa
    assert client.get(_url("districts", far)).status_code == 204


@pytest.mark.parametrize("path, status", [
    ("/collections/districts/tiles/WebMercatorQuad/23/0/0", 404),
    ("/collections/districts/tiles/WebMercatorQuad/3/8/0", 404),
    ("/collections/districts/tiles/WebMercatorQuad/3/-1/0", 404),
    ("/collections/districts/tiles/WebMercatorQuad/x/0/0", 400),
    ("/collections/nowhere/tiles/WebMercatorQuad/3/0/0", 404),
])
def test_bad_tile_addresses_are_4xx_that_say_why(client, path, status):
    r = client.get(path)
    assert r.status_code == status
    assert r.headers["content-type"].startswith("application/problem+json")


def test_tileset_metadata_and_conformance(client):
    sets = client.get("/collections/wetlands/tiles").json()["tilesets"]
    assert sets[0]["dataType"] == "vector" and sets[0]["tileMatrixSetURI"].endswith("WebMercatorQuad")
    ts = client.get("/collections/wetlands/tiles/WebMercatorQuad").json()
    item = [link for link in ts["links"] if link["rel"] == "item"][0]
    assert item["templated"] and item["href"].endswith("/{tileMatrix}/{tileRow}/{tileCol}")
    assert len(ts["tileMatrixSetLimits"]) == 23
    conf = client.get("/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt" in conf


def test_a_tile_is_simplified_to_its_zoom(client, store):
    """A district at zoom 5 needs far fewer vertices than it has; at zoom 14 it keeps its detail."""
    coarse = mapbox_vector_tile.decode(client.get("/collections/districts/tiles/WebMercatorQuad/5/12/26").content)
    n_coarse = sum(shapely.get_num_coordinates(shapely.geometry.shape(f["geometry"]))
                   for f in coarse["districts"]["features"])
    n_source = int(sum(shapely.get_num_coordinates(g) for g in store.get("districts").gdf.geometry))
    assert 0 < n_coarse < n_source / 5
