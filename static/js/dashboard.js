// Dashboard charts, drawn from JSON script elements (no inline script; the same figures
// are in the tables beside each chart).
(function () {
  "use strict";
  if (typeof Chart === "undefined") return;
  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  var snapshots = data("snapshot-data");
  var trendCanvas = document.getElementById("trend-chart");
  if (snapshots && trendCanvas) {
    new Chart(trendCanvas, {
      type: "line",
      data: {
        labels: snapshots.map(function (s) { return s.date; }),
        datasets: [
          { label: "Overdue", data: snapshots.map(function (s) { return s.total; }), borderColor: "#0d6efd" },
          { label: "Over 90 days", data: snapshots.map(function (s) { return s.over; }), borderColor: "#dc3545" }
        ]
      },
      options: { maintainAspectRatio: false, animation: false, scales: { y: { beginAtZero: true } } }
    });
  }
  var adherence = data("adherence-data");
  var adherenceCanvas = document.getElementById("adherence-chart");
  if (adherence && adherenceCanvas) {
    new Chart(adherenceCanvas, {
      type: "bar",
      data: {
        labels: adherence.map(function (r) { return r.label; }),
        datasets: [{ label: "% completed within the window", data: adherence.map(function (r) { return r.share; }),
                     backgroundColor: "rgba(25, 135, 84, 0.6)" }]
      },
      options: { maintainAspectRatio: false, animation: false, scales: { y: { min: 0, max: 100 } } }
    });
  }
  var delivery = data("delivery-data");
  var deliveryCanvas = document.getElementById("delivery-chart");
  if (delivery && deliveryCanvas) {
    new Chart(deliveryCanvas, {
      type: "bar",
      data: {
        labels: delivery.map(function (r) { return r.channel; }),
        datasets: [
          { label: "Sent", data: delivery.map(function (r) { return r.sent; }), backgroundColor: "#198754" },
          { label: "Failed", data: delivery.map(function (r) { return r.failed; }), backgroundColor: "#dc3545" },
          { label: "Not sent", data: delivery.map(function (r) { return r.skipped; }), backgroundColor: "#ffc107" }
        ]
      },
      options: { maintainAspectRatio: false, animation: false }
    });
  }
})();
