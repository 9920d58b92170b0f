/* The side panel: search box, layer tree with legend, filters, theme, print, and the details of a
 * feature with the projects the server's join puts in it (filtered like the markers). */
import {esc, fmt} from 'planmap/util.js';
import {setVisible} from 'planmap/layers.js';
import {filterControls} from 'planmap/filters.js';

function legendRows(ctx, s) {
  const st = s.style, border = st.dash ? 'dashed' : 'solid';
  if (s.id === 'projects') return '';
  const entries = s.classes.length ? s.classes.map((c) => [c.fill_color, ctx.en ? c.legend_en : c.legend_zh])
    : [[st.fill_color, ctx.en ? st.legend_en : st.legend_zh]];
  return entries.map(([colour, text]) => {
    const bg = (st.fill_opacity > 0 || s.classes.length) ? colour : 'transparent';
    const shape = s.geometry === 'line' ? 'height:0;border-top-width:4px;' : (s.geometry === 'point' ? 'border-radius:50%;width:12px;' : '');
    return '<div><span class="pm-sw" style="background:' + bg + ';border:2px ' + border + ' ' + st.color + ';' + shape + '"></span>' + esc(text) + '</div>';
  }).join('');
}

function countLabel(ctx, s) {  // how many features have no place on the map: said, never hidden
  const pts = ctx.cfg.points[s.id];
  const located = pts ? pts.rows.filter((r) => r[0] != null).length : s.count;
  if (located === s.count) return String(s.count);
  return located + ' / ' + s.count + (ctx.en ? ' located' : ' 有位置');
}

export function buildPanel(ctx, initialShown) {
  const {map, cfg, T} = ctx;
  const panel = L.control({position: 'topright'});
  panel.onAdd = () => {
    const d = L.DomUtil.create('div', 'pm-panel');
    L.DomEvent.disableClickPropagation(d); L.DomEvent.disableScrollPropagation(d);
    return d;
  };
  panel.addTo(map);
  const root = panel.getContainer();
  const h = ['<div class="pm-bar"><input id="pm-search" type="search" placeholder="' + esc(T.search) + '">',
    '<a id="pm-lang" href="#">' + esc(T.lang) + '</a></div><div id="pm-hits"></div>',
    '<div class="pm-notice" id="pm-notice"' + (ctx.notices.length ? '' : ' hidden') + '>' + ctx.notices.join('<br>') + '</div>'];
  h.push('<details open><summary>' + esc(T.layers) + ' · ' + esc(T.legend) + '</summary><div id="pm-tree">');
  cfg.groups.forEach((g) => {
    const members = cfg.layers.filter((s) => s.group === g.zh);
    if (!members.length) return;
    h.push('<div class="pm-grp">' + esc(ctx.en ? g.en : g.zh) + '</div>');
    members.forEach((s) => {
      const on = initialShown ? initialShown.indexOf(s.id) >= 0 : true;
      h.push('<label class="pm-layer"><input type="checkbox" data-layer="' + s.id + '"' + (on ? ' checked' : '') +
        '> ' + esc(ctx.title(s)) + ' <small>(' + countLabel(ctx, s) + ')</small></label><div class="pm-leg">' + legendRows(ctx, s) + '</div>');
    });
  });
  h.push('<div class="pm-note">' + esc(T.schematic) + '</div></div></details>');
  if (cfg.projects_present) {
    h.push('<details id="pm-filters"><summary>' + esc(T.filters) + ' <small id="pm-f-count"></small></summary>' + filterControls(ctx) + '</details>');
    h.push('<details><summary>' + esc(T.thematic) + '</summary><select id="pm-theme"><option value="">' + esc(T.none) +
      '</option><option value="count">' + esc(T.count) + '</option><option value="per_km2">' + esc(T.perKm2) +
      '</option><option value="investment_yi">' + esc(T.investmentTheme) + '</option></select><div id="pm-theme-legend"></div></details>');
  }
  h.push('<details><summary>' + esc(T.print) + '</summary><button type="button" id="pm-print-png">' + esc(T.png) +
    '</button> <button type="button" id="pm-print-pdf">' + esc(T.pdf) + '</button></details>');
  h.push('<details open><summary>' + esc(T.details) + '</summary><div id="pm-here"></div><div id="pm-info" class="pm-info">' +
    esc(T.drawHint) + '</div></details>');
  root.innerHTML = h.join('');
  ctx.root = root;
  root.querySelectorAll('input[data-layer]').forEach((cb) => {
    setVisible(ctx, cb.dataset.layer, cb.checked);
    cb.addEventListener('change', () => { setVisible(ctx, cb.dataset.layer, cb.checked); ctx.emit('permalink'); });
  });
  ctx.on('tiles-failed', () => {
    const n = root.querySelector('#pm-notice');
    const alt = ['none', 'tianditu', 'amap', 'osm'].filter((b) => b !== cfg.basemap)
      .map((b) => '<a href="#" data-basemap="' + b + '">' + b + '</a>').join(' | ');
    n.insertAdjacentHTML('beforeend', (n.innerHTML ? '<br>' : '') + '<span id="pm-tiles-failed">' + esc(T.tilesFailed) + alt + '</span>');
    n.hidden = false;
    n.querySelectorAll('a[data-basemap]').forEach((a) => a.addEventListener('click', (e) => {
      e.preventDefault(); ctx.reloadWith({basemap: a.dataset.basemap});
    }));
  });
  return root;
}

