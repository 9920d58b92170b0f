/* Land-cover rasters on the map: a layer switch with the class legend, and the planning-targets
 * board. Served pages only (a standalone page has no service to draw tiles or measure targets).
 * The tiles come from /rasters/{id}/tiles/WebMercatorQuad/{z}/{y}/{x}.png; the board from
 * /indicators?raster={id}. Words are kept here so the module stands alone. */
import {esc} from 'planmap/util.js';

const WORDS = {
  zh: {title: '土地覆盖', off: '不显示', board: '规划指标核查', target: '目标', measured: '实测',
       data: '数据', source: '出处', close: '关闭', cells: '像元约', loading: '加载中…',
       failed: '无法加载：', gcj: '高德底图（GCJ-02）下不叠加土地覆盖瓦片：瓦片为 WGS84，会偏移约 500 米。', status: {met: '达标', not_met: '未达标', cannot_judge: '无法判断'}},
  en: {title: 'Land cover', off: 'off', board: 'Planning targets', target: 'target', measured: 'measured',
       data: 'data', source: 'source', close: 'close', cells: 'cells about', loading: 'loading…',
       failed: 'could not load: ', gcj: 'Not drawn over the AMap basemap (GCJ-02): the tiles are WGS84 and would sit about 500 m off.', status: {met: 'met', not_met: 'not met', cannot_judge: 'cannot be judged'}},
};
const STATUS_COLOR = {met: '#27ae60', not_met: '#c0392b', cannot_judge: '#7f8c8d'};

function pct(v) { return v == null ? '—' : (v * 100).toFixed(1) + '%'; }

function figure(t, v) {
  if (v == null) return '—';
  return t.kind === 'share' ? pct(v) : Number(v).toLocaleString() + ' ' + (t.unit || '');
}

