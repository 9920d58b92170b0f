/* The district theme: projects per district, per km², or stated investment (with the share of
 * projects that state one), in natural-break classes so the districts separate. Counts come from
 * the server's join and follow the filters. */
import {esc, fmt} from 'planmap/util.js';
import {restyle} from 'planmap/layers.js';

const THEME = ['#fff5eb', '#fdd0a2', '#fd8d3c', '#d94801', '#7f2704'];
const NO_DATA = '#d5d8dc';

/* Jenks natural breaks (Fisher's exact optimisation; 16 districts make it instant). */
export function naturalBreaks(values, k) {
  const v = values.slice().sort((a, b) => a - b), n = v.length;
  k = Math.min(k, new Set(v).size);
  if (k < 2) return [v[0], v[n - 1]];
  const cost = (i, j) => {  // sum of squared deviations of v[i..j]
    let s = 0, s2 = 0;
    for (let t = i; t <= j; t++) { s += v[t]; s2 += v[t] * v[t]; }
    return s2 - s * s / (j - i + 1);
  };
  const best = [], from = [];
  for (let j = 0; j < n; j++) { best.push([cost(0, j)]); from.push([0]); }
  for (let c = 1; c < k; c++) {
    for (let j = 0; j < n; j++) {
      best[j][c] = Infinity;
      for (let i = c; i <= j; i++) {
        const x = best[i - 1][c - 1] + cost(i, j);
        if (x < best[j][c]) { best[j][c] = x; from[j][c] = i; }
      }
    }
  }
  const breaks = [v[n - 1]];
  let j = n - 1;
  for (let c = k - 1; c > 0; c--) { const i = from[j][c]; breaks.unshift(v[i - 1]); j = i - 1; }
  breaks.unshift(v[0]);
  return breaks;
}

export function districtFigures(ctx) {
  const out = {};
  (ctx.features.districts ? ctx.features.districts.getLayers() : []).forEach((l) => {
    const p = l.feature.properties;
    const list = ((ctx.cfg.inside.districts || {})[String(p.fid)] || []).map((i) => ctx.projectsByFid[i]).filter((o) => o && ctx.matches(o));
    const stated = list.filter((o) => typeof o.investment_yi === 'number');
    out[p.fid] = {name: p.name, count: list.length, per_km2: p.area_km2 ? list.length / p.area_km2 : null,
      investment_yi: stated.length ? stated.reduce((a, o) => a + o.investment_yi, 0) : null,
      with_figure: stated.length, share: list.length ? stated.length / list.length : null};
  });
  return out;
}

export function enableTheme(ctx) {
  const {T} = ctx;
  const sel = document.getElementById('pm-theme');
  if (!sel) return;
  function apply() {
    const key = sel.value, leg = document.getElementById('pm-theme-legend');
    if (!key) { ctx.theme = null; leg.innerHTML = ''; restyle(ctx, 'districts'); return; }
    const figs = districtFigures(ctx);
    const vals = Object.values(figs).map((f) => f[key]).filter((v) => v != null);
    const breaks = vals.length ? naturalBreaks(vals, THEME.length) : [0, 0];
    const classOf = (v) => { let c = 0; for (let i = 1; i < breaks.length - 1; i++) if (v > breaks[i]) c = i; return c; };
    const colours = breaks.length - 1 >= THEME.length ? THEME : THEME.slice(THEME.length - (breaks.length - 1));
    ctx.theme = (fid) => { const f = figs[fid]; return f && f[key] != null ? colours[classOf(f[key])] : NO_DATA; };
    restyle(ctx, 'districts');
    const rows = [];
    for (let i = 0; i < breaks.length - 1; i++) {
      rows.push('<div><span class="pm-sw" style="background:' + colours[i] + '"></span>' + fmt(breaks[i]) + ' – ' + fmt(breaks[i + 1]) + '</div>');
    }
    if (Object.values(figs).some((f) => f[key] == null)) rows.push('<div><span class="pm-sw" style="background:' + NO_DATA + '"></span>' + (ctx.en ? 'no figure' : '无数据') + '</div>');
    if (key === 'investment_yi') {
      const all = Object.values(figs), n = all.reduce((a, f) => a + f.count, 0), s = all.reduce((a, f) => a + f.with_figure, 0);
      rows.push('<div class="pm-muted" id="pm-theme-share">' + esc(T.statedInvestment) + ' ' + s + ' / ' + n + ' (' + esc(T.shareStated) + ' ' +
        (n ? Math.round(100 * s / n) : 0) + '%)</div>');
      rows.push('<table class="pm-theme-table">' + all.sort((a, b) => (b.investment_yi || 0) - (a.investment_yi || 0)).map((f) =>
        '<tr><td>' + esc(f.name) + '</td><td>' + (f.investment_yi == null ? '—' : fmt(f.investment_yi)) + '</td><td>' + f.with_figure + '/' + f.count + '</td></tr>').join('') + '</table>');
    }
    leg.innerHTML = rows.join('');
  }
  sel.addEventListener('change', apply);
  ctx.on('filters', () => { if (sel.value) apply(); });
}