/* The projects the server's join puts in a feature, as the filters show them. */
function projectsInside(ctx, layerId, fid) {
  const {cfg, T} = ctx;
  if (!cfg.projects_present) return '<p class="pm-muted" id="pm-inside">' + esc(T.noProjectsLayer) + '</p>';
  const ids = (cfg.inside[layerId] || {})[String(fid)] || [];
  const all = ids.map((i) => ctx.projectsByFid[i]).filter(Boolean);
  const list = all.filter(ctx.matches);
  const stated = list.filter((o) => typeof o.investment_yi === 'number');
  const sum = stated.reduce((a, o) => a + o.investment_yi, 0);
  const unloc = list.filter((o) => o._lon == null).length;
  const head = '<h5 id="pm-inside" data-count="' + list.length + '" data-unlocated="' + unloc + '" data-total="' + all.length + '">' +
    esc(T.projectsInside) + ': ' + list.length + ' ' + esc(T.items) + (ctx.filtering() ? esc(T.filtered) + ' / ' + all.length : '') +
    (unloc ? ' · ' + esc(T.unlocatedIn) + ' ' + unloc : '') +
    (stated.length ? ' · ' + esc(T.statedInvestment) + ' ' + stated.length + (ctx.en ? ', ' : '，') + esc(T.sum) + ' ' + fmt(sum) + (ctx.en ? '' : ' 亿元') : '') + '</h5>';
  return head + '<ol class="pm-list">' + list.map((o) => '<li><a href="#" data-project="' + o.fid + '">' + esc(o.name) + '</a>' +
    (o._lon == null ? ' <small class="pm-noloc">' + esc(T.unlocated) + '</small>' : '') +
    (typeof o.investment_yi === 'number' ? ' <small>' + fmt(o.investment_yi) + (ctx.en ? '' : ' 亿元') + '</small>' : '') + '</li>').join('') + '</ol>';
}

function fieldValue(ctx, f, v) {
  if (f.name === 'geom_quality' && ctx.cfg.quality[v]) return v + '（' + ctx.cfg.quality[v] + '）';
  if (f.name === 'category') { const c = ctx.category(v); return ctx.en ? c.en : c.zh; }
  if (f.name === 'loc_quality' && ctx.T.locq[v]) return ctx.T.locq[v];
  return fmt(v);
}

/* The long texts of a feature (source, note, quote): in their own block, so that when a served
 * page fetches them after the details opened, only this block changes and whatever the planner
 * is doing in the panel meanwhile (an edit form, a move) is left alone. */
function longTexts(ctx, spec, p) {
  const {T} = ctx, out = [];
  const source = spec.fields.find((f) => f.name === 'source');
  if (p.source && source) out.push('<p class="pm-source"><b>' + esc(ctx.en ? source.en : source.zh) + '</b> ' + esc(p.source) + '</p>');
  if (p.note) out.push('<p class="pm-note-text"><b>' + esc(ctx.en ? T.note : T.noteEn) + '</b> ' + esc(p.note) + '</p>');
  if (p.quote) out.push('<blockquote class="pm-quote"><b>' + esc(T.quote) + '</b><br>' + esc(p.quote) + '</blockquote>');
  return out.join('');
}

const LONG_TEXTS = ['source', 'note', 'quote'];