export function enableRasters(ctx) {
  const {map, cfg} = ctx;
  if (!cfg.map_url) return;  // standalone page: no service behind it
  const api = cfg.map_url.replace(/\/map$/, '');
  const W = WORDS[ctx.en ? 'en' : 'zh'];
  const state = {rasters: [], current: null, tiles: null};
  const box = L.control({position: 'bottomleft'});
  box.onAdd = () => {
    const d = L.DomUtil.create('div', 'pm-rasters');
    d.id = 'pm-rasters';
    d.style.cssText = 'background:#fff;padding:6px 8px;max-width:240px;font-size:12px;border-radius:4px;box-shadow:0 1px 5px rgba(0,0,0,.4)';
    L.DomEvent.disableClickPropagation(d);
    L.DomEvent.disableScrollPropagation(d);
    return d;
  };
  box.addTo(map);
  const root = box.getContainer();

  function legend(r) {
    if (!r) return '';
    const rows = r.classes.classes.map((c) => '<div><span style="display:inline-block;width:10px;height:10px;background:' +
      esc(c.color) + ';margin-right:4px"></span>' + esc(ctx.en ? c.name_en : c.name_zh) + '</div>').join('');
    const note = esc(r.title) + ' · ' + esc(W.cells) + ' ' + Math.round(r.res_m).toLocaleString() + ' m' +
      (r.year ? ' · ' + r.year : '') + (r.licence ? ' · ' + esc(r.licence) : '');
    return '<div class="pm-raster-legend" style="max-height:110px;overflow:auto;margin-top:4px">' + rows +
      '</div><div class="pm-muted" style="margin-top:4px">' + note + '</div>';
  }

  function show(id) {
    if (state.tiles) { map.removeLayer(state.tiles); state.tiles = null; }
    state.current = state.rasters.find((r) => r.id === id) || null;
    if (state.current) {
      state.tiles = L.tileLayer(api + '/rasters/' + encodeURIComponent(id) +
        '/tiles/WebMercatorQuad/{z}/{y}/{x}.png', {opacity: 0.65, maxZoom: 18, attribution: esc(state.current.title || id)}).addTo(map);
    }
    render();
  }

  const shifted = cfg.coord_sys === 'gcj02';  // overlays shifted for AMap; raster tiles are not

  function render() {
    if (shifted) {
      root.innerHTML = '<b>' + esc(W.title) + '</b><div class="pm-muted">' + esc(W.gcj) +
        '</div><div style="margin-top:4px"><a href="#" id="pm-board-open">' + esc(W.board) + '</a></div>';
      root.querySelector('#pm-board-open').addEventListener('click', (e) => { e.preventDefault(); openBoard(); });
      return;
    }
    const options = ['<option value="">' + esc(W.off) + '</option>'].concat(state.rasters.map((r) =>
      '<option value="' + esc(r.id) + '"' + (state.current && state.current.id === r.id ? ' selected' : '') + '>' +
      esc(r.title || r.id) + '</option>')).join('');
    root.innerHTML = '<b>' + esc(W.title) + '</b> <select id="pm-raster-select" style="max-width:170px">' + options + '</select>' +
      legend(state.current) + '<div style="margin-top:4px"><a href="#" id="pm-board-open">' + esc(W.board) + '</a></div>';
    root.querySelector('#pm-raster-select').addEventListener('change', (e) => show(e.target.value));
    root.querySelector('#pm-board-open').addEventListener('click', (e) => { e.preventDefault(); openBoard(); });
  }

  function boardRow(t) {
    const data = t.data ? (t.data.title || t.data.layer || '') + (t.data.res_m ? ' (' + Math.round(t.data.res_m).toLocaleString() + ' m)' : '') : '—';
    const why = t.reason ? '<div class="pm-muted" style="font-size:11px">' + esc(t.reason) + '</div>' : '';
    return '<tr data-target="' + esc(t.id) + '" data-status="' + esc(t.status) + '"><td>' + esc(ctx.en ? t.title_en : t.title_zh) +
      why + '</td><td>' + esc(t.op === 'about' ? '≈' : t.op) + ' ' + esc(figure(t, t.target)) + (t.year ? ' (' + t.year + ')' : '') +
      '</td><td>' + esc(figure(t, t.measured)) + '</td><td style="white-space:nowrap;color:' + STATUS_COLOR[t.status] + ';font-weight:bold" title="' +
      esc(t.reason || '') + '">' + esc(W.status[t.status] || t.status) + '</td><td>' + esc(data) +
      '</td><td title="' + esc(t.quote) + '">' + esc(t.source) + '</td></tr>';
  }

  function openBoard() {
    let panel = document.getElementById('pm-board');
    if (!panel) {
      panel = document.createElement('div');
      panel.id = 'pm-board';
      panel.style.cssText = 'position:absolute;left:60px;top:10px;z-index:1000;background:#fff;padding:8px;' +
        'max-width:820px;max-height:70%;overflow:auto;font-size:12px;box-shadow:0 1px 5px rgba(0,0,0,.4)';
      map.getContainer().appendChild(panel);
      L.DomEvent.disableClickPropagation(panel);
      L.DomEvent.disableScrollPropagation(panel);
    }
    panel.style.display = 'block';
    panel.innerHTML = esc(W.loading);
    const q = state.current ? '?raster=' + encodeURIComponent(state.current.id) : '';
    fetch(api + '/indicators' + q, {headers: {Accept: 'application/json'}})
      .then((r) => r.json().then((b) => [r, b]))
      .then(([r, b]) => {
        if (!r.ok) throw new Error(b.detail || ('HTTP ' + r.status));
        panel.innerHTML = '<b>' + esc(W.board) + '</b> · ' + esc(b.raster ? b.raster.title : '') +
          ' <a href="#" id="pm-board-close" style="float:right">' + esc(W.close) + '</a>' +
          '<table class="pm-board-table"><thead><tr><th></th><th>' + esc(W.target) + '</th><th>' + esc(W.measured) +
          '</th><th></th><th>' + esc(W.data) + '</th><th>' + esc(W.source) + '</th></tr></thead><tbody>' +
          b.targets.map(boardRow).join('') + '</tbody></table><div class="pm-muted">' + esc(b.resolution_rule) + '</div>';
        panel.querySelector('#pm-board-close').addEventListener('click', (e) => { e.preventDefault(); panel.style.display = 'none'; });
      })
      .catch((err) => { panel.textContent = W.failed + err.message; });
  }

  fetch(api + '/rasters', {headers: {Accept: 'application/json'}})
    .then((r) => (r.ok ? r.json() : {rasters: []}))
    .then((doc) => { state.rasters = doc.rasters || []; render(); })
    .catch(() => { state.rasters = []; render(); });
  window.PlanMap = window.PlanMap || {};
  window.PlanMap.rasters = {show, openBoard, state};
}
