/* Results of a simulation run: ECharts (curves with bands, Pareto, shelter loads) and a Leaflet
   map (per-grid choropleth, risk points). Data come from #sim-data; text is set with
   textContent or Leaflet tooltips of plain strings, never as HTML. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("sim-data").textContent);
  var r = data.results;
  var charts = [];
  var COLOURS = ["#0d6efd", "#dc3545", "#198754", "#fd7e14", "#6f42c1", "#20c997", "#6c757d"];

  function chart(id, option) {
    var el = document.getElementById(id);
    if (!el || !window.echarts) return;
    var c = window.echarts.init(el, null, { renderer: "canvas" });
    c.setOption(option);
    charts.push(c);
  }

  if (r.kind === "epidemic") {
    var days = [];
    for (var d = 0; d <= r.days; d++) days.push(d);
    var series = [];
    r.strategies.forEach(function (s, i) {
      var band = s.series.I;
      if (!band) return;
      var colour = COLOURS[i % COLOURS.length];
      var width = band.q95.map(function (v, k) { return Math.max(0, v - band.q05[k]); });
      series.push({ name: s.name, type: "line", data: band.q05, stack: "band" + i, lineStyle: { opacity: 0 },
                    symbol: "none", tooltip: { show: false }, color: colour });
      series.push({ name: s.name, type: "line", data: width, stack: "band" + i, lineStyle: { opacity: 0 },
                    areaStyle: { color: colour, opacity: 0.15 }, symbol: "none", color: colour });
      series.push({ name: s.name, type: "line", data: band.median, symbol: "none", color: colour,
                    lineStyle: { width: s.name === r.best ? 3 : 1.5 } });
    });
    chart("chart-curves", {
      animation: false, tooltip: { trigger: "axis" }, legend: { type: "scroll", top: 0 },
      grid: { left: 48, right: 16, top: 36, bottom: 32 },
      xAxis: { type: "category", data: days }, yAxis: { type: "value" }, series: series
    });
    chart("chart-pareto", {
      animation: false, tooltip: { trigger: "item", formatter: function (p) { return p.data[2]; } },
      grid: { left: 56, right: 16, top: 16, bottom: 40 },
      xAxis: { type: "value", name: r.pareto.x, nameLocation: "middle", nameGap: 24 },
      yAxis: { type: "value", name: r.pareto.y },
      series: [{ type: "scatter", symbolSize: 14, data: r.pareto.points.map(function (p) {
        return { value: [p.x, p.y, p.name], itemStyle: { color: r.pareto.front.indexOf(p.name) >= 0 ? "#198754" : "#adb5bd" } };
      }), label: { show: true, position: "right", formatter: function (p) { return p.data.value[2]; } } }]
    });
  } else if (r.kind === "evacuation") {
    chart("chart-shelters", {
      animation: false, tooltip: { trigger: "axis" }, legend: { top: 0 },
      grid: { left: 48, right: 16, top: 36, bottom: 48 },
      xAxis: { type: "category", data: r.shelters.map(function (s) { return s.name; }) },
      yAxis: { type: "value" },
      series: [
        { name: "capacity", type: "bar", data: r.shelters.map(function (s) { return s.capacity; }), color: "#ced4da" },
        { name: "load", type: "bar", data: r.shelters.map(function (s) { return s.load; }), color: "#0d6efd" }
      ]
    });
  }

  // The map: grid polygons coloured by the best strategy's attack rate (epidemic) or plain.
  var mapEl = document.getElementById("sim-map");
  if (mapEl && window.L) {
    var map = L.map(mapEl, { zoomSnap: 0.25, attributionControl: data.tiles.length > 0 });
    data.tiles.forEach(function (t) { L.tileLayer(t.url, t.options).addTo(map); });
    var rates = {};
    if (r.kind === "epidemic") {
      r.grids.forEach(function (g, i) { rates[g.id] = r.per_grid[r.best].attack_rate[i]; });
    }
    function colour(v) {
      if (v === undefined || v === null) return "#cfe2ff";
      return v >= 60 ? "#b10026" : v >= 40 ? "#e31a1c" : v >= 20 ? "#fd8d3c" : v >= 5 ? "#fecc5c" : "#ffffb2";
    }
    var layers = L.featureGroup().addTo(map);
    data.grids.forEach(function (g) {
      var rate = rates[g.id];
      var poly = L.geoJSON(g.boundary, { style: { color: "#555", weight: 1, fillColor: colour(rate), fillOpacity: 0.6 } });
      poly.bindTooltip(g.name + (rate !== undefined ? ": " + rate + "%" : ""), { sticky: true });
      poly.addTo(layers);
    });
    (r.risk_points || []).forEach(function (p) {
      if (p.lon === null || p.lat === null || p.lon === undefined) return;
      L.circleMarker([p.lat, p.lon], { radius: 7, color: "#dc3545", weight: 2, fillOpacity: 0.7 })
        .bindTooltip(p.name).addTo(layers);
    });
    (r.shelters || []).forEach(function (s) {
      L.circleMarker([s.lat, s.lon], { radius: 8, color: "#198754", weight: 2, fillOpacity: 0.8 })
        .bindTooltip(s.name + ": " + s.load + " / " + s.capacity).addTo(layers);
    });
    if (r.suggestion) {
      L.circleMarker([r.suggestion.lat, r.suggestion.lon], { radius: 9, color: "#6f42c1", weight: 3 })
        .bindTooltip(r.suggestion.name).addTo(layers);
    }
    if (layers.getLayers().length) map.fitBounds(layers.getBounds(), { padding: [16, 16], animate: false });
    else map.setView([30.27, 120.13], 13);
    mapEl.dataset.loaded = "true";
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
