/* Depots and facilities on the map, over the grid polygons (the approach of web/map.js).
   Configuration (API URLs, tiles, translated labels) comes from #resource-map-config.
   Data are written with textContent only, never as HTML. */
(function () {
  "use strict";

  var COLOURS = {
    depot: "#6f42c1",
    shelter: "#198754",
    aed: "#dc3545",
    hydrant: "#fd7e14",
    medical_point: "#0d6efd",
    loudspeaker: "#6c757d",
    other: "#adb5bd",
  };
  var config = JSON.parse(document.getElementById("resource-map-config").textContent);
  var labels = config.labels;
  var statusEl = document.getElementById("map-status");

  var map = L.map("resource-map", { zoomSnap: 0.25, attributionControl: config.tiles.length > 0 });
  config.tiles.forEach(function (t) { L.tileLayer(t.url, t.options).addTo(map); });
  map.setView([30.27, 120.13], 13);

  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      });
  }

  function line(parent, label, value) {
    var div = document.createElement("div");
    div.textContent = label ? label + ": " + value : value;
    parent.appendChild(div);
  }

  function popup(p) {
    var box = document.createElement("div");
    var title = document.createElement("div");
    title.className = "fw-semibold";
    title.textContent = p.name;
    box.appendChild(title);
    line(box, "", p.kind_label + " · " + p.area_name);
    if (p.layer === "depot") {
      line(box, labels.lowItems, p.low_items);
      line(box, labels.nearExpiry, p.near_expiry_batches);
      var a = document.createElement("a");
      a.href = config.depotUrl.replace("{id}", p.id);
      a.textContent = labels.open;
      box.appendChild(a);
    } else {
      line(box, labels.status, labels.statuses[p.status] || p.status);
      if (p.capacity !== null && p.capacity !== undefined) line(box, labels.capacity, p.capacity);
    }
    return box;
  }

  function addLegend(kinds) {
    var legend = L.control({ position: "bottomright" });
    legend.onAdd = function () {
      var div = L.DomUtil.create("div", "resigrid-legend");
      div.id = "map-legend";
      var title = document.createElement("div");
      title.className = "fw-semibold mb-1";
      title.textContent = labels.legend;
      div.appendChild(title);
      Object.keys(kinds).forEach(function (kind) {
        var row = document.createElement("div");
        var sw = document.createElement("span");
        sw.className = "swatch";
        sw.style.background = COLOURS[kind] || COLOURS.other;
        sw.style.borderRadius = "50%";
        row.appendChild(sw);
        row.appendChild(document.createTextNode(kinds[kind]));
        div.appendChild(row);
      });
      return div;
    };
    legend.addTo(map);
  }

  function drawGrids(collection) {
    if (!collection.features || collection.features.length === 0) return null;
    var layer = L.geoJSON(collection, {
      style: { color: "#555", weight: 1, fillColor: "#cfe2ff", fillOpacity: 0.35 },
      onEachFeature: function (f, item) { item.bindTooltip(f.properties.name, { sticky: true }); },
    }).addTo(map);
    return layer;
  }

  function drawPoints(collection) {
    var features = collection.features || [];
    var kinds = {};
    var layer = L.geoJSON(collection, {
      pointToLayer: function (f, latlng) {
        var p = f.properties;
        kinds[p.kind] = p.kind_label;
        var warn = p.layer === "depot" && (p.low_items > 0 || p.near_expiry_batches > 0);
        return L.circleMarker(latlng, {
          radius: p.layer === "depot" ? 9 : 6,
          color: warn ? "#dc3545" : "#222",
          weight: warn ? 3 : 1,
          fillColor: COLOURS[p.kind] || COLOURS.other,
          fillOpacity: p.status === "out_of_service" ? 0.3 : 0.9,
        });
      },
      onEachFeature: function (f, item) {
        item.bindTooltip(f.properties.name);
        item.bindPopup(function () { return popup(f.properties); });
      },
    }).addTo(map);
    if (features.length > 0) addLegend(kinds);
    return layer;
  }

  Promise.all([getJson(config.gridsUrl), getJson(config.pointsUrl)])
    .then(function (results) {
      var grids = drawGrids(results[0]);
      var points = drawPoints(results[1]);
      var n = (results[1].features || []).length;
      // The grids give the context; points outside every visible grid still fit in.
      var bounds = grids ? grids.getBounds() : null;
      if (n > 0) bounds = bounds ? bounds.extend(points.getBounds()) : points.getBounds();
      if (bounds) map.fitBounds(bounds, { padding: [16, 16], animate: false });
      statusEl.textContent = n === 0 ? labels.empty : labels.count.replace("%(count)s", n);
      document.getElementById("resource-map").dataset.loaded = "true";
    })
    .catch(function () { statusEl.textContent = labels.error; });
})();
