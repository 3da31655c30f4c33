/* The grid map: a choropleth of grid population from /api/areas/grids/geojson.
   Configuration (API URL, base tiles, translated labels) comes from the #map-config json_script.
   Data are written with textContent only, never as HTML. */
(function () {
  "use strict";

  var PALETTE = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"]; // ColorBrewer YlOrRd
  var config = JSON.parse(document.getElementById("map-config").textContent);
  var labels = config.labels;
  var lang = document.documentElement.lang || undefined;
  var statusEl = document.getElementById("map-status");
  var facts = document.getElementById("grid-facts");
  var hint = document.getElementById("grid-panel-hint");

  var map = L.map("grid-map", { zoomSnap: 0.25, attributionControl: config.tiles.length > 0 });
  config.tiles.forEach(function (t) {
    L.tileLayer(t.url, t.options).addTo(map);
  });
  map.setView([30.27, 120.13], 13);

  function fmt(value, digits) {
    if (value === null || value === undefined) return "—";
    return Number(value).toLocaleString(lang, {
      minimumFractionDigits: digits || 0,
      maximumFractionDigits: digits || 0,
    });
  }

  function setStatus(text) {
    statusEl.textContent = text;
  }

  // Quantile class breaks: at most five classes, fewer when values repeat.
  function thresholds(values) {
    var sorted = values.slice().sort(function (a, b) { return a - b; });
    var out = [];
    for (var k = 1; k < PALETTE.length; k++) {
      var v = sorted[Math.min(sorted.length - 1, Math.floor((k * sorted.length) / PALETTE.length))];
      if (v > sorted[0] && out.indexOf(v) < 0 && v <= sorted[sorted.length - 1]) out.push(v);
    }
    return out.filter(function (v, i) { return i === 0 || v > out[i - 1]; });
  }

  function classOf(value, breaks) {
    var i = 0;
    while (i < breaks.length && value >= breaks[i]) i++;
    return i;
  }

  function colour(cls, breaks) {
    var n = breaks.length;
    return PALETTE[n === 0 ? 2 : Math.round((cls * (PALETTE.length - 1)) / n)];
  }

  function addLegend(values, breaks) {
    var legend = L.control({ position: "bottomright" });
    legend.onAdd = function () {
      var div = L.DomUtil.create("div", "resigrid-legend");
      div.id = "map-legend";
      var title = document.createElement("div");
      title.className = "fw-semibold mb-1";
      title.textContent = labels.legend;
      div.appendChild(title);
      var low = Math.min.apply(null, values);
      var high = Math.max.apply(null, values);
      var edges = [low].concat(breaks);
      for (var i = 0; i < edges.length; i++) {
        var row = document.createElement("div");
        var sw = document.createElement("span");
        sw.className = "swatch";
        sw.style.background = colour(i, breaks);
        row.appendChild(sw);
        var top = i + 1 < edges.length ? edges[i + 1] - 1 : high;
        row.appendChild(document.createTextNode(
          edges[i] === top ? fmt(top) : fmt(edges[i]) + " – " + fmt(top)));
        div.appendChild(row);
      }
      return div;
    };
    legend.addTo(map);
  }

  function showFacts(p) {
    var rows = [
      ["name", p.name],
      ["code", p.code],
      ["community", p.community_name],
      ["population", fmt(p.population)],
      ["households", fmt(p.households)],
      ["buildings", fmt(p.buildings)],
      ["area", fmt(p.area_km2, 3)],
      ["density", fmt(p.density_per_km2)],
    ];
    facts.replaceChildren();
    rows.forEach(function (r) {
      var dt = document.createElement("dt");
      dt.className = "col-5 fw-normal text-body-secondary";
      dt.textContent = labels[r[0]];
      var dd = document.createElement("dd");
      // The 15-digit code must not wrap mid-number in the narrow panel.
      dd.className = "col-7 mb-1" + (r[0] === "code" ? " font-monospace text-nowrap" : "");
      dd.dataset.field = r[0];
      dd.textContent = r[1] === null || r[1] === undefined ? "—" : r[1];
      facts.appendChild(dt);
      facts.appendChild(dd);
    });
    facts.classList.remove("d-none");
    hint.classList.add("d-none");
  }

  function draw(collection) {
    var features = collection.features || [];
    if (features.length === 0) {
      setStatus(labels.empty);
      return;
    }
    var values = features.map(function (f) { return f.properties.population || 0; });
    var breaks = thresholds(values);
    var base = function (f) {
      return {
        color: "#555",
        weight: 1,
        fillOpacity: 0.75,
        fillColor: colour(classOf(f.properties.population || 0, breaks), breaks),
      };
    };
    var selected = null;
    var layer = L.geoJSON(collection, {
      style: base,
      onEachFeature: function (feature, item) {
        item.bindTooltip(feature.properties.name, { sticky: true });
        item.on("click", function () {
          if (selected) layer.resetStyle(selected);
          selected = item;
          item.setStyle({ color: "#0d6efd", weight: 3 });
          item.bringToFront();
          showFacts(feature.properties);
        });
      },
    }).addTo(map);
    map.fitBounds(layer.getBounds(), { padding: [12, 12] });
    addLegend(values, breaks);
    setStatus(labels.count.replace("%(count)s", fmt(features.length)));
    document.getElementById("grid-map").dataset.loaded = "true";
  }

  fetch(config.geojsonUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    })
    .then(draw)
    .catch(function () {
      setStatus(labels.error);
    });
})();
