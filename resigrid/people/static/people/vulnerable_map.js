/* Vulnerable people per grid: a choropleth of counts from /api/people/vulnerable/geojson
   (same approach as web/map.js). Counts only; a link to the list only where names are visible.
   Data are written with textContent only, never as HTML. */
(function () {
  "use strict";

  var PALETTE = ["#fff5eb", "#fdbe85", "#fd8d3c", "#e6550d", "#a63603"]; // ColorBrewer Oranges
  var config = JSON.parse(document.getElementById("map-config").textContent);
  var labels = config.labels;
  var lang = document.documentElement.lang || undefined;
  var statusEl = document.getElementById("map-status");
  var facts = document.getElementById("grid-facts");
  var hint = document.getElementById("grid-panel-hint");
  var link = document.getElementById("grid-list-link");

  var map = L.map("grid-map", { zoomSnap: 0.25, attributionControl: config.tiles.length > 0 });
  config.tiles.forEach(function (t) { L.tileLayer(t.url, t.options).addTo(map); });
  map.setView([30.27, 120.13], 13);

  function fmt(v) { return v === null || v === undefined ? "—" : Number(v).toLocaleString(lang); }

  function colour(value, max) {
    if (!max) return PALETTE[0];
    return PALETTE[Math.min(PALETTE.length - 1, Math.floor((value / max) * (PALETTE.length - 1) + 0.5))];
  }

  function showFacts(p) {
    var rows = [["name", p.name], ["code", p.code], ["vulnerable", fmt(p.vulnerable)],
                ["without_carer", fmt(p.without_carer)]];
    facts.replaceChildren();
    rows.forEach(function (r) {
      var dt = document.createElement("dt");
      dt.className = "col-7 fw-normal text-body-secondary";
      dt.textContent = labels[r[0]];
      var dd = document.createElement("dd");
      dd.className = "col-5 mb-1";
      dd.dataset.field = r[0];
      dd.textContent = r[1];
      facts.appendChild(dt);
      facts.appendChild(dd);
    });
    facts.classList.remove("d-none");
    hint.classList.add("d-none");
    if (config.listUrl && p.names_visible) {
      link.href = config.listUrl + "?grid=" + encodeURIComponent(p.code) + "&vulnerable=on";
      link.textContent = labels.list;
      link.classList.remove("d-none");
    } else {
      link.classList.add("d-none");
    }
  }

  function draw(collection) {
    var features = collection.features || [];
    if (features.length === 0) { statusEl.textContent = labels.empty; return; }
    var max = Math.max.apply(null, features.map(function (f) { return f.properties.vulnerable || 0; }));
    var selected = null;
    var layer = L.geoJSON(collection, {
      style: function (f) {
        return { color: "#555", weight: 1, fillOpacity: 0.75, fillColor: colour(f.properties.vulnerable || 0, max) };
      },
      onEachFeature: function (feature, item) {
        item.bindTooltip(feature.properties.name + ": " + fmt(feature.properties.vulnerable), { sticky: true });
        item.on("click", function () {
          if (selected) layer.resetStyle(selected);
          selected = item;
          item.setStyle({ color: "#0d6efd", weight: 3 });
          showFacts(feature.properties);
        });
      },
    }).addTo(map);
    map.fitBounds(layer.getBounds(), { padding: [12, 12] });
    var legend = L.control({ position: "bottomright" });
    legend.onAdd = function () {
      var div = L.DomUtil.create("div", "resigrid-legend");
      div.textContent = labels.legend + ": 0 – " + fmt(max);
      return div;
    };
    legend.addTo(map);
    statusEl.textContent = labels.count.replace("%(count)s", fmt(features.length));
    document.getElementById("grid-map").dataset.loaded = "true";
  }

  fetch(config.geojsonUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
    .then(draw)
    .catch(function () { statusEl.textContent = labels.error; });
})();
