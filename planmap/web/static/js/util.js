/* Small helpers every module needs: HTML escaping, number formatting, GCJ-02 conversion. */
export function esc(s) {
  return String(s == null ? '' : s).replace(/[&<>"']/g, (c) =>
    ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c]));
}

export function fmt(v) {
  if (typeof v === 'number') return Math.round(v * 100) / 100;
  return v;
}

/* ---- GCJ-02 (AMap) shift, for coordinates shown or sent when the AMap basemap is on ---- */
const A = 6378245.0, EE = 0.00669342162296594323;
function tLat(x, y) {
  let r = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  r += (20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2 / 3;
  r += (20 * Math.sin(y * Math.PI) + 40 * Math.sin(y / 3 * Math.PI)) * 2 / 3;
  return r + (160 * Math.sin(y / 12 * Math.PI) + 320 * Math.sin(y * Math.PI / 30)) * 2 / 3;
}
function tLon(x, y) {
  let r = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  r += (20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2 / 3;
  r += (20 * Math.sin(x * Math.PI) + 40 * Math.sin(x / 3 * Math.PI)) * 2 / 3;
  return r + (150 * Math.sin(x / 12 * Math.PI) + 300 * Math.sin(x / 30 * Math.PI)) * 2 / 3;
}
export function wgsToGcj(lon, lat) {
  let dLat = tLat(lon - 105, lat - 35), dLon = tLon(lon - 105, lat - 35);
  const rad = lat / 180 * Math.PI, m = 1 - EE * Math.sin(rad) * Math.sin(rad), s = Math.sqrt(m);
  dLat = dLat * 180 / ((A * (1 - EE)) / (m * s) * Math.PI);
  dLon = dLon * 180 / (A / s * Math.cos(rad) * Math.PI);
  return [lon + dLon, lat + dLat];
}
export function gcjToWgs(lon, lat) {  // iterate the forward formula: converges to < 1 mm
  let x = lon, y = lat;
  for (let i = 0; i < 10; i++) {
    const g = wgsToGcj(x, y);
    x -= g[0] - lon; y -= g[1] - lat;
  }
  return [x, y];
}

/* Is [lng, lat] inside a GeoJSON (Multi)Polygon's coordinates? Even-odd rule over every ring. */
export function inPolygon(lng, lat, geometry) {
  const polys = geometry.type === 'Polygon' ? [geometry.coordinates]
    : geometry.type === 'MultiPolygon' ? geometry.coordinates : [];
  let inside = false;
  for (const rings of polys) {
    for (const ring of rings) {
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const [xi, yi] = ring[i], [xj, yj] = ring[j];
        if ((yi > lat) !== (yj > lat) && lng < (xj - xi) * (lat - yi) / (yj - yi) + xi) inside = !inside;
      }
    }
  }
  return inside;
}
