/* Search: exact names first (津南区 → the district), then names that start with the query, then
 * names that contain it; each hit says what it is (区 / 园区 / 项目 / 地名) and how precisely it is
 * located. A project without a point takes the planner to its district and says so. */
import {esc} from 'planmap/util.js';

const KIND_ORDER = {districts: 0, twin_cities: 1, eco_barrier: 1, barrier_zones: 1, wetlands: 1, eco_corridors: 1, parks: 2, projects: 3};

function kindOf(ctx, layer) {
  return ctx.T.kind[layer] || ctx.T.kind.place;
}

export function rank(ctx, q) {
  q = q.trim().toLowerCase();
  if (!q) return [];
  const seen = new Set();
  return ctx.searchIndex.map((x) => {
    const n = String(x.name || '').toLowerCase();
    const score = n === q ? 0 : n.startsWith(q) ? 1 : n.indexOf(q) >= 0 ? 2 : -1;
    return [score, x];
  }).filter(([s]) => s >= 0).sort((a, b) => a[0] - b[0] || (KIND_ORDER[a[1].layer] ?? 9) - (KIND_ORDER[b[1].layer] ?? 9) ||
    String(a[1].name).length - String(b[1].name).length).map(([, x]) => x)
    .filter((x) => { const k = x.layer + ':' + x.props.fid; if (seen.has(k)) return false; seen.add(k); return true; })
    .slice(0, 12);
}

export function enableSearch(ctx) {
  const {T} = ctx;
  const box = document.getElementById('pm-search'), hitsEl = document.getElementById('pm-hits');
  box.addEventListener('input', () => {
    const hits = rank(ctx, box.value);
    hitsEl.innerHTML = box.value.trim() ? (hits.length ? hits.map((x, i) => {
      const q = x.props.loc_quality ? ' · ' + (T.locq[x.props.loc_quality] || x.props.loc_quality) : '';
      return '<a href="#" data-i="' + i + '" data-layer="' + x.layer + '"><span class="pm-kind">' + esc(kindOf(ctx, x.layer)) + '</span> ' +
        esc(x.name) + ' <small>' + esc(ctx.title(ctx.specs[x.layer])) + esc(q) + '</small></a>';
    }).join('') : '<span class="pm-muted">' + esc(T.noHit) + '</span>') : '';
    hitsEl.querySelectorAll('a').forEach((a) => a.addEventListener('click', (e) => {
      e.preventDefault(); ctx.zoomTo(hits[+a.dataset.i]); hitsEl.innerHTML = '';
    }));
  });
  box.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') { const hits = rank(ctx, box.value); if (hits.length) { ctx.zoomTo(hits[0]); hitsEl.innerHTML = ''; } }
  });
}

export function createZoomTo(ctx, showFeature) {
  const {map, T} = ctx;
  const districtLayer = (name) => (ctx.features.districts ? ctx.features.districts.getLayers() : [])
    .filter((l) => l.feature.properties.name === name)[0];
  return function zoomTo(hit) {
    if (!hit) return;
    const cb = ctx.root.querySelector('input[data-layer="' + hit.layer + '"]');
    if (cb && !cb.checked) { cb.checked = true; cb.dispatchEvent(new Event('change')); }
    if (hit.marker) {
      const g = ctx.overlays[hit.layer];
      if (g.zoomToShowLayer && g.hasLayer(hit.marker)) {
        g.zoomToShowLayer(hit.marker, () => map.setView(hit.marker.getLatLng(), Math.max(map.getZoom(), 14)));
      } else { map.setView(hit.marker.getLatLng(), 14); }
    } else if (hit.lyr) {
      map.fitBounds(hit.lyr.getBounds(), {maxZoom: 14});
    } else {  // no point: show its district, and say so
      const d = districtLayer(hit.props.district);
      if (d) map.fitBounds(d.getBounds(), {maxZoom: 13});
    }
    if (!hit.lyr && !hit.marker) {  // said above its details, also when they are re-drawn
      hit.props._notice = hit.props.district ? T.onlyDistrict.replace('{d}', hit.props.district) : T.citywide;
    }
    showFeature(hit.layer, hit.props, hit.lyr || hit.marker);
  };
}
