#!/usr/bin/env bash
# Refresh planmap/web/static/vendor from the npm registry (the versions in planmap/web/package.json).
# The copied files are committed, so users never need npm; run this only to upgrade an asset.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$root/planmap/web/package.json" "$work/"
(cd "$work" && npm install --no-audit --no-fund --ignore-scripts >/dev/null)
nm="$work/node_modules"
v="$root/planmap/web/static/vendor"
rm -rf "$v" && mkdir -p "$v"
mkdir -p "$v/leaflet" && cp -r "$nm/leaflet/dist/leaflet.js" "$nm/leaflet/dist/leaflet.css" "$nm/leaflet/dist/images" "$nm/leaflet/LICENSE" "$v/leaflet/"
mkdir -p "$v/markercluster" && cp "$nm/leaflet.markercluster/dist/leaflet.markercluster.js" "$nm/leaflet.markercluster/dist/MarkerCluster.css" "$nm/leaflet.markercluster/dist/MarkerCluster.Default.css" "$v/markercluster/"
mkdir -p "$v/leaflet-draw" && cp -r "$nm/leaflet-draw/dist/leaflet.draw.js" "$nm/leaflet-draw/dist/leaflet.draw.css" "$nm/leaflet-draw/dist/images" "$v/leaflet-draw/"
mkdir -p "$v/leaflet-measure" && cp -r "$nm/leaflet-measure/dist/leaflet-measure.js" "$nm/leaflet-measure/dist/leaflet-measure.css" "$nm/leaflet-measure/dist/assets" "$v/leaflet-measure/"
mkdir -p "$v/leaflet.fullscreen" && cp "$nm/leaflet.fullscreen/Control.FullScreen.js" "$nm/leaflet.fullscreen/Control.FullScreen.css" "$v/leaflet.fullscreen/" && cp -r "$nm/leaflet.fullscreen/icon-fullscreen.svg" "$v/leaflet.fullscreen/" 2>/dev/null || true
mkdir -p "$v/topojson-client" && cp "$nm/topojson-client/dist/topojson-client.min.js" "$nm/topojson-client/LICENSE" "$v/topojson-client/"
# The API explorer at /api.html: the bundle and its stylesheet only (no standalone preset, no
# initializer, no fonts), plus the licence and notice the Apache-2.0 licence asks to keep.
mkdir -p "$v/swagger-ui" && cp "$nm/swagger-ui-dist/swagger-ui-bundle.js" "$nm/swagger-ui-dist/swagger-ui.css" "$nm/swagger-ui-dist/LICENSE" "$v/swagger-ui/"
if [ -f "$nm/swagger-ui-dist/NOTICE" ]; then cp "$nm/swagger-ui-dist/NOTICE" "$v/swagger-ui/"; fi
(cd "$work" && npm ls --depth=0) > "$v/VERSIONS.txt"
echo "vendored into $v"
