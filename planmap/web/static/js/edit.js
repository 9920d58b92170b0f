/* Editing projects on the map (issue 13), for an editor.
 *
 * The API token is asked for once per page and kept in this module's memory only: never in
 * localStorage, a cookie or the URL, so closing the tab forgets it and no other page or origin
 * can use it. Every write is an OGC API - Features Part 4 call with `Authorization: Bearer` and
 * `If-Match` (the ETag read just before), so an edit made on stale data is refused (412) rather
 * than overwriting a colleague's change. With editing on, a project's details panel gets a form
 * for its fields, a "move" button (drag the marker, or click the new site on the map) and its
 * history with a restore button per version. */
import {esc, wgsToGcj} from 'planmap/util.js';

const FIELDS = ['name', 'category', 'district_stated', 'period', 'investment_yi', 'place', 'note'];
const TEXT = {
  zh: {edit: '编辑项目', stop: '退出编辑', ask: '请输入编辑令牌（API token，仅保存在本页内存中）：', save: '保存',
    move: '移动点位', moveHint: '拖动标记，或在地图上点击新位置', history: '历史版本', restore: '恢复此版本',
    saved: '已保存', stale: '他人已修改此项目，已重新载入，请再改一次', denied: '令牌无效或权限不足',
    version: '版本', deleted: '（已删除）', on: '编辑模式：点击一个项目'},
  en: {edit: 'Edit projects', stop: 'Stop editing', ask: 'Editor token (kept in this page\'s memory only):', save: 'Save',
    move: 'Move point', moveHint: 'drag the marker, or click the new site on the map', history: 'History', restore: 'Restore this version',
    saved: 'Saved', stale: 'Someone changed this project meanwhile; reloaded, please redo your change', denied: 'Token refused or role too low',
    version: 'version', deleted: '(deleted)', on: 'Editing: click a project'},
};

