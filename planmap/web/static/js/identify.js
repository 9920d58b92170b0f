/* Identify like a GIS: a click lists every feature under the cursor, topmost first, and the one
 * the planner picks opens in the details. */
import {esc, inPolygon} from 'planmap/util.js';
import {isVisible} from 'planmap/layers.js';

const NEAR_PX = 8;  // how close a click must come to a line or a point

function nearLine(map, latlng, lyr) {
  const p = map.latLngToContainerPoint(latlng);
  let parts = lyr.getLatLngs();
  if (!Array.isArray(parts[0])) parts = [parts];
  return parts.some((line) => line.some((ll, i) => i > 0 &&
    L.LineUtil.pointToSegmentDistance(p, map.latLngToContainerPoint(line[i - 1]), map.latLngToContainerPoint(ll)) <= NEAR_PX));
}

export function featuresAt(ctx, latlng) {
  const {map, cfg} = ctx;
  const order = cfg.layers.map((s) => s.id).reverse();  // drawn last = on top
  const hits = [];
  order.forEach((id) => {
    if (!isVisible(ctx, id) || id === 'projects') return;
    const spec = ctx.specs[id];
    if (ctx.features[id] && spec.geometry !== 'point') {
      ctx.features[id].getLayers().forEach((l) => {
        const g = l.feature.geometry;
        const hit = spec.geometry === 'line' ? nearLine(map, latlng, l) : inPolygon(latlng.lng, latlng.lat, g);
        if (hit) hits.push({layer: id, props: l.feature.properties, lyr: l});
      });
    } else if (ctx.overlays[id]) {
      const p = map.latLngToContainerPoint(latlng);
      ctx.overlays[id].getLayers().forEach((m) => {
        if (m.getLatLng && map.latLngToContainerPoint(m.getLatLng()).distanceTo(p) <= NEAR_PX) {
          hits.push({layer: id, props: m.feature.properties, marker: m});
        }
      });
    }
  });
  return hits;
}

export function enableIdentify(ctx, showFeature) {
  const {map, T} = ctx;
  ctx.identify = (latlng) => {
    const hits = featuresAt(ctx, latlng);
    const here = document.getElementById('pm-here');
    if (!hits.length) { here.innerHTML = ''; return hits; }
    here.innerHTML = '<h5>' + esc(T.here) + ' (' + hits.length + ') <small>' + esc(T.hereHint) + '</small></h5><ol id="pm-here-list">' +
      hits.map((h, i) => '<li><a href="#" data-i="' + i + '" data-layer="' + h.layer + '">' + esc(h.props.name) + '</a> <small>' +
        esc(ctx.title(ctx.specs[h.layer])) + '</small></li>').join('') + '</ol>';
    here.querySelectorAll('a[data-i]').forEach((a) => a.addEventListener('click', (e) => {
      e.preventDefault();
      const h = hits[+a.dataset.i];
      here.querySelectorAll('a').forEach((x) => x.classList.toggle('pm-chosen', x === a));
      showFeature(h.layer, h.props, h.lyr || h.marker);
    }));
    if (hits.length === 1) here.querySelector('a[data-i="0"]').click();  // nothing to choose between
    return hits;
  };
  map.on('click', (e) => ctx.identify(e.latlng));
}
