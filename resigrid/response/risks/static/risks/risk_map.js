/* Risk points on the map, coloured by level (低 blue, 一般 yellow, 较大 orange, 重大 red), over
   the grid polygons (the approach of resources/resource_map.js). Configuration comes from
   #risk-map-config; on a risk's page #risk-mini-map shows just that point.
   Data are written with textContent only, never as HTML. */
(function () {
  "use strict";

  var COLOURS = { low: "#0d6efd", general: "#ffc107", large: "#fd7e14", major: "#dc3545" };
  var ORDER = ["major", "large", "general", "low"];

  var mini = document.getElementById("risk-mini-map");
  if (mini) {
    var tiles = JSON.parse(document.getElementById("risk-tiles").textContent);
    var here = [parseFloat(mini.dataset.lat), parseFloat(mini.dataset.lon)];
    var small = L.map(mini, { attributionControl: tiles.length > 0 }).setView(here, 16);
    tiles.forEach(function (t) { L.tileLayer(t.url, t.options).addTo(small); });
    L.circleMarker(here, {
      radius: 9, color: "#222", weight: 1, fillColor: COLOURS[mini.dataset.band], fillOpacity: 0.9,
    }).addTo(small);
    mini.dataset.loaded = "true";
    return;
  }

  var configEl = document.getElementById("risk-map-config");
  if (!configEl) return;
  var config = JSON.parse(configEl.textContent);
  var labels = config.labels;
  var statusEl = document.getElementById("map-status");
  var map = L.map("risk-map", { zoomSnap: 0.25, attributionControl: config.tiles.length > 0 });
  config.tiles.forEach(function (t) { L.tileLayer(t.url, t.options).addTo(map); });
  map.setView([30.27, 120.13], 13);

  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      });
  }

  function line(parent, text, cls) {
    var div = document.createElement("div");
    div.textContent = text;
    if (cls) div.className = cls;
    parent.appendChild(div);
  }

  function popup(p) {
    var box = document.createElement("div");
    line(box, p.name, "fw-semibold");
    line(box, p.band_label + " · " + p.hazard_label + (p.subtype ? " · " + p.subtype : ""));
    line(box, p.area_name + " · " + p.status_label);
    line(box, labels.score + ": " + p.score);
    line(box, labels.due + ": " + p.next_review_due, p.overdue ? "text-danger" : "");
    if (p.overdue) line(box, labels.overdue, "text-danger fw-semibold");
    var a = document.createElement("a");
    a.href = config.detailUrl.replace("{id}", p.id);
    a.textContent = labels.open;
    box.appendChild(a);
    return box;
  }

  function addLegend() {
    var legend = L.control({ position: "bottomright" });
    legend.onAdd = function () {
      var div = L.DomUtil.create("div", "resigrid-legend");
      div.id = "map-legend";
      line(div, labels.legend, "fw-semibold mb-1");
      ORDER.forEach(function (band) {
        var row = document.createElement("div");
        var sw = document.createElement("span");
        sw.className = "swatch";
        sw.style.background = COLOURS[band];
        sw.style.borderRadius = "50%";
        row.appendChild(sw);
        row.appendChild(document.createTextNode(labels.bands[band]));
        div.appendChild(row);
      });
      return div;
    };
    legend.addTo(map);
  }

  function drawGrids(collection) {
    if (!collection.features || collection.features.length === 0) return null;
    return L.geoJSON(collection, {
      style: { color: "#555", weight: 1, fillColor: "#e9ecef", fillOpacity: 0.3 },
      onEachFeature: function (f, item) { item.bindTooltip(f.properties.name, { sticky: true }); },
    }).addTo(map);
  }

  function drawPoints(collection) {
    var features = (collection.features || []).slice();
    // Higher levels drawn last, so they sit on top.
    features.sort(function (a, b) {
      return ORDER.indexOf(b.properties.band) - ORDER.indexOf(a.properties.band);
    });
    return L.geoJSON({ type: "FeatureCollection", features: features }, {
      pointToLayer: function (f, latlng) {
        var p = f.properties;
        var marker = L.circleMarker(latlng, {
          radius: p.band === "major" ? 10 : p.band === "large" ? 8 : 7,
          color: p.overdue ? "#000" : "#333",
          weight: p.overdue ? 3 : 1,
          fillColor: COLOURS[p.band] || "#adb5bd",
          fillOpacity: p.status === "closed" ? 0.3 : 0.9,
          className: "risk-marker risk-marker-" + p.band,
        });
        return marker;
      },
      onEachFeature: function (f, item) {
        item.bindTooltip(f.properties.name);
        item.bindPopup(function () { return popup(f.properties); });
        item.on("add", function () {
          var el = item.getElement && item.getElement();
          if (el) { el.setAttribute("data-risk", f.properties.id); el.setAttribute("data-band", f.properties.band); }
        });
      },
    }).addTo(map);
  }

  Promise.all([getJson(config.gridsUrl), getJson(config.pointsUrl)])
    .then(function (results) {
      var grids = drawGrids(results[0]);
      var points = drawPoints(results[1]);
      var n = (results[1].features || []).length;
      var bounds = grids ? grids.getBounds() : null;
      if (n > 0) bounds = bounds ? bounds.extend(points.getBounds()) : points.getBounds();
      if (bounds) map.fitBounds(bounds, { padding: [16, 16], animate: false });
      addLegend();
      statusEl.textContent = n === 0 ? labels.empty : labels.count.replace("%(count)s", n);
      document.getElementById("risk-map").dataset.loaded = "true";
    })
    .catch(function () { statusEl.textContent = labels.error; });
})();
