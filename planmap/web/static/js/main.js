/* planmap's map page: wires the modules together around one shared context.
 *
 * The page's inline script (written by planmap/web/mapview.py) queues [map, config] in
 * window.planmapQueue; this module starts each queued map once the modules have loaded. Every
 * module gets the same context: the map, the config, the interface text, the layers drawn, the
 * project rows, the filter predicate and a tiny event bus (filters, visibility, geometry …). */
import {textFor} from 'planmap/i18n.js';
import {esc, gcjToWgs} from 'planmap/util.js';
import {addBasemap, createHighlight, drawPoints, drawTopo, indexShapes, refineOnZoom} from 'planmap/layers.js';
import {createLabels} from 'planmap/labels.js';
import {bindFilters, createFilters} from 'planmap/filters.js';
import {buildPanel, createDetails, districtBadges} from 'planmap/panel.js';
import {enableIdentify} from 'planmap/identify.js';
import {createZoomTo, enableSearch} from 'planmap/search.js';
import {enableTheme} from 'planmap/theme.js';
import {enableSiting} from 'planmap/siting.js';
import {enablePrint} from 'planmap/print.js';
import {enablePermalink, parseHash} from 'planmap/permalink.js';
import {enableEditing} from 'planmap/edit.js';

function createContext(map, cfg) {
  const handlers = {};
  const T = textFor(cfg.lang);
  const categories = cfg.categories || [];
  const byCode = {};
  categories.forEach((c) => { byCode[c.code] = c; });
  return {
    map, cfg, T, en: cfg.lang === 'en', notices: [],
    specs: Object.fromEntries(cfg.layers.map((s) => [s.id, s])),
    overlays: {}, features: {}, searchIndex: [], projectRows: [], projectsByFid: {}, projectMarkers: {}, pointRows: {},
    categories,
    category: (code) => byCode[code] || categories.find((c) => c.code === code) || {code, zh: code || '—', en: code || '—', color: '#7f8c8d'},
    title: (s) => (cfg.lang === 'en' ? s.title_en : s.title_zh),
    toWgs: (ll) => (cfg.coord_sys === 'gcj02' ? gcjToWgs(ll.lng, ll.lat) : [ll.lng, ll.lat]),
    on: (name, fn) => { (handlers[name] = handlers[name] || []).push(fn); },
    emit: (name, arg) => { (handlers[name] || []).forEach((fn) => fn(arg)); },
  };
}

/* A category the registry does not list (an imported code) still gets a colour and a label. */
function knowEveryCategory(ctx) {
  const spare = ['#7f8c8d', '#95a5a6', '#566573', '#aab7b8'];
  const known = new Set(ctx.categories.map((c) => c.code));
  ctx.projectRows.forEach((o) => {
    if (o.category == null || known.has(o.category)) return;
    known.add(o.category);
    ctx.categories.push({code: o.category, zh: o.category, en: o.category, color: spare[known.size % spare.length]});
  });
}

function tools(ctx) {
  const {map, T, cfg} = ctx;
  L.control.fullscreen({position: 'topleft'}).addTo(map);
  L.control.measure({position: 'topleft', primaryLengthUnit: 'meters', secondaryLengthUnit: 'kilometers',
    primaryAreaUnit: 'sqmeters', secondaryAreaUnit: 'hectares', localization: 'en'}).addTo(map);
  const coords = L.control({position: 'bottomleft'});
  coords.onAdd = () => L.DomUtil.create('div', 'pm-coords');
  coords.addTo(map);
  map.on('mousemove', (e) => {
    const w = ctx.toWgs(e.latlng);
    coords.getContainer().textContent = w[1].toFixed(5) + ', ' + w[0].toFixed(5) + ' (' + T.coordsNote + ')';
  });
  const bm = L.control({position: 'bottomleft'});
  bm.onAdd = () => {
    const d = L.DomUtil.create('div', 'pm-basemaps');
    d.innerHTML = esc(T.basemap) + ': ' + ['none', 'osm', 'tianditu', 'amap'].map((b) =>
      (b === cfg.basemap ? '<b>' + b + '</b>' : '<a href="#" data-basemap="' + b + '">' + b + '</a>')).join(' | ');
    d.querySelectorAll('a').forEach((a) => a.addEventListener('click', (e) => { e.preventDefault(); ctx.reloadWith({basemap: a.dataset.basemap}); }));
    return d;
  };
  bm.addTo(map);
  document.getElementById('pm-lang').addEventListener('click', (e) => { e.preventDefault(); ctx.reloadWith({lang: ctx.en ? 'zh' : 'en'}); });
}

export function init(map, cfg) {
  if (!isFinite(map.getMaxZoom())) map.setMaxZoom(18);  // markercluster needs a bound
  const ctx = createContext(map, cfg);
  const hash = parseHash();
  addBasemap(ctx);
  createHighlight(ctx);
  drawTopo(ctx, cfg.topo);
  createFilters(ctx);
  ctx.filter = {...hash.filter};
  const showFeature = createDetails(ctx);
  drawPoints(ctx, showFeature);
  knowEveryCategory(ctx);
  indexShapes(ctx);
  const root = buildPanel(ctx, hash.show);
  ctx.zoomTo = createZoomTo(ctx, showFeature);
  bindFilters(ctx, root);
  districtBadges(ctx, showFeature);
  createLabels(ctx);
  enableIdentify(ctx, showFeature);
  enableSearch(ctx);
  enableTheme(ctx);
  enablePermalink(ctx);
  tools(ctx);
  enableSiting(ctx);
  enablePrint(ctx);
  enableEditing(ctx, showFeature);  // editors: fields, point and history of a project
  import('planmap/rasters.js').then((m) => m.enableRasters(ctx));  // land cover and the targets board
  if (hash.view) map.setView([hash.view[1], hash.view[2]], hash.view[0]); else map.fitBounds(cfg.bounds);
  refineOnZoom(ctx);
  ctx.placeLabels();

  // The page's public handle, for tests, debugging and embedding pages.
  Object.assign(window.PlanMap, {
    map, cfg, ctx, overlays: ctx.overlays, features: ctx.features, showFeature, zoomTo: ctx.zoomTo,
    identify: (lat, lng) => ctx.identify(L.latLng(lat, lng)), siting: (latlngs) => ctx.siting(latlngs),
    level: () => ctx.level, labels: () => ctx.placedLabels,
    vertex: (id) => {  // first drawn vertex of a layer
      let ll = ctx.features[id].getLayers()[0].getLatLngs();
      while (Array.isArray(ll[0])) ll = ll[0];
      return [ll[0].lat, ll[0].lng];
    },
  });
  Object.defineProperty(window.PlanMap, 'searchIndex', {get: () => ctx.searchIndex, configurable: true});
  window.planmapReadyAt = performance.now();
  window.planmapReady = true;
  document.body.setAttribute('data-planmap-ready', '1');
}

window.PlanMap = window.PlanMap || {};
const queue = window.planmapQueue || [];
window.planmapQueue = {push: ([map, cfg]) => init(map, cfg)};
queue.forEach(([map, cfg]) => init(map, cfg));
