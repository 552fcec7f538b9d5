// Draws the dashboard's charts from the figures the page embeds (the same as its tables).
(function () {
  "use strict";
  const palette = ["#417690", "#e6a23c", "#67c23a", "#c0392b", "#8e44ad", "#16a085", "#7f8c8d", "#d35400"];
  const charts = JSON.parse(document.getElementById("gf-charts").textContent);
  for (const chart of charts) {
    const canvas = document.getElementById("chart-" + chart.key);
    if (!canvas) continue;
    let data;
    if (chart.type === "line") {
      data = {
        labels: chart.labels,
        datasets: chart.series.map((series, i) => ({
          label: series.label, data: series.values, borderColor: palette[i % palette.length],
          backgroundColor: palette[i % palette.length], tension: 0.2, pointRadius: 2,
        })),
      };
    } else {
      data = {
        labels: chart.labels,
        datasets: [{
          label: chart.label || "", data: chart.values,
          backgroundColor: chart.type === "doughnut" ? palette : palette[0],
        }],
      };
    }
    new Chart(canvas, {
      type: chart.type,
      data: data,
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        indexAxis: chart.type === "bar" ? "y" : "x",
        plugins: { legend: { display: chart.type !== "bar", position: "right" } },
      },
    });
  }
})();
