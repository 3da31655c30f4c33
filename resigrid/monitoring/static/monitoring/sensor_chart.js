(function () {
  "use strict";
  var source = document.getElementById("sensor-chart-data");
  var el = document.getElementById("sensor-chart");
  if (!source || !el || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var chart = window.echarts.init(el, null, { renderer: "canvas" });
  chart.setOption({
    animation: false,
    tooltip: { trigger: "axis" },
    grid: { left: 48, right: 16, top: 16, bottom: 56 },
    xAxis: { type: "time" },
    yAxis: { type: "value", scale: true, name: data.unit },
    dataZoom: [{ type: "slider", height: 16, bottom: 8 }, { type: "inside" }],
    series: [{
      name: data.name,
      type: "line",
      showSymbol: data.points.length < 60,
      data: data.points,
      markLine: {
        symbol: "none",
        lineStyle: { color: "#dc3545", type: "dashed" },
        label: { formatter: "{b}" },
        data: data.levels.map(function (l) { return { name: l.name, yAxis: l.value }; })
      }
    }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
