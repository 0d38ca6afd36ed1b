/* outreach-map: a plan's page follows its job (queued, being made) and shows the result when it is ready. */
(function () {
  "use strict";
  var box = document.getElementById("job-progress");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-status-url");
  var ordinal = function (n) {
    var tail = (n % 100 >= 11 && n % 100 <= 13) ? "th" : ({1: "st", 2: "nd", 3: "rd"}[n % 10] || "th");
    return n + tail;
  };
  function words(s) {
    if (s.status === "queued") {
      var text = "Queued" + (s.position ? ": " + ordinal(s.position) + " in line" : "");
      if (s.running) { text += ", behind " + s.running + " plan" + (s.running > 1 ? "s" : "") + " being made"; }
      return text;
    }
    return "Being made: " + s.percent + "%";
  }
  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}}).then(function (r) {
      if (!r.ok) { throw new Error(String(r.status)); }
      return r.json();
    }).then(function (s) {
      if (s.status === "done" || s.status === "failed") { window.location.reload(); return; }
      document.getElementById("job-state").textContent = words(s);
      document.getElementById("plan-progress").value = s.percent;
      document.getElementById("plan-progress").textContent = s.percent + "%";
      document.getElementById("job-message").textContent = s.message;
      window.setTimeout(poll, 2000);
    }).catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
}());
