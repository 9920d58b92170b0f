/* Print and image export: the current view drawn onto one sheet with title, legend, scale bar,
 * north arrow, data sources and the 示意 note, saved as PNG or as a one-page PDF.
 *
 * The sheet is drawn by this module from the layers' own geometry and styles (not a screenshot of
 * the DOM), so it needs no library and works offline; the PDF is written here too: one page
 * holding the sheet as a JPEG image, so Chinese text needs no embedded font. */
import {isVisible} from 'planmap/layers.js';

const FONT = '"Noto Sans CJK SC", "Noto Sans CJK", "Microsoft YaHei", sans-serif';
const M = 24, TITLE_H = 64, FOOT_H = 72, LEGEND_W = 300;

function rings(latlngs) {  // every ring of a (multi)polygon or (multi)line, as arrays of LatLng
  if (!latlngs.length) return [];
  if (latlngs[0] instanceof L.LatLng) return [latlngs];
  return latlngs.flatMap(rings);
}

function drawShape(g, map, lyr, ox, oy, closed) {
  const o = lyr.options;
  g.beginPath();
  rings(lyr.getLatLngs()).forEach((ring) => {
    ring.forEach((ll, i) => {
      const p = map.latLngToContainerPoint(ll);
      if (i === 0) g.moveTo(p.x + ox, p.y + oy); else g.lineTo(p.x + ox, p.y + oy);
    });
    if (closed) g.closePath();
  });
  if (closed && o.fill !== false && o.fillOpacity > 0) {
    g.globalAlpha = o.fillOpacity; g.fillStyle = o.fillColor || o.color; g.fill('evenodd');
  }
  g.globalAlpha = o.opacity == null ? 1 : o.opacity;
  g.strokeStyle = o.color; g.lineWidth = o.weight || 1;
  g.setLineDash(o.dashArray ? String(o.dashArray).split(/[ ,]+/).map(Number) : []);
  g.stroke();
  g.setLineDash([]); g.globalAlpha = 1;
}

function niceLength(maxMetres) {
  const p = Math.pow(10, Math.floor(Math.log10(maxMetres)));
  return [5, 2, 1].map((k) => k * p).find((v) => v <= maxMetres) || p;
}