export function enableEditing(ctx, showFeature) {
  const {map, cfg} = ctx;
  if (!cfg.siting_url || !ctx.specs.projects) return;  // a standalone page has no API to write to
  const api = cfg.siting_url.replace(/\/analysis\/siting$/, '');
  const T = TEXT[cfg.lang] || TEXT.zh;
  let token = null;
  const info = () => document.getElementById('pm-info');

  const ctl = L.control({position: 'topright'});
  ctl.onAdd = () => {
    const d = L.DomUtil.create('div', 'pm-edit-control leaflet-bar');
    d.innerHTML = '<a href="#" id="pm-edit-toggle" role="button" style="width:auto;padding:0 6px">✎ ' + esc(T.edit) + '</a>';
    L.DomEvent.disableClickPropagation(d);
    d.firstChild.addEventListener('click', (e) => {
      e.preventDefault();
      if (token) { token = null; e.target.textContent = '✎ ' + T.edit; return; }
      const t = window.prompt(T.ask);
      if (!t || !t.trim()) return;
      token = t.trim();
      e.target.textContent = '✎ ' + T.stop;
      info().insertAdjacentHTML('afterbegin', '<p class="pm-muted pm-edit-on">' + esc(T.on) + '</p>');
    });
    return d;
  };
  ctl.addTo(map);

  async function call(method, path, body, headers) {
    const r = await fetch(api + path, {method, headers: {Authorization: 'Bearer ' + token,
      ...(body ? {'Content-Type': 'application/merge-patch+json'} : {}), ...(headers || {})},
      body: body ? JSON.stringify(body) : undefined});
    const j = r.status === 204 ? null : await r.json();
    return {r, j};
  }

  const item = (fid) => fetch(api + '/collections/projects/items/' + fid, {headers: {Accept: 'application/geo+json'}})
    .then(async (r) => ({etag: r.headers.get('ETag'), feature: await r.json()}));

  function refresh(fid, feature) {
    const o = ctx.projectsByFid[fid];
    if (!o || !feature) return;
    Object.assign(o, feature.properties);
    const m = ctx.projectMarkers[fid];
    if (m && feature.geometry) {
      const [lon, lat] = feature.geometry.coordinates;
      o._lon = lon; o._lat = lat;
      const d = cfg.coord_sys === 'gcj02' ? wgsToGcj(lon, lat) : [lon, lat];
      m.setLatLng([d[1], d[0]]);
    }
    showFeature('projects', o, m);
    ensureEditor();
  }

  async function write(fid, patch, status) {
    const {etag} = await item(fid);
    const {r, j} = await call('PATCH', '/collections/projects/items/' + fid, patch, {'If-Match': etag});
    if (r.ok) { refresh(fid, j); document.querySelector('.pm-edit-status').textContent = T.saved; return true; }
    const msg = r.status === 412 ? T.stale : (r.status === 401 || r.status === 403) ? T.denied : (j && j.detail) || r.status;
    if (r.status === 412) refresh(fid, (await item(fid)).feature);
    (document.querySelector('.pm-edit-status') || status).textContent = msg;
    return false;
  }

  function moveMode(fid, status) {
    const m = ctx.projectMarkers[fid];
    status.textContent = T.moveHint;
    const place = (ll) => {
      const w = ctx.toWgs(ll);
      write(fid, {geometry: {type: 'Point', coordinates: [+w[0].toFixed(7), +w[1].toFixed(7)]}}, status);
    };
    if (m && m.dragging && map.hasLayer(m)) {
      m.dragging.enable();
      m.once('dragend', () => { m.dragging.disable(); map.off('click', onClick); place(m.getLatLng()); });
    }
    function onClick(e) { if (m && m.dragging) m.dragging.disable(); place(e.latlng); }
    setTimeout(() => {  // not the click that pressed the button
      map.once('click', onClick);
      const form = document.querySelector('form.pm-edit');
      if (form) form.dataset.moving = '1';  // the next map click places the project
    }, 0);
  }

  async function history(fid, box) {
    const {r, j} = await call('GET', '/collections/projects/items/' + fid + '/history');
    if (!r.ok) { box.textContent = r.status === 403 || r.status === 401 ? T.denied : j.detail; return; }
    box.innerHTML = '<ol class="pm-history">' + j.versions.map((v) => '<li data-version="' + v.version + '">' +
      esc(T.version) + ' ' + v.version + ' · ' + esc(v.op) + ' · ' + esc(v.user || '—') + ' · ' + esc(v.time || '') +
      (v.feature ? ' · ' + esc(v.feature.properties.name) + ' <a href="#" data-restore="' + v.version + '">' + esc(T.restore) + '</a>'
        : ' ' + esc(T.deleted)) + '</li>').join('') + '</ol>';
    box.querySelectorAll('a[data-restore]').forEach((a) => a.addEventListener('click', async (e) => {
      e.preventDefault();
      const res = await call('POST', '/collections/projects/items/' + fid + '/history/' + a.dataset.restore + '/restore');
      if (res.r.ok) refresh(fid, res.j);
    }));
  }

  function addEditor(fid) {
    const el = info();
    const o = ctx.projectsByFid[fid] || {};
    const rows = FIELDS.map((f) => '<label>' + esc(f) + ' <input name="' + f + '" value="' + esc(o[f] == null ? '' : o[f]) + '"></label>').join('<br>');
    el.insertAdjacentHTML('beforeend', '<form class="pm-edit" data-fid="' + esc(fid) + '">' + rows +
      '<br><button type="submit">' + esc(T.save) + '</button> <button type="button" class="pm-edit-move">' + esc(T.move) +
      '</button> <button type="button" class="pm-edit-history">' + esc(T.history) + '</button>' +
      '<p class="pm-edit-status pm-muted"></p><div class="pm-edit-versions"></div></form>');
    const form = el.querySelector('form.pm-edit'), status = form.querySelector('.pm-edit-status');
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const props = {};
      FIELDS.forEach((f) => {
        const raw = form.elements[f].value.trim(), old = o[f] == null ? '' : String(o[f]);
        if (raw === old) return;
        props[f] = raw === '' ? null : (f === 'investment_yi' ? Number(raw) : raw);
      });
      if (Object.keys(props).length) write(fid, {properties: props}, status);
    });
    form.querySelector('.pm-edit-move').addEventListener('click', () => moveMode(fid, status));
    form.querySelector('.pm-edit-history').addEventListener('click', () => history(fid, form.querySelector('.pm-edit-versions')));
  }

  function ensureEditor() {
    const el = info();
    if (token && el.dataset.layer === 'projects' && el.dataset.fid && !el.querySelector('form.pm-edit')) addEditor(el.dataset.fid);
  }
  new MutationObserver(ensureEditor).observe(info(), {childList: true});
}
