// Charts of the 数据公开 page: reads the JSON block written by the server (the same numbers as
// each chart's table and CSV) and draws it with the vendored Apache ECharts. No inline script,
// no eval: the page's Content-Security-Policy allows scripts from /static only.
(function () {
  "use strict";
  var node = document.getElementById("stats-data");
  if (!node || !window.echarts) { return; }
  var charts = JSON.parse(node.textContent);
  var drawn = [];
  var palette = ["#1f5fa8", "#2e8b57", "#d08a1e", "#b23b3b", "#6b5fa8"];
  charts.forEach(function (c) {
    var el = document.getElementById("chart-" + c.id);
    if (!el || !c.categories.length) { return; }
    var horizontal = c.kind === "barh";
    var narrow = el.clientWidth < 560;
    var categoryAxis = {
      type: "category",
      data: c.categories,
      inverse: horizontal,
      axisLabel: {
        // Every bar of a horizontal chart is named; a time axis drops labels that would overlap.
        interval: horizontal ? 0 : "auto",
        hideOverlap: !horizontal,
        width: horizontal ? (narrow ? 110 : 220) : undefined,
        overflow: "truncate",
        rotate: horizontal ? 0 : (narrow ? 45 : (c.categories.length > 6 ? 30 : 0))
      }
    };
    // The unit is in the chart's title; a horizontal chart's axis name would be cut at the edge.
    var valueAxis = {
      type: "value",
      name: horizontal ? "" : c.unit,
      min: 0,
      max: c.unit === "%" ? 100 : null
    };
    var chart = window.echarts.init(el);
    chart.setOption({
      animation: false,
      color: palette,
      tooltip: { trigger: "axis", confine: true },
      legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: 24, bottom: 8, top: 52, containLabel: true },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? categoryAxis : valueAxis,
      series: c.series.map(function (s) {
        return {
          name: s.name,
          type: c.kind === "line" ? "line" : "bar",
          data: s.data,
          connectNulls: true,
          barMaxWidth: 28
        };
      })
    });
    drawn.push(chart);
    el.setAttribute("data-drawn", "1");
  });
  window.addEventListener("resize", function () {
    drawn.forEach(function (chart) { chart.resize(); });
  });
}());
