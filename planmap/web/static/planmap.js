/* planmap map page: layer tree, legend, details panel, projects, search, tools.
 * Driven by one config object written by planmap/web/mapview.py; no network access except the
 * planmap service itself and the chosen basemap's tiles. */
(function () {
  'use strict';

  var TEXT = {
    zh: {layers: '图层', legend: '图例', details: '要素信息', search: '搜索项目、园区、地名…',
      filters: '项目筛选', all: '全部', category: '类别', district: '所在区', period: '时期',
      thematic: '专题', none: '无', count: '项目数', investment: '规划投资（亿元）',
      projectsInside: '范围内项目', noProjectsLayer: '项目图层尚未加载，无法列出范围内项目。',
      statedInvestment: '其中标明投资的', sum: '合计', quote: '规划原文',
      siting: '选址分析', sitingOff: '选址分析需要连接 planmap 服务（独立页面不可用）。',
      sitingFail: '选址分析服务暂不可用：', verdict: {conflict: '冲突', possible_conflict: '可能冲突（待核实）', caution: '注意', clear: '无冲突'},
      quality: {official: '官方边界', derived: '推导边界', schematic: '示意边界', approximate: '近似位置'},
      overlap: '重叠', distance: '相距', fullReport: '完整报告（可打印）', toVerify: '待核实：以', toVerify2: '为准',
      drawHint: '用左侧多边形工具绘制选址范围，即可获得选址结论。', permalink: '复制链接',
      copied: '已复制', tiandituMissing: '未配置天地图密钥（环境变量 ',
      tiandituMissing2: '），天地图底图不可用。', coordsNote: '坐标 WGS84', schematic: '虚线＝示意范围（schematic），非法定边界',
      noHit: '无结果', items: '个', basemap: '底图', lang: 'English', projects: '项目',
      unlocated: '仅定位到区（无点位）', unlocatedShort: '项仅定位到区', unlocatedIn: '其中仅定位到区、无点位的',
      onlyDistrict: '该项目只定位到所在区（{d}），没有具体点位；地图显示该区范围。', citywide: '该项目为全市性项目，没有点位。'},
    en: {layers: 'Layers', legend: 'Legend', details: 'Feature details', search: 'Search projects, parks, places…',
      filters: 'Project filters', all: 'All', category: 'Category', district: 'District', period: 'Period',
      thematic: 'Thematic', none: 'None', count: 'Project count', investment: 'Stated investment (100M CNY)',
      projectsInside: 'Projects inside', noProjectsLayer: 'The projects layer is not loaded yet; projects inside cannot be listed.',
      statedInvestment: 'with a stated figure', sum: 'total', quote: 'Quote from the plan',
      siting: 'Siting check', sitingOff: 'The siting check needs the planmap service (not available on a standalone page).',
      sitingFail: 'Siting service unavailable: ', verdict: {conflict: 'conflict', possible_conflict: 'possible conflict (to verify)', caution: 'caution', clear: 'clear'},
      quality: {official: 'official boundary', derived: 'derived boundary', schematic: 'schematic boundary', approximate: 'approximate location'},
      overlap: 'overlap', distance: 'distance', fullReport: 'Full report (printable)', toVerify: 'To verify: ', toVerify2: '',
      drawHint: 'Draw a site with the polygon tool to get the siting verdict.', permalink: 'Copy link',
      copied: 'Copied', tiandituMissing: 'No Tianditu key configured (environment variable ',
      tiandituMissing2: '); the Tianditu basemap is unavailable.', coordsNote: 'WGS84', schematic: 'Dashed = schematic extent, not a statutory boundary',
      noHit: 'No match', items: '', basemap: 'Basemap', lang: '中文', projects: 'Projects',
      unlocated: 'located to its district only (no point)', unlocatedShort: 'district-only', unlocatedIn: 'of which located to the district only',
      onlyDistrict: 'This project is located only to its district ({d}); it has no point. The map shows the district.',
      citywide: 'This is a citywide project; it has no point.'}
  };
  var VERDICT_COLOR = {conflict: '#c0392b', possible_conflict: '#a04000', caution: '#e67e22', clear: '#27ae60'};
  var PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2',
    '#7f7f7f', '#bcbd22', '#17becf', '#393b79', '#637939'];
  var THEME = ['#fff5eb', '#fdd0a2', '#fd8d3c', '#d94801', '#7f2704'];

  /* ---- GCJ-02 (AMap) shift, for coordinates shown or sent when the AMap basemap is on ---- */
  var A = 6378245.0, EE = 0.00669342162296594323;
  function tLat(x, y) {
    var r = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    r += (20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2 / 3;
    r += (20 * Math.sin(y * Math.PI) + 40 * Math.sin(y / 3 * Math.PI)) * 2 / 3;
    return r + (160 * Math.sin(y / 12 * Math.PI) + 320 * Math.sin(y * Math.PI / 30)) * 2 / 3;
  }
  function tLon(x, y) {
    var r = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    r += (20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2 / 3;
    r += (20 * Math.sin(x * Math.PI) + 40 * Math.sin(x / 3 * Math.PI)) * 2 / 3;
    return r + (150 * Math.sin(x / 12 * Math.PI) + 300 * Math.sin(x / 30 * Math.PI)) * 2 / 3;
  }
  function wgsToGcj(lon, lat) {
    var dLat = tLat(lon - 105, lat - 35), dLon = tLon(lon - 105, lat - 35);
    var rad = lat / 180 * Math.PI, m = 1 - EE * Math.sin(rad) * Math.sin(rad), s = Math.sqrt(m);
    dLat = dLat * 180 / ((A * (1 - EE)) / (m * s) * Math.PI);
    dLon = dLon * 180 / (A / s * Math.cos(rad) * Math.PI);
    return [lon + dLon, lat + dLat];
  }
  function gcjToWgs(lon, lat) {  // iterate the forward formula: converges to < 1 mm
    var x = lon, y = lat;
    for (var i = 0; i < 10; i++) {
      var g = wgsToGcj(x, y);
      x -= g[0] - lon; y -= g[1] - lat;
    }
    return [x, y];
  }

  function esc(s) {
    return String(s == null ? '' : s).replace(/[&<>"']/g, function (c) {
      return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c];
    });
  }
  function fmt(v) {
    if (typeof v === 'number') return Math.round(v * 100) / 100;
    return v;
  }

  var PM = {};
  window.PlanMap = PM;

  PM.init = function (map, cfg) {
    var T = TEXT[cfg.lang] || TEXT.zh, en = cfg.lang === 'en';
    var specs = {}, overlays = {}, features = {}, level = 0, searchIndex = [];
    if (!isFinite(map.getMaxZoom())) map.setMaxZoom(18);  // markercluster needs a bound
    PM.map = map; PM.cfg = cfg; PM.overlays = overlays; PM.features = features;
    cfg.layers.forEach(function (s) { specs[s.id] = s; });
    var title = function (s) { return en ? s.title_en : s.title_zh; };
    var toWgs = function (ll) {
      return cfg.coord_sys === 'gcj02' ? gcjToWgs(ll.lng, ll.lat) : [ll.lng, ll.lat];
    };

    /* ---------- basemap ---------- */
    var notices = [];
    if (cfg.basemap === 'osm') {
      L.tileLayer('https://tile.openstreetmap.org/{z}/{x}/{y}.png', {maxZoom: 19,
        attribution: '&copy; OpenStreetMap contributors'}).addTo(map);
    } else if (cfg.basemap === 'amap') {
      L.tileLayer('https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}',
        {subdomains: '1234', maxZoom: 18, attribution: '&copy; 高德地图 AutoNavi (GCJ-02)'}).addTo(map);
    } else if (cfg.basemap === 'tianditu') {
      if (cfg.tianditu_key) {
        ['vec', 'cva'].forEach(function (lyr) {
          L.tileLayer('https://t{s}.tianditu.gov.cn/' + lyr + '_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=' +
            lyr + '&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=' +
            encodeURIComponent(cfg.tianditu_key), {subdomains: '01234567', maxZoom: 18,
            attribution: '&copy; 天地图 Tianditu'}).addTo(map);
        });
      } else {
        notices.push(T.tiandituMissing + '<code>' + esc(cfg.tianditu_env) + '</code>' + T.tiandituMissing2);
      }
    }

    /* ---------- overlays ---------- */
    function styleFor(spec) {
      return function (f) {
        var st = spec.style, fill = st.fill_color, p = f.properties || {};
        if (spec.class_field) {
          spec.classes.forEach(function (c) { if (p[spec.class_field] === c.value) fill = c.fill_color; });
        }
        if (spec.id === 'districts' && PM.theme) fill = PM.theme(p.fid) || fill;
        var schematic = p.geom_quality === 'schematic';
        return {color: st.color, weight: st.weight, fillColor: fill,
          fillOpacity: (spec.id === 'districts' && PM.theme) ? 0.75 : st.fill_opacity,
          dashArray: st.dash || (schematic ? '6 4' : null)};
      };
    }
    function onFeature(spec) {
      return function (f, lyr) {
        lyr.on('click', function (e) { L.DomEvent.stopPropagation(e); showFeature(spec.id, f.properties, lyr); });
        lyr.bindTooltip(esc(f.properties.name), {sticky: true});
      };
    }
    function drawTopo(topo) {
      Object.keys(topo.objects).forEach(function (id) {
        var spec = specs[id]; if (!spec) return;
        var fc = topojson.feature(topo, topo.objects[id]);
        var group = overlays[id];
        if (!group) { group = overlays[id] = L.featureGroup(); }
        group.clearLayers();
        var gj = L.geoJSON(fc, {style: styleFor(spec), onEachFeature: onFeature(spec),
          pointToLayer: function (f, ll) { return L.circleMarker(ll, {radius: 6}); }});
        group.addLayer(gj);
        features[id] = gj;
      });
    }
    drawTopo(cfg.topo);
    cfg.layers.forEach(function (s) {
      if (s.geometry !== 'point') {
        (features[s.id] ? features[s.id].getLayers() : []).forEach(function (l) {
          var p = l.feature.properties;
          searchIndex.push({name: p.name, layer: s.id, props: p, lyr: l});
        });
      }
    });

    /* ---------- points: projects clustered by category, other point layers as dots ---------- */
    var catColor = {}, projectRows = [], projectMarkers = {};
    function rowsToObjects(pts) {
      return pts.rows.map(function (r) {
        var o = {_lon: r[0], _lat: r[1]};
        pts.fields.forEach(function (f, i) { o[f] = r[i + 2]; });
        return o;
      });
    }
    Object.keys(cfg.points).forEach(function (id) {
      var spec = specs[id], objs = rowsToObjects(cfg.points[id]);
      if (id === 'projects') {
        projectRows = objs;
        var cats = [];
        objs.forEach(function (o) { if (cats.indexOf(o.category) < 0) cats.push(o.category); });
        cats.sort().forEach(function (c, i) { catColor[c] = PALETTE[i % PALETTE.length]; });
        overlays[id] = L.markerClusterGroup({showCoverageOnHover: false, maxClusterRadius: 40,
          chunkedLoading: true});
        objs.forEach(function (o) {
          if (o._lon == null) { searchIndex.push({name: o.name, layer: id, props: o, marker: null}); return; }
          var m = L.marker([o._lat, o._lon], {title: o.name, icon: L.divIcon({className: 'pm-pin',
            html: '<span style="background:' + catColor[o.category] + '"></span>', iconSize: [14, 14]})});
          m.on('click', function () { showFeature(id, o, m); });
          projectMarkers[o.fid] = m;
          searchIndex.push({name: o.name, layer: id, props: o, marker: m});
        });
      } else {
        overlays[id] = L.featureGroup();
        objs.forEach(function (o) {
          if (o._lon == null) { searchIndex.push({name: o.name, layer: id, props: o, marker: null}); return; }
          var m = L.circleMarker([o._lat, o._lon], {radius: 6, color: spec.style.color, weight: 2,
            fillColor: spec.style.fill_color, fillOpacity: 0.8});
          m.bindTooltip(esc(o.name));
          m.on('click', function (e) { L.DomEvent.stopPropagation(e); showFeature(id, o, m); });
          overlays[id].addLayer(m);
          searchIndex.push({name: o.name, layer: id, props: o, marker: m});
        });
      }
    });
    function applyFilters() {
      var g = overlays.projects; if (!g) return;
      var sel = {};
      ['category', 'district', 'period'].forEach(function (k) {
        var el = document.getElementById('pm-f-' + k); sel[k] = el ? el.value : '';
      });
      g.clearLayers();
      var shown = projectRows.filter(function (o) {
        return ['category', 'district', 'period'].every(function (k) { return !sel[k] || String(o[k]) === sel[k]; });
      });
      g.addLayers(shown.filter(function (o) { return projectMarkers[o.fid]; }).map(function (o) { return projectMarkers[o.fid]; }));
      var c = document.getElementById('pm-f-count'); if (c) c.textContent = shown.length + ' / ' + projectRows.length;
    }

    /* ---------- the side panel: layer tree + legend, filters, thematic, details ---------- */
    var panel = L.control({position: 'topright'});
    panel.onAdd = function () {
      var d = L.DomUtil.create('div', 'pm-panel');
      L.DomEvent.disableClickPropagation(d); L.DomEvent.disableScrollPropagation(d);
      return d;
    };
    panel.addTo(map);
    var root = panel.getContainer();
    var initialShown = parseHash().show;
    var h = ['<div class="pm-bar"><input id="pm-search" type="search" placeholder="' + esc(T.search) + '">',
      '<a id="pm-lang" href="#">' + esc(T.lang) + '</a></div><div id="pm-hits"></div>'];
    if (notices.length) h.push('<div class="pm-notice" id="pm-notice">' + notices.join('<br>') + '</div>');
    h.push('<details open><summary>' + esc(T.layers) + ' · ' + esc(T.legend) + '</summary><div id="pm-tree">');
    cfg.groups.forEach(function (g) {
      var members = cfg.layers.filter(function (s) { return s.group === g.zh; });
      if (!members.length) return;
      h.push('<div class="pm-grp">' + esc(en ? g.en : g.zh) + '</div>');
      members.forEach(function (s) {
        var on = initialShown ? initialShown.indexOf(s.id) >= 0 : true;
        h.push('<label class="pm-layer"><input type="checkbox" data-layer="' + s.id + '"' + (on ? ' checked' : '') +
          '> ' + esc(title(s)) + ' <small>(' + countLabel(s) + ')</small></label><div class="pm-leg">' + legendRows(s) + '</div>');
      });
    });
    h.push('<div class="pm-note">' + esc(T.schematic) + '</div></div></details>');
    if (cfg.projects_present) {
      h.push('<details><summary>' + esc(T.filters) + ' <small id="pm-f-count"></small></summary>');
      ['category', 'district', 'period'].forEach(function (k) {
        var vals = [];
        projectRows.forEach(function (o) { if (o[k] != null && vals.indexOf(String(o[k])) < 0) vals.push(String(o[k])); });
        h.push('<label class="pm-f">' + esc(T[k]) + ' <select id="pm-f-' + k + '"><option value="">' + esc(T.all) + '</option>' +
          vals.sort().map(function (v) { return '<option>' + esc(v) + '</option>'; }).join('') + '</select></label>');
      });
      h.push('<div class="pm-cats">' + Object.keys(catColor).map(function (c) {
        return '<span><i style="background:' + catColor[c] + '"></i>' + esc(c) + '</span>'; }).join('') + '</div></details>');
      h.push('<details><summary>' + esc(T.thematic) + '</summary><select id="pm-theme"><option value="">' + esc(T.none) +
        '</option><option value="count">' + esc(T.count) + '</option><option value="investment_yi">' + esc(T.investment) +
        '</option></select><div id="pm-theme-legend"></div></details>');
    }
    h.push('<details open><summary>' + esc(T.details) + '</summary><div id="pm-info" class="pm-info">' + esc(T.drawHint) + '</div></details>');
    root.innerHTML = h.join('');

    function countLabel(s) {  // say how many features have no place on the map, never hide it
      var pts = cfg.points[s.id];
      var located = pts ? pts.rows.filter(function (r) { return r[0] != null; }).length : s.count;
      if (located === s.count) return String(s.count);
      return located + ' / ' + s.count + (en ? ' located' : ' 有位置');
    }
    function legendRows(s) {
      var st = s.style, border = st.dash ? 'dashed' : 'solid';
      var entries = s.classes.length ? s.classes.map(function (c) { return [c.fill_color, en ? c.legend_en : c.legend_zh]; })
        : [[st.fill_color, en ? st.legend_en : st.legend_zh]];
      if (s.id === 'projects') return '';
      return entries.map(function (e) {
        var bg = (st.fill_opacity > 0 || s.classes.length) ? e[0] : 'transparent';
        var shape = s.geometry === 'line' ? 'height:0;border-top-width:4px;' : (s.geometry === 'point' ? 'border-radius:50%;width:12px;' : '');
        return '<div><span class="pm-sw" style="background:' + bg + ';border:2px ' + border + ' ' + st.color + ';' + shape + '"></span>' + esc(e[1]) + '</div>';
      }).join('');
    }

    function setVisible(id, on) {
      if (id === 'projects' && PM.unlocatedLayer) {
        if (on) PM.unlocatedLayer.addTo(map); else map.removeLayer(PM.unlocatedLayer);
      }
      var g = overlays[id]; if (!g) return;
      if (on && !map.hasLayer(g)) map.addLayer(g);
      if (!on && map.hasLayer(g)) map.removeLayer(g);
    }
    root.querySelectorAll('input[data-layer]').forEach(function (cb) {
      setVisible(cb.dataset.layer, cb.checked);
      cb.addEventListener('change', function () { setVisible(cb.dataset.layer, cb.checked); writeHash(); });
    });
    ['category', 'district', 'period'].forEach(function (k) {
      var el = document.getElementById('pm-f-' + k); if (el) el.addEventListener('change', applyFilters);
    });
    applyFilters();

    /* ---------- details ---------- */
    function showFeature(layerId, p, lyr) {
      var spec = specs[layerId], rows = [];
      spec.fields.forEach(function (f) {
        var v = p[f.name]; if (v == null || v === '' || f.name === 'quote') return;
        if (f.name === 'geom_quality' && cfg.quality[v]) v = v + '（' + cfg.quality[v] + '）';
        rows.push('<tr><th>' + esc(en ? f.en : f.zh) + '</th><td>' + esc(fmt(v)) + '</td></tr>');
      });
      var out = ['<h4>' + esc(p.name) + ' <small>' + esc(title(spec)) + '</small></h4><table>' + rows.join('') + '</table>'];
      if (p.quote) out.push('<blockquote class="pm-quote"><b>' + esc(T.quote) + '</b><br>' + esc(p.quote) + '</blockquote>');
      if (cfg.inside[layerId] || (spec.geometry === 'polygon' && !cfg.projects_present)) out.push(projectsInside(layerId, p.fid));
      var info = document.getElementById('pm-info');
      info.innerHTML = out.join('');
      info.dataset.layer = layerId; info.dataset.fid = p.fid;
      info.querySelectorAll('a[data-project]').forEach(function (a) {
        a.addEventListener('click', function (e) { e.preventDefault(); zoomTo(searchIndex.filter(function (x) {
          return x.layer === 'projects' && String(x.props.fid) === a.dataset.project; })[0]); });
      });
      if (lyr && lyr.setStyle && spec.geometry !== 'point') {
        if (PM._hl) PM._hl[0].resetStyle(PM._hl[1]);
        lyr.setStyle({weight: 4, color: '#1a5276'}); PM._hl = [features[layerId], lyr];
      }
    }
    function projectsInside(layerId, fid) {
      if (!cfg.projects_present) return '<p class="pm-muted" id="pm-inside">' + esc(T.noProjectsLayer) + '</p>';
      var ids = (cfg.inside[layerId] || {})[String(fid)] || [];
      var byFid = {}; projectRows.forEach(function (o) { byFid[o.fid] = o; });
      var list = ids.map(function (i) { return byFid[i]; }).filter(Boolean);
      var stated = list.filter(function (o) { return typeof o.investment_yi === 'number'; });
      var sum = stated.reduce(function (a, o) { return a + o.investment_yi; }, 0);
      var unloc = list.filter(function (o) { return o._lon == null; }).length;
      var head = '<h5 id="pm-inside" data-count="' + list.length + '" data-unlocated="' + unloc + '">' + esc(T.projectsInside) + ': ' + list.length + ' ' + esc(T.items) +
        (unloc ? ' · ' + esc(T.unlocatedIn) + ' ' + unloc : '') +
        (stated.length ? ' · ' + esc(T.statedInvestment) + ' ' + stated.length + '，' + esc(T.sum) + ' ' + fmt(sum) + ' 亿元' : '') + '</h5>';
      return head + '<ol class="pm-list">' + list.map(function (o) {
        return '<li><a href="#" data-project="' + o.fid + '">' + esc(o.name) + '</a>' +
          (o._lon == null ? ' <small class="pm-noloc">' + esc(T.unlocated) + '</small>' : '') +
          (typeof o.investment_yi === 'number' ? ' <small>' + fmt(o.investment_yi) + ' 亿元</small>' : '') + '</li>';
      }).join('') + '</ol>';
    }
    function zoomTo(hit) {
      if (!hit) return;
      var cb = root.querySelector('input[data-layer="' + hit.layer + '"]');
      if (cb && !cb.checked) { cb.checked = true; setVisible(hit.layer, true); }
      if (hit.marker) {
        var g = overlays[hit.layer];
        if (g.zoomToShowLayer && g.hasLayer(hit.marker)) {
          g.zoomToShowLayer(hit.marker, function () { map.setView(hit.marker.getLatLng(), Math.max(map.getZoom(), 14)); });
        } else { map.setView(hit.marker.getLatLng(), 14); }
      } else if (hit.lyr) {
        map.fitBounds(hit.lyr.getBounds(), {maxZoom: 14});
      } else {  // no point: show its district, and say so
        var d = districtLayer(hit.props.district);
        if (d) map.fitBounds(d.getBounds(), {maxZoom: 13});
      }
      showFeature(hit.layer, hit.props, hit.lyr || hit.marker);
      if (!hit.lyr && !hit.marker) {
        var msg = hit.props.district ? T.onlyDistrict.replace('{d}', hit.props.district) : T.citywide;
        document.getElementById('pm-info').insertAdjacentHTML('afterbegin', '<p class="pm-notice" id="pm-noloc">' + esc(msg) + '</p>');
      }
    }
    PM.zoomTo = zoomTo;
    PM.showFeature = showFeature;
    PM.searchIndex = searchIndex;
    function districtLayer(name) {
      return (features.districts ? features.districts.getLayers() : []).filter(function (l) {
        return l.feature.properties.name === name; })[0];
    }

    /* ---------- on each district: how many of its projects have no point ---------- */
    if (cfg.projects_present && cfg.inside.districts) {
      var byFid0 = {}; projectRows.forEach(function (o) { byFid0[o.fid] = o; });
      PM.unlocatedLayer = L.layerGroup();
      Object.keys(cfg.inside.districts).forEach(function (fid) {
        var n = cfg.inside.districts[fid].filter(function (i) { return byFid0[i] && byFid0[i]._lon == null; }).length;
        var at = cfg.district_labels[fid];
        if (!n || !at) return;
        var m = L.marker(at, {icon: L.divIcon({className: 'pm-unloc', html: '<span>' + n + ' ' + esc(T.unlocatedShort) + '</span>',
          iconSize: null}), title: T.unlocated, keyboard: false});
        m.on('click', function () {
          var d = (features.districts ? features.districts.getLayers() : []).filter(function (l) {
            return String(l.feature.properties.fid) === fid; })[0];
          if (d) showFeature('districts', d.feature.properties, d);
        });
        m.options.fid = fid;
        PM.unlocatedLayer.addLayer(m);
      });
      var pcb = root.querySelector('input[data-layer="projects"]');
      if (!pcb || pcb.checked) PM.unlocatedLayer.addTo(map);
    }

    /* ---------- search ---------- */
    var box = document.getElementById('pm-search'), hitsEl = document.getElementById('pm-hits');
    function search(q) {
      q = q.trim().toLowerCase(); if (!q) return [];
      return searchIndex.filter(function (x) { return x.name && String(x.name).toLowerCase().indexOf(q) >= 0; }).slice(0, 12);
    }
    box.addEventListener('input', function () {
      var hits = search(box.value);
      hitsEl.innerHTML = box.value.trim() ? (hits.length ? hits.map(function (x, i) {
        return '<a href="#" data-i="' + i + '">' + esc(x.name) + ' <small>' + esc(title(specs[x.layer])) + '</small></a>';
      }).join('') : '<span class="pm-muted">' + esc(T.noHit) + '</span>') : '';
      hitsEl.querySelectorAll('a').forEach(function (a) {
        a.addEventListener('click', function (e) { e.preventDefault(); zoomTo(hits[+a.dataset.i]); hitsEl.innerHTML = ''; });
      });
    });
    box.addEventListener('keydown', function (e) {
      if (e.key === 'Enter') { var hits = search(box.value); if (hits.length) { zoomTo(hits[0]); hitsEl.innerHTML = ''; } }
    });

    /* ---------- thematic view: districts by project count or stated investment ---------- */
    var themeSel = document.getElementById('pm-theme');
    if (themeSel) themeSel.addEventListener('change', function () {
      var key = themeSel.value, leg = document.getElementById('pm-theme-legend');
      if (!key) { PM.theme = null; leg.innerHTML = ''; }
      else {
        var vals = Object.keys(cfg.district_totals).map(function (k) { return cfg.district_totals[k][key]; });
        var max = Math.max.apply(null, vals.concat([0]));
        var step = max > 0 ? max / THEME.length : 1;
        PM.theme = function (fid) {
          var t = cfg.district_totals[String(fid)], v = t ? t[key] : 0;
          return THEME[Math.min(THEME.length - 1, Math.floor(v / step))];
        };
        leg.innerHTML = THEME.map(function (c, i) {
          return '<div><span class="pm-sw" style="background:' + c + '"></span>' + fmt(i * step) + ' – ' + fmt((i + 1) * step) + '</div>';
        }).join('') + (key === 'investment_yi' ? '<div class="pm-muted">' + esc(T.statedInvestment) + '</div>' : '');
      }
      if (features.districts) features.districts.setStyle(styleFor(specs.districts));
    });

    /* ---------- tools: measure, draw + siting, fullscreen, coordinates, permalink ---------- */
    L.control.fullscreen({position: 'topleft'}).addTo(map);
    L.control.measure({position: 'topleft', primaryLengthUnit: 'meters', secondaryLengthUnit: 'kilometers',
      primaryAreaUnit: 'sqmeters', secondaryAreaUnit: 'hectares', localization: 'en'}).addTo(map);
    var drawn = L.featureGroup().addTo(map);
    map.addControl(new L.Control.Draw({position: 'topleft', edit: false,
      draw: {polygon: {showArea: false}, polyline: false, rectangle: false, circle: false, marker: false, circlemarker: false}}));
    map.on(L.Draw.Event.CREATED, function (e) { siting(e.layer); });
    function siting(layer) {
      drawn.clearLayers(); drawn.addLayer(layer);
      var info = document.getElementById('pm-info');
      if (!cfg.siting_url) { info.innerHTML = '<p class="pm-muted">' + esc(T.sitingOff) + '</p>'; return Promise.resolve(null); }
      var ring = layer.getLatLngs()[0].map(toWgs); ring.push(ring[0]);
      var geom = {type: 'Polygon', coordinates: [ring]};
      info.innerHTML = '<p class="pm-muted">' + esc(T.siting) + '…</p>';
      return fetch(cfg.siting_url, {method: 'POST', headers: {'Content-Type': 'application/json', 'Accept': 'application/json'}, body: JSON.stringify(geom)})
        .then(function (r) { return r.json().then(function (b) { return [r, b]; }); })
        .then(function (rb) {
          var r = rb[0], b = rb[1];
          if (!r.ok || !b.verdict) throw new Error(b.detail || b.title || ('HTTP ' + r.status));
          layer.setStyle({color: VERDICT_COLOR[b.verdict] || '#333', fillColor: VERDICT_COLOR[b.verdict] || '#333', fillOpacity: 0.35, weight: 3});
          var findings = (b.conflicts || []).concat(b.cautions || []).map(function (c) {
            var title = cfg.lang === 'en' ? c.layer_title_en : c.layer_title_zh;
            var amount = c.overlap_m2 != null
              ? T.overlap + ' ' + fmt(c.overlap_m2 / 1e4) + ' ha (' + fmt((c.share_of_site || 0) * 100) + '%)'
              : T.distance + ' ' + fmt(c.distance_m) + ' m';
            var verify = c.verdict === 'possible_conflict' && c.verify_zh
              ? '<br><em>' + esc(T.toVerify) + esc(cfg.lang === 'en' ? c.verify_en : c.verify_zh) + esc(T.toVerify2) + '</em>' : '';
            return '<li class="pm-finding" data-verdict="' + esc(c.verdict) + '"><b>' + esc(T.verdict[c.verdict] || c.verdict) + '</b> · ' +
              esc(title || c.layer) + ' · ' + esc(c.feature) + ' · ' + esc(T.quality[c.geom_quality] || c.geom_quality || '') +
              ' · ' + esc(amount) + verify + '</li>';
          }).join('');
          var names = function (a) { return (a || []).map(function (x) { return esc(x.name || x); }).join('、'); };
          info.innerHTML = '<h4 id="pm-verdict" data-verdict="' + esc(b.verdict) + '" style="color:' + (VERDICT_COLOR[b.verdict] || '#333') + '">' +
            esc(T.siting) + ': ' + esc(T.verdict[b.verdict] || b.verdict) + '</h4>' +
            (b.summary ? '<p>' + esc(typeof b.summary === 'string' ? b.summary : (b.summary[cfg.lang] || b.summary.zh || '')) + '</p>' : '') +
            (findings ? '<ul id="pm-findings">' + findings + '</ul>' : '') +
            (b.districts && b.districts.length ? '<p>' + esc(T.district) + ': ' + names(b.districts) + '</p>' : '') +
            '<p><a href="#" id="pm-full-report">' + esc(T.fullReport) + '</a></p>';
          document.getElementById('pm-full-report').addEventListener('click', function (ev) {
            ev.preventDefault();
            var win = window.open('', '_blank');
            fetch(cfg.siting_url + (cfg.siting_url.indexOf('?') < 0 ? '?' : '&') + 'f=html&basemap=' + (cfg.basemap === 'osm' ? 'osm' : 'none'),
              {method: 'POST', headers: {'Content-Type': 'application/json', 'Accept': 'text/html'}, body: JSON.stringify(geom)})
              .then(function (r) { return r.text(); })
              .then(function (html) { if (win) { win.document.open(); win.document.write(html); win.document.close(); } });
          });
          layer.bindTooltip(esc(T.verdict[b.verdict] || b.verdict), {permanent: true, direction: 'center'}).openTooltip();
          return b;
        })
        .catch(function (err) {
          info.innerHTML = '<p class="pm-notice" id="pm-verdict" data-verdict="">' + esc(T.sitingFail) + esc(err.message) + '</p>';
          return null;
        });
    }
    PM.siting = function (latlngs) { return siting(L.polygon(latlngs)); };

    var coords = L.control({position: 'bottomleft'});
    coords.onAdd = function () { return L.DomUtil.create('div', 'pm-coords'); };
    coords.addTo(map);
    map.on('mousemove', function (e) {
      var w = toWgs(e.latlng);
      coords.getContainer().textContent = w[1].toFixed(5) + ', ' + w[0].toFixed(5) + ' (' + T.coordsNote + ')';
    });

    var link = L.control({position: 'bottomleft'});
    link.onAdd = function () {
      var a = L.DomUtil.create('a', 'pm-permalink'); a.href = '#'; a.id = 'pm-permalink'; a.textContent = T.permalink;
      L.DomEvent.on(a, 'click', function (e) {
        L.DomEvent.preventDefault(e); writeHash();
        if (navigator.clipboard) navigator.clipboard.writeText(location.href).catch(function () {});
        a.textContent = T.copied;
      });
      return a;
    };
    link.addTo(map);
    var bm = L.control({position: 'bottomleft'});
    bm.onAdd = function () {
      var d = L.DomUtil.create('div', 'pm-basemaps');
      d.innerHTML = esc(T.basemap) + ': ' + ['osm', 'tianditu', 'amap', 'none'].map(function (b) {
        return b === cfg.basemap ? '<b>' + b + '</b>' : '<a href="#" data-basemap="' + b + '">' + b + '</a>';
      }).join(' | ');
      d.querySelectorAll('a').forEach(function (a) {
        a.addEventListener('click', function (e) { e.preventDefault(); reloadWith({basemap: a.dataset.basemap}); });
      });
      return d;
    };
    bm.addTo(map);
    document.getElementById('pm-lang').addEventListener('click', function (e) {
      e.preventDefault(); reloadWith({lang: en ? 'zh' : 'en'});
    });
    function reloadWith(params) {
      var u = new URL(location.href);
      Object.keys(params).forEach(function (k) { u.searchParams.set(k, params[k]); });
      writeHash(); u.hash = location.hash; location.href = u.toString();
    }

    function parseHash() {
      var out = {};
      location.hash.replace(/^#/, '').split('&').forEach(function (kv) {
        var i = kv.indexOf('='); if (i < 0) return;
        var k = kv.slice(0, i), v = decodeURIComponent(kv.slice(i + 1));
        if (k === 'map') { var p = v.split('/').map(Number); if (p.length === 3 && p.every(isFinite)) out.view = p; }
        if (k === 'show') out.show = v ? v.split(',') : [];
      });
      return out;
    }
    function writeHash() {
      var c = map.getCenter(), shown = [];
      root.querySelectorAll('input[data-layer]').forEach(function (cb) { if (cb.checked) shown.push(cb.dataset.layer); });
      var hash = '#map=' + map.getZoom() + '/' + c.lat.toFixed(5) + '/' + c.lng.toFixed(5) + '&show=' + shown.join(',');
      history.replaceState(null, '', location.pathname + location.search + hash);
    }
    var hv = parseHash().view;
    if (hv) map.setView([hv[1], hv[2]], hv[0]); else map.fitBounds(cfg.bounds);

    /* ---------- finer geometry when zooming in (served pages only) ---------- */
    function levelFor(z) {
      var l = 0; cfg.levels.forEach(function (minZ, i) { if (z >= minZ) l = i; }); return l;
    }
    var cache = {0: cfg.topo};
    function refine() {
      var want = levelFor(map.getZoom());
      if (!cfg.topo_url || want === level) return Promise.resolve();
      level = want;
      var go = cache[want] ? Promise.resolve(cache[want]) : fetch(cfg.topo_url + '?level=' + want + '&basemap=' + cfg.basemap +
        (cfg.layers_param ? '&layers=' + cfg.layers_param : '')).then(function (r) { return r.json(); });
      return go.then(function (topo) {
        cache[want] = topo;
        if (level !== want) return;
        drawTopo(topo);
        searchIndex = searchIndex.filter(function (x) { return !x.lyr; });
        Object.keys(features).forEach(function (id) {
          features[id].getLayers().forEach(function (l) {
            searchIndex.push({name: l.feature.properties.name, layer: id, props: l.feature.properties, lyr: l});
          });
        });
        root.querySelectorAll('input[data-layer]').forEach(function (cb) { setVisible(cb.dataset.layer, cb.checked); });
      });
    }
    map.on('moveend', function () { writeHash(); refine(); });
    map.on('zoomend', refine);

    PM.vertex = function (id) {  // first drawn vertex of a layer, for tests and debugging
      var l = features[id].getLayers()[0], ll = l.getLatLngs();
      while (Array.isArray(ll[0])) ll = ll[0];
      return [ll[0].lat, ll[0].lng];
    };
    PM.level = function () { return level; };
    window.planmapReadyAt = performance.now();
    window.planmapReady = true;
    document.body.setAttribute('data-planmap-ready', '1');
  };
})();
