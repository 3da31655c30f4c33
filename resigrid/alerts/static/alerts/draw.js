/* Drawing the optional alert polygon: clicks add corners, "close" ends a polygon, the result
   is written to the GeoJSON textarea (#id_polygons) as a MultiPolygon; a GeoJSON pasted into
   the textarea is drawn back. No third-party drawing plugin: a few clicks are all it needs. */
(function () {
  "use strict";
  var el = document.getElementById("draw-map");
  var box = document.getElementById("id_polygons");
  if (!el || !box) return;
  var config = JSON.parse(document.getElementById("draw-map-config").textContent);
  var map = L.map(el, { zoomSnap: 0.25, attributionControl: config.tiles.length > 0 });
  config.tiles.forEach(function (t) { L.tileLayer(t.url, t.options).addTo(map); });
  if (config.outline) {
    var outline = L.geoJSON(config.outline, { style: { color: "#6c757d", weight: 2, fill: false, dashArray: "4 4" } }).addTo(map);
    map.fitBounds(outline.getBounds(), { animate: false });
  } else {
    map.setView([30.27, 120.13], 12);
  }
  var done = [];      // closed rings, each [[lon, lat], …]
  var current = [];   // corners of the polygon being drawn, [lat, lng]
  var layer = L.layerGroup().addTo(map);

  function write() {
    if (!done.length) { box.value = ""; return; }
    box.value = JSON.stringify({
      type: "MultiPolygon",
      coordinates: done.map(function (ring) { return [ring]; })
    });
  }

  function redraw() {
    layer.clearLayers();
    done.forEach(function (ring) {
      L.polygon(ring.map(function (p) { return [p[1], p[0]]; }), { color: "#c8102e", weight: 2 }).addTo(layer);
    });
    if (current.length) {
      L.polyline(current, { color: "#c8102e", dashArray: "3 5" }).addTo(layer);
      current.forEach(function (p) { L.circleMarker(p, { radius: 4, color: "#c8102e" }).addTo(layer); });
    }
    el.dataset.rings = String(done.length);
  }

  function read() {
    done = [];
    var text = box.value.trim();
    if (!text) { redraw(); return; }
    try {
      var g = JSON.parse(text);
      var polys = g.type === "Polygon" ? [g.coordinates] : g.type === "MultiPolygon" ? g.coordinates : [];
      polys.forEach(function (p) { if (p && p[0]) done.push(p[0]); });
    } catch (e) { /* the server names the error */ }
    redraw();
  }

  map.on("click", function (e) {
    current.push([e.latlng.lat, e.latlng.lng]);
    redraw();
  });
  document.getElementById("draw-finish").addEventListener("click", function () {
    if (current.length < 3) return;
    var ring = current.map(function (p) { return [Number(p[1].toFixed(6)), Number(p[0].toFixed(6))]; });
    ring.push(ring[0]);
    done.push(ring);
    current = [];
    write();
    redraw();
  });
  document.getElementById("draw-clear").addEventListener("click", function () {
    done = []; current = []; write(); redraw();
  });
  box.addEventListener("change", read);
  read();
  el.dataset.loaded = "true";
})();
