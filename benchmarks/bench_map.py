"""Overview map page: size and time-to-interactive in headless Chromium, against a naive page.

The naive page is what folium gives by default for the same layers: every layer inlined as
full-resolution GeoJSON with popups, projects as clustered markers, folium's default asset set
(vendored here too, so both pages load offline and the comparison is only about the data).

Run:  python benchmarks/bench_map.py [--runs 5]
Prints one JSON object: bytes (decoded and on the wire) and time-to-interactive medians, and the
ratios ours / naive. Interactive = the later of the load event and the map's ready signal.
"""
from __future__ import annotations

import argparse
import json
import socket
import statistics
import threading
import time

import folium
from fastapi.responses import HTMLResponse
from folium.plugins import MarkerCluster

from planmap.api.app import create_app
from planmap.store import LayerStore

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
NAIVE_JS = [("leaflet", "/static/vendor/leaflet/leaflet.js"),
            ("jquery", "/static/vendor/jquery/jquery.min.js"),
            ("bootstrap", "/static/vendor/bootstrap/bootstrap.bundle.min.js"),
            ("awesome_markers", "/static/vendor/awesome-markers/leaflet.awesome-markers.js")]
NAIVE_CSS = [("leaflet_css", "/static/vendor/leaflet/leaflet.css"),
             ("bootstrap_css", "/static/vendor/bootstrap/bootstrap.min.css"),
             ("fa", "/static/vendor/fontawesome/css/all.min.css"),
             ("awesome_markers_css", "/static/vendor/awesome-markers/leaflet.awesome-markers.css")]


def naive_page(store: LayerStore) -> str:
    """The same layers the folium way: full resolution, everything inlined."""
    minx, miny, maxx, maxy = store.bounds()
    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=9, tiles=None)
    m.default_js, m.default_css = NAIVE_JS, NAIVE_CSS
    for layer in store:
        gdf = layer.gdf[[f for f in layer.spec.field_names if f in layer.gdf.columns] + ["geometry"]]
        gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
        if layer.spec.geometry == "point":
            cluster = MarkerCluster(name=layer.spec.title_zh)
            cluster.default_js = [("markercluster", "/static/vendor/markercluster/leaflet.markercluster.js")]
            cluster.default_css = [("mc", "/static/vendor/markercluster/MarkerCluster.css"),
                                   ("mcd", "/static/vendor/markercluster/MarkerCluster.Default.css")]
            for _, row in gdf.iterrows():
                c = row.geometry.centroid
                folium.Marker([c.y, c.x], popup=str(row["name"])).add_to(cluster)
            cluster.add_to(m)
        else:
            fields = [f for f in gdf.columns if f != "geometry"]
            folium.GeoJson(gdf, name=layer.spec.title_zh,
                           popup=folium.GeoJsonPopup(fields=fields)).add_to(m)
    folium.LayerControl().add_to(m)
    return m.get_root().render()


def serve(app) -> tuple[str, object]:
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server


MEASURE = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const res = performance.getEntriesByType('resource');
  const sum = (k) => nav[k] + res.reduce((a, r) => a + r[k], 0);
  const ready = window.planmapReadyAt || 0;
  return {decoded: sum('decodedBodySize'), transferred: sum('transferSize'),
          html_decoded: nav.decodedBodySize, tti_ms: Math.max(nav.loadEventEnd, ready),
          requests: res.length + 1};
}"""


def measure(browser, url: str, ready: str | None) -> dict:
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    page.goto(url, wait_until="load", timeout=120_000)
    if ready:
        page.wait_for_function(ready, timeout=60_000)
    page.wait_for_function("performance.getEntriesByType('navigation')[0].loadEventEnd > 0")
    out = page.evaluate(MEASURE)
    ctx.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    store = LayerStore.from_gpkg()
    app = create_app(store)
    naive = naive_page(store)
    app.add_api_route("/naive", lambda: HTMLResponse(naive), methods=["GET"])
    base, server = serve(app)
    from playwright.sync_api import sync_playwright

    results: dict[str, list[dict]] = {"ours": [], "naive": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        measure(browser, f"{base}/map?basemap=none", "window.planmapReady === true")  # warm cache
        for _ in range(args.runs):
            results["ours"].append(measure(browser, f"{base}/map?basemap=none",
                                           "window.planmapReady === true"))
            results["naive"].append(measure(browser, f"{base}/naive", None))
        browser.close()
    server.should_exit = True
    med = {k: {m: statistics.median(r[m] for r in v) for m in v[0]} for k, v in results.items()}
    ratio = {m: round(med["ours"][m] / med["naive"][m], 3) for m in ("decoded", "transferred", "tti_ms",
                                                                     "html_decoded")}
    print(json.dumps({"runs": args.runs, "layers": store.ids(),
                      "features": {lyr.id: len(lyr) for lyr in store},
                      "median": med, "ratio_ours_to_naive": ratio,
                      "targets": {"overview_bytes_le_1MB": med["ours"]["decoded"] <= 1_000_000,
                                  "tti_le_1500ms": med["ours"]["tti_ms"] <= 1500}}, indent=1))


if __name__ == "__main__":
    main()
