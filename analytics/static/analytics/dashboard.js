// Draws the dashboard's charts from the figures the page embeds (the same as its tables).
// Colours come with the figures (one per topic on every chart, one per platform); every bar is
// labelled with its figure; a partial step of the volume chart is drawn paler and marked "*".
(function () {
  "use strict";
  const palette = ["#417690", "#e6a23c", "#67c23a", "#c0392b", "#8e44ad", "#16a085", "#d35400", "#2c3e50"];
  const charts = JSON.parse(document.getElementById("gf-charts").textContent);
  const textColour = getComputedStyle(document.body).color || "#333";

  // The figure at the end of each bar; on stacked bars, the total above each stack.
  const valueLabels = {
    id: "gfValueLabels",
    afterDatasetsDraw(chart) {
      const options = chart.options.plugins.gfValueLabels;
      if (!options) return;
      const ctx = chart.ctx;
      ctx.save();
      ctx.font = "12px sans-serif";
      ctx.fillStyle = textColour;
      const metas = chart.data.datasets.map((_, i) => chart.getDatasetMeta(i)).filter((m) => !m.hidden);
      if (options.stacked) {
        ctx.textAlign = "center";
        ctx.textBaseline = "bottom";
        chart.data.labels.forEach((_, index) => {
          let total = 0;
          let top = Infinity;
          let x = null;
          for (const meta of metas) {
            total += Number(chart.data.datasets[meta.index].data[index]) || 0;
            const bar = meta.data[index];
            if (bar) { top = Math.min(top, bar.y); x = bar.x; }
          }
          if (x !== null && total > 0) ctx.fillText(String(total), x, top - 2);
        });
      } else {
        ctx.textAlign = "left";
        ctx.textBaseline = "middle";
        for (const meta of metas) {
          meta.data.forEach((bar, index) => {
            const value = chart.data.datasets[meta.index].data[index];
            ctx.fillText(String(value) + (options.unit ? " " + options.unit : ""), bar.x + 4, bar.y);
          });
        }
      }
      ctx.restore();
    },
  };

  const pale = (colour) => (/^#[0-9a-f]{6}$/i.test(colour) ? colour + "66" : colour);

  for (const chart of charts) {
    const canvas = document.getElementById("chart-" + chart.key);
    if (!canvas) continue;
    if (chart.type === "bar") {  // each bar has room for its label and its figure
      canvas.parentNode.style.height = Math.max(120, 28 * chart.labels.length + 50) + "px";
    }
    let config;
    if (chart.type === "stacked") {
      const partial = chart.partial || [];
      config = {
        type: "bar",
        data: {
          labels: chart.labels,
          datasets: chart.series.map((series, i) => {
            const colour = series.color || palette[i % palette.length];
            return {
              label: series.label, data: series.values,
              backgroundColor: series.values.map((_, index) => (partial[index] ? pale(colour) : colour)),
            };
          }),
        },
        options: {
          layout: { padding: { top: 18 } },
          scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
          plugins: { legend: { display: true, position: "right" }, gfValueLabels: { stacked: true } },
        },
      };
    } else if (chart.type === "line") {  // a snapshot computed before the volume chart had bars
      config = {
        type: "line",
        data: {
          labels: chart.labels,
          datasets: chart.series.map((series, i) => ({
            label: series.label, data: series.values, tension: 0.2, pointRadius: 2,
            borderColor: series.color || palette[i % palette.length],
            backgroundColor: series.color || palette[i % palette.length],
          })),
        },
        options: { plugins: { legend: { display: true, position: "right" } } },
      };
    } else {
      const colours = chart.colors || (chart.type === "doughnut" ? palette : palette[0]);
      config = {
        type: chart.type === "doughnut" ? "doughnut" : "bar",
        data: { labels: chart.labels, datasets: [{ label: chart.label || "", data: chart.values, backgroundColor: colours }] },
        options: chart.type === "doughnut"
          ? { plugins: { legend: { display: true, position: "right" } } }
          : {
            indexAxis: "y",
            layout: { padding: { right: 48 } },
            scales: { x: { beginAtZero: true, ticks: { precision: chart.unit ? undefined : 0 } } },
            plugins: { legend: { display: false }, gfValueLabels: { unit: chart.unit || "" } },
          },
      };
    }
    config.options = { responsive: true, maintainAspectRatio: false, animation: false, ...config.options };
    config.plugins = [valueLabels];
    new Chart(canvas, config);
  }
})();
