/* The siting check from the map: draw a polygon, get the graded verdict with every conflict and
 * caution (layer title, geometry quality, overlap or distance) and a link to the full report. */
import {esc, fmt} from 'planmap/util.js';

const VERDICT_COLOR = {conflict: '#c0392b', possible_conflict: '#a04000', caution: '#e67e22', clear: '#27ae60'};

export function enableSiting(ctx) {
  const {map, cfg, T} = ctx;
  const drawn = L.featureGroup().addTo(map);
  map.addControl(new L.Control.Draw({position: 'topleft', edit: false,
    draw: {polygon: {showArea: false}, polyline: false, rectangle: false, circle: false, marker: false, circlemarker: false}}));
  map.on(L.Draw.Event.CREATED, (e) => siting(e.layer));

  function finding(c) {
    const title = ctx.en ? c.layer_title_en : c.layer_title_zh;
    const amount = c.overlap_m2 != null
      ? T.overlap + ' ' + fmt(c.overlap_m2 / 1e4) + ' ha (' + fmt((c.share_of_site || 0) * 100) + '%)'
      : T.distance + ' ' + fmt(c.distance_m) + ' m';
    const verify = c.verdict === 'possible_conflict' && c.verify_zh
      ? '<br><em>' + esc(T.toVerify) + esc(ctx.en ? c.verify_en : c.verify_zh) + esc(T.toVerify2) + '</em>' : '';
    return '<li class="pm-finding" data-verdict="' + esc(c.verdict) + '"><b>' + esc(T.verdict[c.verdict] || c.verdict) + '</b> · ' +
      esc(title || c.layer) + ' · ' + esc(c.feature) + ' · ' + esc(T.quality[c.geom_quality] || c.geom_quality || '') +
      ' · ' + esc(amount) + verify + '</li>';
  }

  function openReport(geom) {
    const win = window.open('', '_blank');
    const sep = cfg.siting_url.indexOf('?') < 0 ? '?' : '&';
    fetch(cfg.siting_url + sep + 'f=html&basemap=' + (cfg.basemap === 'osm' ? 'osm' : 'none'),
      {method: 'POST', headers: {'Content-Type': 'application/json', 'Accept': 'text/html'}, body: JSON.stringify(geom)})
      .then((r) => r.text())
      .then((html) => { if (win) { win.document.open(); win.document.write(html); win.document.close(); } });
  }

  function siting(layer) {
    drawn.clearLayers(); drawn.addLayer(layer);
    document.getElementById('pm-here').innerHTML = '';  // what was clicked before is not the site
    const info = document.getElementById('pm-info');
    if (!cfg.siting_url) { info.innerHTML = '<p class="pm-muted">' + esc(T.sitingOff) + '</p>'; return Promise.resolve(null); }
    const ring = layer.getLatLngs()[0].map(ctx.toWgs); ring.push(ring[0]);
    const geom = {type: 'Polygon', coordinates: [ring]};
    info.innerHTML = '<p class="pm-muted">' + esc(T.siting) + '…</p>';
    return fetch(cfg.siting_url, {method: 'POST', headers: {'Content-Type': 'application/json', 'Accept': 'application/json'}, body: JSON.stringify(geom)})
      .then((r) => r.json().then((b) => [r, b]))
      .then(([r, b]) => {
        if (!r.ok || !b.verdict) throw new Error(b.detail || b.title || ('HTTP ' + r.status));
        const colour = VERDICT_COLOR[b.verdict] || '#333';
        layer.setStyle({color: colour, fillColor: colour, fillOpacity: 0.35, weight: 3});
        const findings = (b.conflicts || []).concat(b.cautions || []).map(finding).join('');
        const names = (a) => (a || []).map((x) => esc(x.name || x)).join('、');
        info.innerHTML = '<h4 id="pm-verdict" data-verdict="' + esc(b.verdict) + '" style="color:' + colour + '">' +
          esc(T.siting) + ': ' + esc(T.verdict[b.verdict] || b.verdict) + '</h4>' +
          (b.summary ? '<p>' + esc(b.summary[cfg.lang] || b.summary.zh || '') + '</p>' : '') +
          (findings ? '<ul id="pm-findings">' + findings + '</ul>' : '') +
          (b.districts && b.districts.length ? '<p>' + esc(T.district) + ': ' + names(b.districts) + '</p>' : '') +
          '<p><a href="#" id="pm-full-report">' + esc(T.fullReport) + '</a></p>';
        document.getElementById('pm-full-report').addEventListener('click', (ev) => { ev.preventDefault(); openReport(geom); });
        layer.bindTooltip(esc(T.verdict[b.verdict] || b.verdict), {permanent: true, direction: 'center'}).openTooltip();
        return b;
      })
      .catch((err) => {
        info.innerHTML = '<p class="pm-notice" id="pm-verdict" data-verdict="">' + esc(T.sitingFail) + esc(err.message) + '</p>';
        return null;
      });
  }
  ctx.siting = (latlngs) => siting(L.polygon(latlngs));
}
