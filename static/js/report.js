// Symptom report: show the questions about a sign only once it is ticked.
// Without JavaScript every question is visible, and the form works the same.
(function () {
  "use strict";
  function sync(box) {
    var details = document.getElementById(box.getAttribute("aria-controls"));
    if (!details) return;
    details.hidden = !box.checked;
    box.setAttribute("aria-expanded", box.checked ? "true" : "false");
  }
  document.querySelectorAll("#report-form .sign-toggle").forEach(function (box) {
    var details = document.getElementById(box.getAttribute("aria-controls"));
    // Keep a sign open if the server marked one of its answers as wrong.
    if (details && details.querySelector(".is-invalid")) box.checked = true;
    sync(box);
    box.addEventListener("change", function () { sync(box); });
  });
  // After a refused submit, keyboard and screen-reader users start at the list of problems.
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
