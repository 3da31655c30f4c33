/* The call-up map: the place and the proposed/confirmed volunteers' homes, joined by lines.
   Names go in as tooltip text, never as HTML. */
(function () {
  "use strict";
  var el = document.getElementById("callup-map");
  var raw = document.getElementById("callup-map-data");
  if (!el || !raw || typeof L === "undefined") { return; }
  var data = JSON.parse(raw.textContent);
  var map = L.map(el, { zoomSnap: 0.25, attributionControl: data.tiles.length > 0 });
  data.tiles.forEach(function (t) { L.tileLayer(t.url, t.options).addTo(map); });
  var layers = L.featureGroup().addTo(map);
  var place = [data.place.lat, data.place.lon];
  L.circleMarker(place, { radius: 9, color: "#dc3545", weight: 3, fillOpacity: 0.8 })
    .bindTooltip(document.createTextNode(data.place.title)).addTo(layers);
  data.volunteers.forEach(function (v) {
    var colour = v.state === "proposed" ? "#0d6efd" : "#198754";
    var home = [v.lat, v.lon];
    L.polyline([home, place], { color: colour, weight: 1, dashArray: "4 4" }).addTo(layers);
    L.circleMarker(home, { radius: 6, color: colour, weight: 2, fillOpacity: 0.7 })
      .bindTooltip(document.createTextNode(v.name + " · " + v.distance_m + " m")).addTo(layers);
  });
  map.fitBounds(layers.getBounds().pad(0.2), { maxZoom: 16 });
  el.dataset.loaded = "true";
}());
