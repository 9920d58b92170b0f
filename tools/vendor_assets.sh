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
copy() { mkdir -p "$v/$2"; cp -r "$nm/$1" "$v/$2/"; }
mkdir -p "$v/leaflet" && cp -r "$nm/leaflet/dist/leaflet.js" "$nm/leaflet/dist/leaflet.css" "$nm/leaflet/dist/images" "$nm/leaflet/LICENSE" "$v/leaflet/"
mkdir -p "$v/jquery" && cp "$nm/jquery/dist/jquery.min.js" "$nm/jquery/LICENSE.txt" "$v/jquery/"
mkdir -p "$v/bootstrap" && cp "$nm/bootstrap/dist/js/bootstrap.bundle.min.js" "$nm/bootstrap/dist/css/bootstrap.min.css" "$nm/bootstrap/LICENSE" "$v/bootstrap/"
mkdir -p "$v/fontawesome/css" && cp "$nm/@fortawesome/fontawesome-free/css/all.min.css" "$v/fontawesome/css/" && cp -r "$nm/@fortawesome/fontawesome-free/webfonts" "$nm/@fortawesome/fontawesome-free/LICENSE.txt" "$v/fontawesome/"
mkdir -p "$v/awesome-markers" && cp -r "$nm/leaflet.awesome-markers/dist/leaflet.awesome-markers.js" "$nm/leaflet.awesome-markers/dist/leaflet.awesome-markers.css" "$nm/leaflet.awesome-markers/dist/images" "$v/awesome-markers/"
mkdir -p "$v/groupedlayercontrol" && cp "$nm/leaflet-groupedlayercontrol/dist/leaflet.groupedlayercontrol.min.js" "$nm/leaflet-groupedlayercontrol/dist/leaflet.groupedlayercontrol.min.css" "$v/groupedlayercontrol/"
mkdir -p "$v/markercluster" && cp "$nm/leaflet.markercluster/dist/leaflet.markercluster.js" "$nm/leaflet.markercluster/dist/MarkerCluster.css" "$nm/leaflet.markercluster/dist/MarkerCluster.Default.css" "$v/markercluster/"
mkdir -p "$v/leaflet-draw" && cp -r "$nm/leaflet-draw/dist/leaflet.draw.js" "$nm/leaflet-draw/dist/leaflet.draw.css" "$nm/leaflet-draw/dist/images" "$v/leaflet-draw/"
mkdir -p "$v/leaflet-measure" && cp -r "$nm/leaflet-measure/dist/leaflet-measure.js" "$nm/leaflet-measure/dist/leaflet-measure.css" "$nm/leaflet-measure/dist/assets" "$v/leaflet-measure/"
mkdir -p "$v/leaflet.fullscreen" && cp "$nm/leaflet.fullscreen/Control.FullScreen.js" "$nm/leaflet.fullscreen/Control.FullScreen.css" "$v/leaflet.fullscreen/" && cp -r "$nm/leaflet.fullscreen/icon-fullscreen.svg" "$v/leaflet.fullscreen/" 2>/dev/null || true
mkdir -p "$v/topojson-client" && cp "$nm/topojson-client/dist/topojson-client.min.js" "$nm/topojson-client/LICENSE" "$v/topojson-client/"
(cd "$work" && npm ls --depth=0) > "$v/VERSIONS.txt"
echo "vendored into $v"
