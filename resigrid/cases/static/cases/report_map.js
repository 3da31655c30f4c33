/* The report form's map: tap the map (or use the browser's location) to set the place; the
   point goes into the hidden lon/lat inputs and a "point-set" event asks the server (htmx) for
   the grid and open cases of the same kind nearby. Also lists chosen photos and stops a double
   submission. Texts come from #report-map-config; data are written with textContent only. */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("report-map-config").textContent);
  var labels = config.labels;
  var form = document.getElementById("report-form");
  var lonInput = document.getElementById("id_lon");
  var latInput = document.getElementById("id_lat");
  var statusEl = document.getElementById("point-status");
  var mapEl = document.getElementById("report-map");

  var map = L.map(mapEl, { zoomSnap: 0.25, attributionControl: config.tiles.length > 0 });
  config.tiles.forEach(function (t) { L.tileLayer(t.url, t.options).addTo(map); });
  if (config.bounds) {
    map.fitBounds(config.bounds, { padding: [8, 8], animate: false });
  } else {
    map.setView([30.27, 120.13], 13);
  }
  window.ResigridReportMap = map; // for people (and tests) who need to reach the map

  var marker = null;

  function round(v) { return Math.round(v * 1e6) / 1e6; }

  function setPoint(latlng, message) {
    if (marker === null) {
      marker = L.marker(latlng, { draggable: true, keyboard: true }).addTo(map);
      marker.on("dragend", function () { setPoint(marker.getLatLng(), labels.pinned); });
    } else {
      marker.setLatLng(latlng);
    }
    lonInput.value = String(round(latlng.lng));
    latInput.value = String(round(latlng.lat));
    mapEl.dataset.pinned = "true";
    statusEl.textContent = message;
    form.dispatchEvent(new CustomEvent("point-set", { bubbles: true }));
  }

  map.on("click", function (e) { setPoint(e.latlng, labels.pinned); });

  // After a refused submission the point is still in the form: show it again.
  if (lonInput.value && latInput.value) {
    var start = L.latLng(parseFloat(latInput.value), parseFloat(lonInput.value));
    setPoint(start, labels.pinned);
    map.setView(start, Math.max(map.getZoom(), 15), { animate: false });
  }

  var locate = document.getElementById("locate-me");
  if (!("geolocation" in navigator)) {
    locate.disabled = true;
  }
  locate.addEventListener("click", function () {
    statusEl.textContent = labels.locating;
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        var here = L.latLng(pos.coords.latitude, pos.coords.longitude);
        map.setView(here, 17, { animate: false });
        setPoint(here, labels.located);
      },
      function () { statusEl.textContent = labels.denied; },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  });

  // Show the names of the chosen photos (both inputs share the field's name).
  var photoInputs = form.querySelectorAll("input[type=file]");
  var names = form.querySelector("[data-photo-names]");
  function listPhotos() {
    if (!names) return;
    names.replaceChildren();
    photoInputs.forEach(function (input) {
      Array.prototype.forEach.call(input.files || [], function (f) {
        var li = document.createElement("li");
        li.textContent = f.name;
        names.appendChild(li);
      });
    });
  }
  photoInputs.forEach(function (input) { input.addEventListener("change", listPhotos); });

  form.addEventListener("submit", function () {
    var button = document.getElementById("report-submit");
    // Let this submission go, then stop a second tap from sending the report twice.
    window.setTimeout(function () { button.disabled = true; }, 0);
  });
})();
