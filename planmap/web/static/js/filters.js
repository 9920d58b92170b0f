/* Project filters: district, category, period, stated investment and location precision.
 *
 * One predicate (ctx.matches) decides which projects count; the markers, every panel list, every
 * total and the district theme all use it, and the permalink keeps it. */
import {esc} from 'planmap/util.js';

export const FILTER_KEYS = ['district', 'category', 'period', 'investment', 'loc_quality'];
const PRECISIONS = ['exact', 'park', 'town', 'district', 'citywide'];

export function createFilters(ctx) {
  ctx.filter = {};
  ctx.matches = (o) => {
    const f = ctx.filter;
    if (f.district && o.district !== f.district) return false;
    if (f.category && o.category !== f.category) return false;
    if (f.period && String(o.period) !== f.period) return false;
    if (f.loc_quality && o.loc_quality !== f.loc_quality) return false;
    if (f.investment === 'stated' && typeof o.investment_yi !== 'number') return false;
    if (f.investment === 'none' && typeof o.investment_yi === 'number') return false;
    if (f.investment && /^\d+(\.\d+)?$/.test(f.investment) && !(o.investment_yi >= +f.investment)) return false;
    return true;
  };
  ctx.filtering = () => FILTER_KEYS.some((k) => ctx.filter[k]);
}

/* The filter controls, rendered into the panel's filter section. */
export function filterControls(ctx) {
  const {T, projectRows} = ctx;
  const values = (k) => {
    const vals = [];
    projectRows.forEach((o) => { if (o[k] != null && vals.indexOf(String(o[k])) < 0) vals.push(String(o[k])); });
    return vals.sort();
  };
  const select = (k, label, options) => '<label class="pm-f">' + esc(label) + ' <select id="pm-f-' + k + '"><option value="">' +
    esc(T.all) + '</option>' + options.map(([v, text]) => '<option value="' + esc(v) + '">' + esc(text) + '</option>').join('') + '</select></label>';
  const cats = ctx.categories.filter((c) => projectRows.some((o) => o.category === c.code));
  return [
    select('district', T.district, values('district').map((v) => [v, v])),
    select('category', T.category, cats.map((c) => [c.code, ctx.en ? c.en : c.zh])),
    select('period', T.period, values('period').map((v) => [v, v])),
    select('investment', T.investment, [['stated', T.withInvestment], ['none', T.withoutInvestment],
      ['10', '≥ 10 ' + (ctx.en ? '(100M CNY)' : '亿元')], ['100', '≥ 100 ' + (ctx.en ? '(100M CNY)' : '亿元')]]),
    select('loc_quality', T.precision, PRECISIONS.filter((q) => projectRows.some((o) => o.loc_quality === q)).map((q) => [q, T.locq[q]])),
    '<a href="#" id="pm-f-reset">' + esc(T.resetFilters) + '</a>',
    '<div class="pm-cats" id="pm-cats">' + cats.map((c) => '<span data-cat="' + esc(c.code) + '"><i style="background:' + c.color + '"></i>' +
      esc(ctx.en ? c.en : c.zh) + '</span>').join('') + '</div>',
  ].join('');
}

export function bindFilters(ctx, root) {
  const apply = () => {
    FILTER_KEYS.forEach((k) => { const el = root.querySelector('#pm-f-' + k); ctx.filter[k] = el ? el.value : ''; });
    applyToMarkers(ctx);
    ctx.emit('filters');
  };
  FILTER_KEYS.forEach((k) => {
    const el = root.querySelector('#pm-f-' + k);
    if (!el) return;
    if (ctx.filter[k] && [...el.options].some((o) => o.value === ctx.filter[k])) el.value = ctx.filter[k];
    el.addEventListener('change', apply);
  });
  const reset = root.querySelector('#pm-f-reset');
  if (reset) reset.addEventListener('click', (e) => {
    e.preventDefault();
    FILTER_KEYS.forEach((k) => { const el = root.querySelector('#pm-f-' + k); if (el) el.value = ''; });
    apply();
  });
  apply();
}

function applyToMarkers(ctx) {
  const g = ctx.overlays.projects; if (!g) return;
  g.clearLayers();
  const shown = ctx.projectRows.filter(ctx.matches);
  g.addLayers(shown.filter((o) => ctx.projectMarkers[o.fid]).map((o) => ctx.projectMarkers[o.fid]));
  const c = document.getElementById('pm-f-count');
  if (c) c.textContent = shown.length + ' / ' + ctx.projectRows.length;
}
