/* Case maps: the point of one case (#case-map) and the open cases of the user's scope
   (#cases-map, overdue ones in red). Configuration comes from a json_script block; data are
   written with textContent only, never as HTML. */
(function () {
  "use strict";

  function baseMap(el, config) {
    var map = L.map(el, { zoomSnap: 0.25, attributionControl: config.tiles.length > 0 });
    config.tiles.forEach(function (t) { L.tileLayer(t.url, t.options).addTo(map); });
    return map;
  }

  var one = document.getElementById("case-map");
  if (one) {
    var c1 = JSON.parse(document.getElementById("case-map-config").textContent);
    var m1 = baseMap(one, c1);
    m1.setView(c1.point, 16, { animate: false });
    L.circleMarker(c1.point, { radius: 9, color: "#0d6efd", weight: 3, fillOpacity: 0.6 })
      .addTo(m1).bindTooltip(c1.label);
    one.dataset.loaded = "true";
  }

  var many = document.getElementById("cases-map");
  if (!many) return;
  var config = JSON.parse(document.getElementById("cases-map-config").textContent);
  var labels = config.labels;
  var statusEl = document.getElementById("map-status");
  var map = baseMap(many, config);
  map.setView([30.27, 120.13], 13);

  function popup(p) {
    var box = document.createElement("div");
    var title = document.createElement("div");
    title.className = "fw-semibold";
    title.textContent = p.number + " " + p.title;
    box.appendChild(title);
    var line = document.createElement("div");
    line.textContent = p.category + " · " + p.state_label + " · " + (p.overdue ? labels.overdue : labels.onTime);
    box.appendChild(line);
    var a = document.createElement("a");
    a.href = config.detailUrl.replace("{id}", p.id);
    a.textContent = labels.open;
    box.appendChild(a);
    return box;
  }

  function legend() {
    var control = L.control({ position: "bottomright" });
    control.onAdd = function () {
      var div = L.DomUtil.create("div", "resigrid-legend");
      div.id = "map-legend";
      var head = document.createElement("div");
      head.className = "fw-semibold mb-1";
      head.textContent = labels.legend;
      div.appendChild(head);
      [["#dc3545", labels.overdue], ["#0d6efd", labels.onTime]].forEach(function (row) {
        var item = document.createElement("div");
        var sw = document.createElement("span");
        sw.className = "swatch";
        sw.style.background = row[0];
        sw.style.borderRadius = "50%";
        item.appendChild(sw);
        item.appendChild(document.createTextNode(row[1]));
        div.appendChild(item);
      });
      return div;
    };
    control.addTo(map);
  }

  fetch(config.geojsonUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    })
    .then(function (data) {
      var renderer = L.canvas();
      var layer = L.geoJSON(data, {
        pointToLayer: function (f, latlng) {
          var late = f.properties.overdue;
          return L.circleMarker(latlng, {
            renderer: renderer,
            radius: late ? 7 : 6,
            color: late ? "#842029" : "#084298",
            weight: 1,
            fillColor: late ? "#dc3545" : "#0d6efd",
            fillOpacity: 0.85,
          });
        },
        onEachFeature: function (f, item) {
          item.bindPopup(function () { return popup(f.properties); });
        },
      }).addTo(map);
      legend();
      if (data.shown > 0) map.fitBounds(layer.getBounds(), { padding: [16, 16], maxZoom: 16, animate: false });
      if (data.shown === 0) {
        statusEl.textContent = labels.empty;
      } else if (data.total > data.shown) {
        statusEl.textContent = labels.truncated.replace("%(shown)s", data.shown).replace("%(total)s", data.total);
      } else {
        statusEl.textContent = labels.count.replace("%(shown)s", data.shown);
      }
      many.dataset.loaded = "true";
      many.dataset.shown = String(data.shown);
    })
    .catch(function () { statusEl.textContent = labels.error; });
})();
