/* The incident's area, tasks, depots and shelters on a map. Configuration and data come from
   #command-map-config; names are written with textContent only, never as HTML. */
(function () {
  "use strict";
  var el = document.getElementById("command-map");
  if (!el || typeof L === "undefined") return;
  var config = JSON.parse(document.getElementById("command-map-config").textContent);
  var COLOURS = { task: "#dc3545", depot: "#6f42c1", shelter: "#198754", volunteers: "#0d6efd" };
  var map = L.map(el, { zoomSnap: 0.25, attributionControl: config.tiles.length > 0 });
  // A view first: Leaflet cannot draw a polygon on a map without one (it clips against the
  // pixel bounds of the view); fitBounds below moves to the incident's extent.
  map.setView([30.27, 120.13], 13);
  config.tiles.forEach(function (t) { L.tileLayer(t.url, t.options).addTo(map); });
  var bounds = null;
  if (config.data.boundary) {
    var area = L.geoJSON(config.data.boundary, { style: { color: "#dc3545", weight: 2, fillOpacity: 0.08 } }).addTo(map);
    bounds = area.getBounds();
  }
  config.data.points.forEach(function (p) {
    var marker = L.circleMarker([p.lat, p.lon], {
      radius: p.layer === "task" ? 7 : 6, color: COLOURS[p.layer] || "#6c757d", fillOpacity: 0.8,
    }).addTo(map);
    var box = document.createElement("div");
    var title = document.createElement("div");
    title.className = "fw-semibold";
    title.textContent = p.name;
    box.appendChild(title);
    var kind = document.createElement("div");
    kind.textContent = (config.labels[p.layer] || p.layer) + (p.capacity ? " · " + p.capacity : "") + (p.status ? " · " + p.status : "");
    box.appendChild(kind);
    marker.bindPopup(box);
    if (bounds) bounds.extend([p.lat, p.lon]); else bounds = L.latLngBounds([[p.lat, p.lon], [p.lat, p.lon]]);
  });
  if (bounds && bounds.isValid()) map.fitBounds(bounds, { padding: [10, 10] });
  el.setAttribute("data-ready", String(config.data.points.length));
})();
