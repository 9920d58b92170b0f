/* The permalink: view, visible layers and project filters live in the URL's hash. */
import {FILTER_KEYS} from 'planmap/filters.js';

export function parseHash() {
  const out = {filter: {}};
  location.hash.replace(/^#/, '').split('&').forEach((kv) => {
    const i = kv.indexOf('='); if (i < 0) return;
    const k = kv.slice(0, i), v = decodeURIComponent(kv.slice(i + 1));
    if (k === 'map') { const p = v.split('/').map(Number); if (p.length === 3 && p.every(isFinite)) out.view = p; }
    if (k === 'show') out.show = v ? v.split(',') : [];
    if (FILTER_KEYS.indexOf(k) >= 0) out.filter[k] = v;
  });
  return out;
}

export function enablePermalink(ctx) {
  const {map, T} = ctx;
  function writeHash() {
    const c = map.getCenter(), shown = [];
    ctx.root.querySelectorAll('input[data-layer]').forEach((cb) => { if (cb.checked) shown.push(cb.dataset.layer); });
    let hash = '#map=' + map.getZoom() + '/' + c.lat.toFixed(5) + '/' + c.lng.toFixed(5) + '&show=' + shown.join(',');
    FILTER_KEYS.forEach((k) => { if (ctx.filter[k]) hash += '&' + k + '=' + encodeURIComponent(ctx.filter[k]); });
    history.replaceState(null, '', location.pathname + location.search + hash);
  }
  ctx.writeHash = writeHash;
  ctx.reloadWith = (params) => {
    const u = new URL(location.href);
    Object.keys(params).forEach((k) => u.searchParams.set(k, params[k]));
    writeHash(); u.hash = location.hash; location.href = u.toString();
  };
  map.on('moveend', writeHash);
  ctx.on('filters', writeHash);
  ctx.on('permalink', writeHash);
  const link = L.control({position: 'bottomleft'});
  link.onAdd = () => {
    const a = L.DomUtil.create('a', 'pm-permalink'); a.href = '#'; a.id = 'pm-permalink'; a.textContent = T.permalink;
    L.DomEvent.on(a, 'click', (e) => {
      L.DomEvent.preventDefault(e); writeHash();
      if (navigator.clipboard) navigator.clipboard.writeText(location.href).catch(() => {});
      a.textContent = T.copied;
    });
    return a;
  };
  link.addTo(map);
}
