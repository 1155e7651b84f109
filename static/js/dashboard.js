// Dashboard charts (ECharts 5.6.0, vendored). The figures come from the JSON data island
// the page renders with Django's json_script; no inline script (CSP script-src 'self').
(function () {
  "use strict";

  var BRAND = "#17427a";
  var DANGER = "#b8261f";
  var WARN = "#a86400";
  var OK = "#1e7a46";
  var PALETTE = [BRAND, "#3d7cc9", "#7aa7dd", WARN, DANGER, OK, "#6b5b95", "#8c8c8c", "#c9a227"];
  var FONT = '"PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif';

  function readData() {
    var island = document.getElementById("dashboard-data");
    if (!island) return null;
    try {
      return JSON.parse(island.textContent);
    } catch (e) {
      return null;
    }
  }

  var charts = [];

  function make(id, option) {
    var el = document.getElementById(id);
    if (!el) return null;
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    option.color = option.color || PALETTE;
    option.textStyle = { fontFamily: FONT };
    option.animation = false;
    chart.setOption(option);
    charts.push(chart);
    return chart;
  }

  function names(rows) {
    return rows.map(function (r) { return r.name; });
  }

  function values(rows, key) {
    return rows.map(function (r) { return r[key || "value"]; });
  }

  function total(rows) {
    return rows.reduce(function (sum, r) { return sum + (r.value || 0); }, 0);
  }

  function empty(id, text) {
    var el = document.getElementById(id);
    if (el) {
      el.classList.add("empty");
      el.style.height = "auto";
      el.textContent = text || "暂无数据";
    }
  }

  function pie(id, rows, colours, emptyText) {
    if (!total(rows)) return empty(id, emptyText);
    var shown = [];
    var palette = [];
    rows.forEach(function (r, i) {
      if (r.value > 0) {
        shown.push(r);
        palette.push((colours || PALETTE)[i % (colours || PALETTE).length]);
      }
    });
    make(id, {
      color: palette,
      tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）" },
      legend: { bottom: 0 },
      series: [{
        type: "pie",
        radius: ["35%", "62%"],
        center: ["50%", "44%"],
        label: { formatter: "{c}" },
        data: shown
      }]
    });
  }

  function hbar(id, rows, colour) {
    if (!total(rows)) return empty(id);
    make(id, {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 8, right: 36, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: names(rows).reverse(), axisTick: { show: false } },
      series: [{
        type: "bar",
        data: values(rows).reverse(),
        itemStyle: { color: colour || BRAND },
        label: { show: true, position: "right" },
        barMaxWidth: 18
      }]
    });
  }

  function draw(data) {
    var trend = data.trend || [];
    make("chart-trend", {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: trend.map(function (t) { return t.month; }) },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: "受理事件", type: "bar", data: values(trend, "total"), itemStyle: { color: "#7aa7dd" }, barMaxWidth: 28 },
        { name: "认定欺凌", type: "line", data: values(trend, "bullying"), itemStyle: { color: BRAND } },
        { name: "严重及以上", type: "line", data: values(trend, "serious"), itemStyle: { color: DANGER } }
      ]
    });

    var children = data.children || [];
    if (children.length) {
      var chart = make("chart-children", {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        legend: { top: 0 },
        grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
        xAxis: {
          type: "category",
          data: names(children),
          axisLabel: { interval: 0, rotate: children.length > 6 ? 30 : 0 }
        },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: "受理事件", type: "bar", data: values(children, "total"), itemStyle: { color: BRAND }, barMaxWidth: 32 },
          { name: "调查超期", type: "bar", data: values(children, "overdue"), itemStyle: { color: DANGER }, barMaxWidth: 32 }
        ]
      });
      if (chart) {
        chart.on("click", function (params) {
          var row = children[params.dataIndex];
          if (row && row.url) window.location.href = row.url;
        });
      }
    }

    hbar("chart-severity", data.severity || [], DANGER);
    hbar("chart-form", data.form || []);
    hbar("chart-source", data.source || [], "#3d7cc9");

    var grades = data.grade || [];
    if (grades.length) {
      make("chart-grade", {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        legend: { top: 0 },
        grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
        xAxis: { type: "category", data: grades.map(function (g) { return g.grade; }) },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: "受欺凌学生", type: "bar", data: values(grades, "victim"), itemStyle: { color: "#3d7cc9" }, barMaxWidth: 28 },
          { name: "实施欺凌学生", type: "bar", data: values(grades, "perpetrator"), itemStyle: { color: WARN }, barMaxWidth: 28 }
        ]
      });
    } else {
      empty("chart-grade");
    }

    pie("chart-investigations", data.investigations || [], [OK, WARN, DANGER]);

    var reports = data.reports || [];
    var anyReport = reports.some(function (r) { return r.on_time + r.late > 0; });
    if (anyReport) {
      make("chart-reports", {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        legend: { top: 0 },
        grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
        xAxis: { type: "category", data: names(reports) },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: "按时报送", type: "bar", stack: "r", data: values(reports, "on_time"), itemStyle: { color: OK }, barMaxWidth: 40 },
          { name: "迟报", type: "bar", stack: "r", data: values(reports, "late"), itemStyle: { color: DANGER }, barMaxWidth: 40 }
        ]
      });
    } else {
      empty("chart-reports", "暂无事件报告");
    }

    if (data.appeals) pie("chart-appeals", data.appeals, [OK, DANGER, "#8c8c8c", BRAND], "暂无申诉");
  }

  document.addEventListener("DOMContentLoaded", function () {
    var data = readData();
    if (!data || !window.echarts) return;
    draw(data);
    var pending = null;
    window.addEventListener("resize", function () {
      if (pending) window.clearTimeout(pending);
      pending = window.setTimeout(function () {
        charts.forEach(function (c) { c.resize(); });
      }, 150);
    });
  });
})();
