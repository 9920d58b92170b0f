/* Layers: the basemap, polygon and line overlays from TopoJSON, point layers, visibility, finer
 * geometry on zoom, and the selected feature's outline drawn above every fill. */
import {esc} from 'planmap/util.js';

const BASEMAP_TILES = {
  osm: [['https://tile.openstreetmap.org/{z}/{x}/{y}.png', {maxZoom: 19, attribution: '&copy; OpenStreetMap contributors'}]],
  amap: [['https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}',
    {subdomains: '1234', maxZoom: 18, attribution: '&copy; 高德地图 AutoNavi (GCJ-02)'}]],
};

/* Tiles of the chosen basemap; when they fail (an intranet), say so once and offer the others. */
export function addBasemap(ctx) {
  const {map, cfg, T} = ctx;
  let layers = BASEMAP_TILES[cfg.basemap] || [];
  if (cfg.basemap === 'tianditu') {
    if (!cfg.tianditu_key) {
      ctx.notices.push(T.tiandituMissing + '<code>' + esc(cfg.tianditu_env) + '</code>' + T.tiandituMissing2);
      layers = [];
    } else {
      layers = ['vec', 'cva'].map((lyr) => ['https://t{s}.tianditu.gov.cn/' + lyr + '_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=' +
        lyr + '&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=' +
        encodeURIComponent(cfg.tianditu_key), {subdomains: '01234567', maxZoom: 18, attribution: '&copy; 天地图 Tianditu'}]);
    }
  }
  let failed = 0, loaded = 0, told = false;
  layers.forEach(([url, opts]) => {
    const t = L.tileLayer(url, opts).addTo(map);
    t.on('tileload', () => { loaded += 1; });
    t.on('tileerror', () => {
      failed += 1;
      if (!told && failed >= 4 && loaded === 0) { told = true; ctx.emit('tiles-failed'); }
    });
  });
}

export function styleFor(ctx, spec) {
  return (f) => {
    const st = spec.style, p = f.properties || {};
    let fill = st.fill_color;
    if (spec.class_field) spec.classes.forEach((c) => { if (p[spec.class_field] === c.value) fill = c.fill_color; });
    const themed = spec.id === 'districts' && ctx.theme;
    if (themed) fill = ctx.theme(p.fid) || fill;
    const schematic = p.geom_quality === 'schematic';
    return {color: st.color, weight: st.weight, fillColor: fill,
      fillOpacity: themed ? 0.75 : st.fill_opacity, dashArray: st.dash || (schematic ? '6 4' : null)};
  };
}

/* Polygons and lines at one detail level; clicks go to the map (identify), tooltips name them. */
export function drawTopo(ctx, topo) {
  Object.keys(topo.objects).forEach((id) => {
    const spec = ctx.specs[id]; if (!spec) return;
    const fc = topojson.feature(topo, topo.objects[id]);
    const group = ctx.overlays[id] || (ctx.overlays[id] = L.featureGroup());
    group.clearLayers();
    const gj = L.geoJSON(fc, {
      style: styleFor(ctx, spec), bubblingMouseEvents: true,
      onEachFeature: (f, lyr) => lyr.bindTooltip(esc(f.properties.name), {sticky: true}),
      pointToLayer: (f, ll) => L.circleMarker(ll, {radius: 6}),
    });
    group.addLayer(gj);
    ctx.features[id] = gj;
  });
  ctx.emit('geometry');
}

export function restyle(ctx, id) {
  if (ctx.features[id]) ctx.features[id].setStyle(styleFor(ctx, ctx.specs[id]));
}

function rowsToObjects(pts) {
  return pts.rows.map((r) => {
    const o = {_lon: r[0], _lat: r[1]};
    pts.fields.forEach((f, i) => { o[f] = r[i + 2]; });
    return o;
  });
}

/* Point layers: projects clustered and coloured by category, parks as dots. Rows without a point
 * (known only to their district) get no marker but stay in every list and total. */