export function drawSheet(ctx) {
  const {map, T, cfg} = ctx;
  const size = map.getSize();
  const W = M + size.x + M + LEGEND_W + M, H = TITLE_H + size.y + FOOT_H;
  const canvas = document.createElement('canvas');
  canvas.width = W; canvas.height = H;
  const g = canvas.getContext('2d');
  g.fillStyle = '#ffffff'; g.fillRect(0, 0, W, H);
  g.fillStyle = '#1b2631'; g.font = 'bold 24px ' + FONT; g.textBaseline = 'middle';
  g.fillText(T.printTitle, M, TITLE_H / 2);
  g.font = '13px ' + FONT; g.fillStyle = '#555';
  g.fillText(new Date().toISOString().slice(0, 10) + ' · planmap', M + size.x - 140, TITLE_H / 2);

  // The map frame, clipped.
  const ox = M, oy = TITLE_H;
  g.save();
  g.beginPath(); g.rect(ox, oy, size.x, size.y); g.clip();
  g.fillStyle = '#f4f6f6'; g.fillRect(ox, oy, size.x, size.y);
  cfg.layers.forEach((s) => {
    if (!isVisible(ctx, s.id)) return;
    if (ctx.features[s.id] && s.geometry !== 'point') {
      ctx.features[s.id].getLayers().forEach((l) => drawShape(g, map, l, ox, oy, s.geometry === 'polygon'));
    } else if (s.id === 'projects') {
      ctx.projectRows.filter((o) => o._lon != null && ctx.matches(o)).forEach((o) => {
        const p = map.latLngToContainerPoint([o._lat, o._lon]);
        g.beginPath(); g.arc(p.x + ox, p.y + oy, 4, 0, 2 * Math.PI);
        g.fillStyle = ctx.category(o.category).color; g.fill(); g.strokeStyle = '#fff'; g.lineWidth = 1; g.stroke();
      });
    } else if (ctx.overlays[s.id]) {
      ctx.overlays[s.id].getLayers().forEach((m) => {
        if (!m.getLatLng) return;
        const p = map.latLngToContainerPoint(m.getLatLng());
        g.beginPath(); g.arc(p.x + ox, p.y + oy, 5, 0, 2 * Math.PI);
        g.fillStyle = s.style.fill_color; g.fill(); g.strokeStyle = s.style.color; g.lineWidth = 2; g.stroke();
      });
    }
  });
  const sel = ctx.selectedOutline && ctx.selectedOutline();
  if (sel) sel.getLayers().forEach((l) => drawShape(g, map, l, ox, oy, false));
  (ctx.placedLabels || []).forEach((lb) => {
    if (Math.hypot(lb.x + lb.w / 2 - lb.ax, lb.y + lb.h / 2 - lb.ay) > 12) {
      g.strokeStyle = '#566573'; g.lineWidth = 1; g.beginPath();
      g.moveTo(lb.ax + ox, lb.ay + oy); g.lineTo(lb.x + lb.w / 2 + ox, lb.y + lb.h / 2 + oy); g.stroke();
    }
    g.font = (lb.bold ? 'bold ' : '') + lb.size + 'px ' + FONT;
    g.lineWidth = 3; g.strokeStyle = 'rgba(255,255,255,0.9)'; g.fillStyle = lb.colour;
    g.strokeText(lb.text, lb.x + 3 + ox, lb.y + lb.h / 2 + oy); g.fillText(lb.text, lb.x + 3 + ox, lb.y + lb.h / 2 + oy);
  });
  // North arrow, top right of the frame.
  const nx = ox + size.x - 36, ny = oy + 20;
  g.fillStyle = '#1b2631'; g.beginPath(); g.moveTo(nx, ny); g.lineTo(nx - 10, ny + 30); g.lineTo(nx, ny + 22); g.lineTo(nx + 10, ny + 30); g.closePath(); g.fill();
  g.font = 'bold 14px ' + FONT; g.textAlign = 'center'; g.fillText(T.north, nx, ny + 44); g.textAlign = 'left';
  // Scale bar, bottom left of the frame.
  const y0 = size.y / 2, a = map.containerPointToLatLng([0, y0]), b = map.containerPointToLatLng([100, y0]);
  const perPx = map.distance(a, b) / 100, len = niceLength(perPx * 160), px = len / perPx;
  const sx = ox + 16, sy = oy + size.y - 24;
  g.fillStyle = 'rgba(255,255,255,0.85)'; g.fillRect(sx - 6, sy - 22, px + 70, 34);
  g.fillStyle = '#1b2631'; g.fillRect(sx, sy, px, 5);
  g.font = '12px ' + FONT; g.fillText(len >= 1000 ? (len / 1000) + ' km' : len + ' m', sx + px + 8, sy + 3);
  g.fillText(T.scale, sx, sy - 10);
  g.restore();
  g.strokeStyle = '#1b2631'; g.lineWidth = 1; g.strokeRect(ox, oy, size.x, size.y);

  // Legend column.
  let lx = M + size.x + M, ly = TITLE_H + 8;
  g.fillStyle = '#1b2631'; g.font = 'bold 16px ' + FONT; g.fillText(T.legend, lx, ly); ly += 26;
  g.font = '13px ' + FONT;
  const swatch = (colour, border, dashed, kind) => {
    g.save();
    if (kind === 'line') { g.strokeStyle = border; g.lineWidth = 4; g.setLineDash(dashed ? [6, 4] : []); g.beginPath(); g.moveTo(lx, ly); g.lineTo(lx + 26, ly); g.stroke(); }
    else if (kind === 'point') { g.fillStyle = colour; g.beginPath(); g.arc(lx + 8, ly, 6, 0, 2 * Math.PI); g.fill(); }
    else { g.fillStyle = colour; g.fillRect(lx, ly - 7, 26, 14); g.strokeStyle = border; g.lineWidth = 2; g.setLineDash(dashed ? [4, 3] : []); g.strokeRect(lx, ly - 7, 26, 14); }
    g.restore();
  };
  ctx.printLegend = [];
  cfg.layers.forEach((s) => {
    if (!isVisible(ctx, s.id) || ly > H - FOOT_H - 20) return;
    const st = s.style;
    const entries = s.id === 'projects' ? [] : s.classes.length ? s.classes.map((c) => [c.fill_color, ctx.en ? c.legend_en : c.legend_zh])
      : [[st.fill_color, ctx.en ? st.legend_en : st.legend_zh]];
    entries.forEach(([colour, text]) => {
      swatch(colour, st.color, !!st.dash, s.geometry);
      g.fillStyle = '#1b2631'; g.fillText(text, lx + 34, ly);
      // where the swatch is painted and in which colour (a line's swatch is its stroke)
      ctx.printLegend.push({colour: s.geometry === 'line' ? st.color : colour, text, x: s.geometry === 'point' ? lx + 8 : lx + 13, y: ly});
      ly += 22;
    });
    if (s.id === 'projects') {
      g.fillText(ctx.title(s), lx, ly); ly += 20;
      const present = ctx.categories.filter((c) => ctx.projectRows.some((o) => o.category === c.code && o._lon != null && ctx.matches(o)));
      present.forEach((c, i) => {
        const cx = lx + (i % 2) * 140, cy = ly + Math.floor(i / 2) * 18;
        g.fillStyle = c.color; g.beginPath(); g.arc(cx + 6, cy, 5, 0, 2 * Math.PI); g.fill();
        g.fillStyle = '#1b2631'; g.fillText(ctx.en ? c.en : c.zh, cx + 16, cy);
        ctx.printLegend.push({colour: c.color, text: c.zh, x: cx + 6, y: cy});
      });
      ly += Math.ceil(present.length / 2) * 18 + 4;
    }
  });
  // Footer: sources and the schematic note.
  g.fillStyle = '#1b2631'; g.font = '12px ' + FONT;
  g.fillText(T.sources + '：' + T.sourcesText, M, TITLE_H + size.y + 22);
  g.fillStyle = '#7e5109';
  g.fillText(T.schematicNote + (cfg.basemap !== 'none' ? '（' + T.noBasemapPrinted + '）' : ''), M, TITLE_H + size.y + 44);
  return canvas;
}