export function createDetails(ctx) {
  const {specs} = ctx;
  let shown = null;
  function showFeature(layerId, p, lyr) {
    const spec = specs[layerId], rows = [];
    spec.fields.forEach((f) => {
      const v = p[f.name]; if (v == null || v === '' || LONG_TEXTS.indexOf(f.name) >= 0) return;
      rows.push('<tr><th>' + esc(ctx.en ? f.en : f.zh) + '</th><td>' + esc(fieldValue(ctx, f, v)) + '</td></tr>');
    });
    const out = ['<h4>' + esc(p.name) + ' <small>' + esc(ctx.title(spec)) + '</small></h4><table>' + rows.join('') + '</table>'];
    if (p._notice) out.unshift('<p class="pm-notice" id="pm-noloc">' + esc(p._notice) + '</p>');
    out.push('<div class="pm-long">' + longTexts(ctx, spec, p) + '</div>');
    if (ctx.cfg.inside[layerId] || (spec.geometry === 'polygon' && !ctx.cfg.projects_present)) out.push(projectsInside(ctx, layerId, p.fid));
    const info = document.getElementById('pm-info');
    info.innerHTML = out.join('');
    info.dataset.layer = layerId; info.dataset.fid = p.fid;
    info.querySelectorAll('a[data-project]').forEach((a) => {
      a.addEventListener('click', (e) => {
        e.preventDefault();
        ctx.zoomTo(ctx.searchIndex.filter((x) => x.layer === 'projects' && String(x.props.fid) === a.dataset.project)[0]);
      });
    });
    ctx.highlight(spec.geometry !== 'point' ? lyr : null);
    shown = [layerId, p, lyr];
    // A served page leaves long texts (quotes, notes, sources) out of the page: fetch them now.
    const cfg = ctx.cfg;
    if (cfg.items_url && cfg.deferred_fields.length && !p._full && ctx.cfg.points[layerId]) {
      fetch(cfg.items_url + '/' + encodeURIComponent(layerId) + '/items/' + encodeURIComponent(p.fid) + '?f=json',
        {headers: {Accept: 'application/geo+json'}})
        .then((r) => (r.ok ? r.json() : null))
        .then((f) => {
          if (!f || !f.properties) return;
          cfg.deferred_fields.forEach((k) => { p[k] = f.properties[k]; });
          p._full = true;
          const block = info.querySelector('.pm-long');
          if (shown && shown[1] === p && block) block.innerHTML = longTexts(ctx, spec, p);
        })
        .catch(() => {});
    }
  }
  ctx.on('filters', () => { if (shown && ctx.cfg.inside[shown[0]]) showFeature(...shown); });
  return showFeature;
}

/* On each district, how many of its (filtered) projects have no point of their own: a label
 * under the district's name (left out where it would overlap another); a click opens the district. */
export function districtBadges(ctx, showFeature) {
  const {cfg, T} = ctx;
  if (!cfg.projects_present || !cfg.inside.districts) return;
  ctx.unlocatedCounts = () => {
    const out = {};
    Object.keys(cfg.inside.districts).forEach((fid) => {
      out[fid] = cfg.inside.districts[fid].filter((i) => {
        const o = ctx.projectsByFid[i]; return o && o._lon == null && ctx.matches(o);
      }).length;
    });
    return out;
  };
  (ctx.labelExtras = ctx.labelExtras || []).push(() => {
    if (!ctx.overlays.projects || !ctx.map.hasLayer(ctx.overlays.projects)) return [];
    const counts = ctx.unlocatedCounts(), anchors = cfg.label_points.districts || {};
    return Object.keys(counts).filter((fid) => counts[fid] && anchors[fid]).map((fid) => ({
      layer: 'unlocated', fid, prio: 1.5, must: false, size: 11, bold: false, colour: '#7e5109', ll: anchors[fid],
      text: counts[fid] + ' ' + T.unlocatedShort, title: T.unlocated, offsets: [[0, 17], [0, 31], [0, -17], [44, 0], [-44, 0]],
    }));
  });
  ctx.onLabelClick = (layer, fid) => {
    if (layer !== 'unlocated') return;
    const d = (ctx.features.districts ? ctx.features.districts.getLayers() : []).filter((l) => String(l.feature.properties.fid) === fid)[0];
    if (d) showFeature('districts', d.feature.properties, d);
  };
  ctx.on('filters', () => ctx.placeLabels && ctx.placeLabels());
}