export function drawPoints(ctx, showFeature) {
  const {cfg, specs, overlays} = ctx;
  Object.keys(cfg.points).forEach((id) => {
    const spec = specs[id], objs = rowsToObjects(cfg.points[id]);
    if (id === 'projects') {
      ctx.projectRows = objs;
      objs.forEach((o) => { ctx.projectsByFid[o.fid] = o; });
      overlays[id] = L.markerClusterGroup({showCoverageOnHover: false, maxClusterRadius: 40, chunkedLoading: true});
      objs.forEach((o) => {
        if (o._lon == null) { ctx.searchIndex.push({name: o.name, layer: id, props: o, marker: null}); return; }
        const cat = ctx.category(o.category);
        const m = L.marker([o._lat, o._lon], {title: o.name, icon: L.divIcon({className: 'pm-pin',
          html: '<span style="background:' + cat.color + '"></span>', iconSize: [14, 14]})});
        m.on('click', (e) => { L.DomEvent.stopPropagation(e); showFeature(id, o, m); });
        ctx.projectMarkers[o.fid] = m;
        ctx.searchIndex.push({name: o.name, layer: id, props: o, marker: m});
      });
    } else {
      ctx.pointRows[id] = objs;
      overlays[id] = L.featureGroup();
      objs.forEach((o) => {
        if (o._lon == null) { ctx.searchIndex.push({name: o.name, layer: id, props: o, marker: null}); return; }
        const m = L.circleMarker([o._lat, o._lon], {radius: 6, color: spec.style.color, weight: 2,
          fillColor: spec.style.fill_color, fillOpacity: 0.8});
        m.bindTooltip(esc(o.name));
        m.on('click', (e) => { L.DomEvent.stopPropagation(e); showFeature(id, o, m); });
        m.feature = {properties: o};
        overlays[id].addLayer(m);
        ctx.searchIndex.push({name: o.name, layer: id, props: o, marker: m});
      });
    }
  });
}

export function indexShapes(ctx) {
  ctx.searchIndex = ctx.searchIndex.filter((x) => !x.lyr);
  Object.keys(ctx.features).forEach((id) => {
    ctx.features[id].getLayers().forEach((l) => {
      ctx.searchIndex.push({name: l.feature.properties.name, layer: id, props: l.feature.properties, lyr: l});
    });
  });
}

export function isVisible(ctx, id) {
  const g = ctx.overlays[id];
  return !!g && ctx.map.hasLayer(g);
}

export function setVisible(ctx, id, on) {
  const g = ctx.overlays[id];
  if (g) {
    if (on && !ctx.map.hasLayer(g)) ctx.map.addLayer(g);
    if (!on && ctx.map.hasLayer(g)) ctx.map.removeLayer(g);
  }
  ctx.emit('visibility', id);
}

/* The selected feature's outline, in a pane above every fill and below the markers. */
export function createHighlight(ctx) {
  const pane = ctx.map.createPane('pm-selected');
  pane.style.zIndex = 450;
  pane.style.pointerEvents = 'none';
  const renderer = L.svg({pane: 'pm-selected'});
  let current = null;
  ctx.highlight = (lyr) => {
    if (current) { ctx.map.removeLayer(current); current = null; }
    if (!lyr || !lyr.toGeoJSON || lyr instanceof L.Marker || lyr instanceof L.CircleMarker) return;
    current = L.geoJSON(lyr.toGeoJSON(), {pane: 'pm-selected', renderer, interactive: false,
      style: {color: '#00bcd4', weight: 4, opacity: 1, fill: false, dashArray: null}}).addTo(ctx.map);
    current.selectedName = lyr.feature && lyr.feature.properties.name;
  };
  ctx.selectedOutline = () => current;
}

/* Finer geometry when zooming in (served pages only). */
export function refineOnZoom(ctx) {
  const {map, cfg} = ctx;
  const cache = {0: cfg.topo};
  ctx.level = 0;
  const levelFor = (z) => { let l = 0; cfg.levels.forEach((minZ, i) => { if (z >= minZ) l = i; }); return l; };
  function refine() {
    const want = levelFor(map.getZoom());
    if (!cfg.topo_url || want === ctx.level) return Promise.resolve();
    ctx.level = want;
    const go = cache[want] ? Promise.resolve(cache[want]) : fetch(cfg.topo_url + '?level=' + want + '&basemap=' + cfg.basemap +
      (cfg.layers_param ? '&layers=' + cfg.layers_param : '')).then((r) => r.json());
    return go.then((topo) => {
      cache[want] = topo;
      if (ctx.level !== want) return;
      const shown = Object.keys(ctx.features).filter((id) => isVisible(ctx, id));
      drawTopo(ctx, topo);
      indexShapes(ctx);
      shown.forEach((id) => setVisible(ctx, id, true));
    });
  }
  map.on('zoomend', refine);
  map.on('moveend', refine);
}