/* One A4-landscape PDF page holding a JPEG, written byte by byte. */
export function pdfFromJpeg(jpeg, width, height) {
  const pageW = 842, pageH = 595, s = Math.min((pageW - 40) / width, (pageH - 40) / height);
  const w = width * s, h = height * s, x = (pageW - w) / 2, y = (pageH - h) / 2;
  const enc = new TextEncoder();
  const parts = [], offsets = [];
  let length = 0;
  const push = (chunk) => { const b = typeof chunk === 'string' ? enc.encode(chunk) : chunk; parts.push(b); length += b.length; };
  const content = 'q ' + w.toFixed(2) + ' 0 0 ' + h.toFixed(2) + ' ' + x.toFixed(2) + ' ' + y.toFixed(2) + ' cm /Im0 Do Q';
  push('%PDF-1.4\n%\xE2\xE3\xCF\xD3\n');
  const obj = (n, body) => { offsets[n] = length; push(n + ' 0 obj\n'); body(); push('\nendobj\n'); };
  obj(1, () => push('<< /Type /Catalog /Pages 2 0 R >>'));
  obj(2, () => push('<< /Type /Pages /Kids [3 0 R] /Count 1 >>'));
  obj(3, () => push('<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ' + pageW + ' ' + pageH + '] /Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>'));
  obj(4, () => {
    push('<< /Type /XObject /Subtype /Image /Width ' + width + ' /Height ' + height +
      ' /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode /Length ' + jpeg.length + ' >>\nstream\n');
    push(jpeg); push('\nendstream');
  });
  obj(5, () => push('<< /Length ' + content.length + ' >>\nstream\n' + content + '\nendstream'));
  const xref = length;
  push('xref\n0 6\n0000000000 65535 f \n' + [1, 2, 3, 4, 5].map((n) => String(offsets[n]).padStart(10, '0') + ' 00000 n \n').join(''));
  push('trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n' + xref + '\n%%EOF\n');
  const out = new Uint8Array(length);
  let at = 0;
  parts.forEach((p) => { out.set(p, at); at += p.length; });
  return out;
}

function download(blob, name) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob); a.download = name;
  document.body.appendChild(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

export function enablePrint(ctx) {
  const png = document.getElementById('pm-print-png'), pdf = document.getElementById('pm-print-pdf');
  ctx.printSheet = () => drawSheet(ctx);
  png.addEventListener('click', () => {
    const canvas = drawSheet(ctx);
    canvas.toBlob((b) => download(b, 'planmap.png'), 'image/png');
  });
  pdf.addEventListener('click', () => {
    const canvas = drawSheet(ctx);
    const bin = atob(canvas.toDataURL('image/jpeg', 0.92).split(',')[1]);
    const jpeg = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) jpeg[i] = bin.charCodeAt(i);
    download(new Blob([pdfFromJpeg(jpeg, canvas.width, canvas.height)], {type: 'application/pdf'}), 'planmap.pdf');
  });
}
