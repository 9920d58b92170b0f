/* Permanent labels: 津城 and 滨城, the districts, the barrier, the wetlands, and parks when zoomed in.
 *
 * Labels are placed greedily in priority order. A label that must always be read (a district, a
 * twin city) is moved around its anchor until it overlaps nothing, with a leader line back to the
 * anchor; an optional one (a park) is simply left out when it would overlap. Anchors are points
 * inside each polygon chosen by the server (a pole of inaccessibility), so a label never sits
 * outside its own area. */
import {esc} from 'planmap/util.js';
import {isVisible} from 'planmap/layers.js';

// layer → [priority (lower first), must show, font px, bold, min zoom, max zoom, colour]
const RULES = {
  twin_cities: [0, true, 18, true, 0, 11, '#641e16'],
  districts: [1, true, 12, false, 0, 20, '#1b2631'],
  eco_barrier: [2, true, 13, true, 0, 12, '#145a32'],
  wetlands: [3, false, 12, false, 9, 20, '#1a5276'],
  barrier_zones: [4, false, 11, false, 12, 20, '#0b5345'],
  parks: [5, false, 11, false, 12, 20, '#5b2c6f'],
};
const RINGS = [0, 16, 30, 46, 62, 80, 100];
const DIRS = [[0, 0], [0, -1], [0, 1], [1, 0], [-1, 0], [1, -1], [-1, -1], [1, 1], [-1, 1]];

function labelText(ctx, layer, props) {
  if (layer === 'twin_cities') return props.name;
  if (layer === 'wetlands') return (props.short_name || props.name) + (ctx.en ? '' : '湿地');
  if (layer === 'eco_barrier') return ctx.en ? 'Green ecological barrier (schematic)' : '绿色生态屏障（示意）';
  return props.name;
}

export function createLabels(ctx) {
  const {map, cfg} = ctx;
  const box = L.DomUtil.create('div', 'pm-labels', map.getContainer());
  box.setAttribute('aria-hidden', 'true');
  const measure = document.createElement('canvas').getContext('2d');
  ctx.placedLabels = [];

  function candidates() {
    const out = [];
    const z = map.getZoom();
    Object.keys(RULES).forEach((layer) => {
      const [prio, must, size, bold, zmin, zmax, colour] = RULES[layer];
      if (z < zmin || z > zmax || !isVisible(ctx, layer)) return;
      const anchors = (cfg.label_points || {})[layer];
      if (anchors) {
        const byFid = {};
        (ctx.features[layer] ? ctx.features[layer].getLayers() : []).forEach((l) => { byFid[l.feature.properties.fid] = l.feature.properties; });
        Object.keys(anchors).forEach((fid) => {
          if (byFid[fid]) out.push({layer, prio, must, size, bold, colour, ll: anchors[fid], text: labelText(ctx, layer, byFid[fid])});
        });
      } else if (ctx.pointRows[layer]) {
        ctx.pointRows[layer].forEach((o) => {
          if (o._lon != null) out.push({layer, prio, must, size, bold, colour, ll: [o._lat, o._lon], text: o.name, offset: 10});
        });
      }
    });
    (ctx.labelExtras || []).forEach((extra) => extra().forEach((c) => out.push(c)));
    return out.sort((a, b) => a.prio - b.prio);
  }

  function overlaps(r, placed) {
    return placed.some((p) => r.x < p.x + p.w && p.x < r.x + r.w && r.y < p.y + p.h && p.y < r.y + r.h);
  }

  function place() {
    const size = map.getSize();
    const placed = [];
    const html = [];
    const lines = [];
    ctx.placedLabels = [];
    candidates().forEach((c) => {
      measure.font = (c.bold ? 'bold ' : '') + c.size + 'px "Noto Sans CJK SC", "Noto Sans CJK", "Microsoft YaHei", sans-serif';
      const w = Math.ceil(measure.measureText(c.text).width) + 6, h = c.size + 6;
      const a = map.latLngToContainerPoint(c.ll);
      if (a.x < -50 || a.y < -50 || a.x > size.x + 50 || a.y > size.y + 50) return;
      let spot = null;
      for (const [dx, dy] of (c.offsets || [])) {  // fixed places relative to the anchor, in order
        const rect = {x: a.x + dx - w / 2, y: a.y + dy - h / 2, w, h};
        if (!overlaps(rect, placed)) { spot = rect; break; }
      }
      const rings = c.offsets ? [] : c.must ? RINGS : [c.offset || 0];
      for (const r of rings) {
        for (const [dx, dy] of (r === 0 ? [[0, 0]] : DIRS.slice(1))) {
          const x = a.x + dx * (r + w / 2) - w / 2, y = a.y + dy * (r + h / 2) - h / 2 + (c.offset && r === 0 ? c.offset : 0);
          const rect = {x, y, w, h};
          if (!overlaps(rect, placed)) { spot = rect; break; }
        }
        if (spot) break;
      }
      if (!spot) return;
      placed.push(spot);
      ctx.placedLabels.push({...c, ...spot, ax: a.x, ay: a.y});
      const moved = Math.hypot(spot.x + spot.w / 2 - a.x, spot.y + spot.h / 2 - a.y) > 12;
      if (moved && !c.offsets) lines.push('<line x1="' + a.x + '" y1="' + a.y + '" x2="' + (spot.x + spot.w / 2) + '" y2="' + (spot.y + spot.h / 2) + '"/>');
      html.push('<div class="pm-label pm-label-' + c.layer + '" data-layer="' + c.layer + '"' + (c.fid != null ? ' data-fid="' + c.fid + '"' : '') +
        (c.title ? ' title="' + esc(c.title) + '"' : '') + ' style="left:' + spot.x + 'px;top:' + spot.y +
        'px;font-size:' + c.size + 'px;color:' + c.colour + (c.bold ? ';font-weight:bold' : '') + '">' + esc(c.text) + '</div>');
    });
    box.innerHTML = '<svg class="pm-leaders" width="' + size.x + '" height="' + size.y + '">' + lines.join('') + '</svg>' + html.join('');
  }

  box.addEventListener('click', (e) => {
    const el = e.target.closest('[data-fid]');
    if (el && ctx.onLabelClick) ctx.onLabelClick(el.dataset.layer, el.dataset.fid);
  });
  map.on('zoomstart', () => { box.style.display = 'none'; });
  map.on('zoomend moveend resize', () => { box.style.display = ''; place(); });
  map.on('move', place);
  ctx.on('visibility', place);
  ctx.on('geometry', place);
  ctx.placeLabels = place;
}
