// Symptom trends on the patient page: number of warning signs per report (bars) and the
// worry and distress ratings (lines). The data comes from a JSON script element, so no
// inline script is needed; the same data is in the table under the chart.
(function () {
  "use strict";
  var source = document.getElementById("trend-data");
  var canvas = document.getElementById("trend-chart");
  if (!source || !canvas || typeof Chart === "undefined") return;
  var rows = JSON.parse(source.textContent);
  new Chart(canvas, {
    data: {
      labels: rows.map(function (r) { return r.date; }),
      datasets: [
        { type: "bar", label: "Warning signs reported", data: rows.map(function (r) { return r.signs; }),
          backgroundColor: "rgba(13, 110, 253, 0.35)", yAxisID: "signs" },
        { type: "line", label: "Worry (0-10)", data: rows.map(function (r) { return r.worry; }),
          borderColor: "#d63384", spanGaps: true, yAxisID: "rating" },
        { type: "line", label: "Distress (0-10)", data: rows.map(function (r) { return r.distress; }),
          borderColor: "#fd7e14", borderDash: [6, 4], spanGaps: true, yAxisID: "rating" }
      ]
    },
    options: {
      maintainAspectRatio: false,
      animation: false,
      scales: {
        signs: { position: "left", beginAtZero: true, ticks: { precision: 0 },
                 title: { display: true, text: "Signs" } },
        rating: { position: "right", min: 0, max: 10, grid: { drawOnChartArea: false },
                  title: { display: true, text: "Rating" } }
      },
      plugins: {
        tooltip: { callbacks: { afterBody: function (items) {
          var row = rows[items[0].dataIndex];
          return row.labels.length ? row.labels : ["No warning signs"];
        } } }
      }
    }
  });
})();
