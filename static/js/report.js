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

// A half-filled report survives a timed-out session: answers are kept in this tab's
// sessionStorage (never on the server, gone when the tab closes) and put back when the
// form opens again after signing in. The page shown after sending clears them.
(function () {
  "use strict";
  var PREFIX = "report-draft:";
  if (document.querySelector("[data-report-sent]")) {
    try {
      Object.keys(sessionStorage).forEach(function (key) {
        if (key.indexOf(PREFIX) === 0) sessionStorage.removeItem(key);
      });
    } catch (e) { /* storage unavailable: nothing kept */ }
    return;
  }
  var form = document.getElementById("report-form");
  if (!form) return;
  var key = PREFIX + window.location.pathname;
  var SKIP = { csrfmiddlewaretoken: true, submission_key: true };

  function save() {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || SKIP[el.name]) return;
      if (el.type === "checkbox" || el.type === "radio") {
        if (el.checked) data[el.name + "=" + el.value] = true;
      } else if (el.value) {
        data[el.name] = el.value;
      }
    });
    try { sessionStorage.setItem(key, JSON.stringify(data)); } catch (e) { /* full or off */ }
  }

  function restore() {
    var raw;
    try { raw = sessionStorage.getItem(key); } catch (e) { return; }
    if (!raw) return;
    // Answers the server sent back (a form with errors) win over the draft.
    if (form.querySelector(".is-invalid")) return;
    var data = JSON.parse(raw);
    var restored = false;
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || SKIP[el.name]) return;
      if (el.type === "checkbox" || el.type === "radio") {
        if (data[el.name + "=" + el.value]) { el.checked = true; restored = true; }
      } else if (data[el.name] !== undefined) {
        el.value = data[el.name];
        restored = true;
      }
    });
    if (!restored) return;
    form.querySelectorAll(".sign-toggle").forEach(function (box) {
      box.dispatchEvent(new Event("change"));
    });
    var note = document.getElementById("draft-restored");
    if (note) note.hidden = false;
  }

  restore();
  form.addEventListener("input", save);
  form.addEventListener("change", save);
})();
