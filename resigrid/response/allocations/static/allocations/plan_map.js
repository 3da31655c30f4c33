/* The allocation plan's map: depots (squares), grids (circles, red when short) and one
   polyline per line depot → grid. Data come from #alloc-data; text only through tooltips of
   plain strings. */
(function () {
  "use strict";
  var el = document.getElementById("alloc-map");
  var src = document.getElementById("alloc-data");
  if (!el || !src || !window.L) return;
  var data = JSON.parse(src.textContent);
  var map = L.map(el, { zoomSnap: 0.25, attributionControl: data.tiles.length > 0 });
  data.tiles.forEach(function (t) { L.tileLayer(t.url, t.options).addTo(map); });
  var layers = L.featureGroup().addTo(map);
  data.lines.forEach(function (x) {
    L.polyline([x.from, x.to], { color: "#0d6efd", weight: 3, opacity: 0.7, className: "alloc-line" })
      .bindTooltip(x.label, { sticky: true }).addTo(layers);
  });
  data.grids.forEach(function (g) {
    L.circleMarker([g.lat, g.lon], { radius: 7, color: g.short ? "#dc3545" : "#198754", weight: 2, fillOpacity: 0.6 })
      .bindTooltip(g.name).addTo(layers);
  });
  data.depots.forEach(function (d) {
    L.circleMarker([d.lat, d.lon], { radius: 9, color: "#6f42c1", weight: 3, fillOpacity: 0.9 })
      .bindTooltip(d.name).addTo(layers);
  });
  if (layers.getLayers().length) map.fitBounds(layers.getBounds(), { padding: [16, 16], animate: false });
  else map.setView([30.27, 120.13], 13);
  el.dataset.loaded = "true";
  el.dataset.lines = String(data.lines.length);
})();
