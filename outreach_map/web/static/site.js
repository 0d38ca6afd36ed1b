/* outreach-map: quick exit (button, and Escape pressed twice), "use my location", sortable tables. */
(function () {
  "use strict";
  var exit = document.getElementById("quick-exit");
  function leave(event) {
    if (event) { event.preventDefault(); }
    var url = exit ? exit.getAttribute("data-url") : "https://www.bbc.co.uk/weather";
    document.body.style.display = "none";
    window.location.replace(url);  // replaces this page in the history
  }
  if (exit) { exit.addEventListener("click", leave); }
  var lastEscape = 0;
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var now = Date.now();
    if (now - lastEscape < 1500) { leave(event); }
    lastEscape = now;
  });

  var locate = document.getElementById("use-location");
  if (locate && navigator.geolocation) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      var status = document.getElementById("location-status");
      status.textContent = "Finding your location…";
      navigator.geolocation.getCurrentPosition(function (pos) {
        // Sent in the body of a POST: the position never appears in an address or the browser's history.
        var form = document.createElement("form");
        form.method = "post";
        form.action = locate.getAttribute("data-action");
        [["lat", pos.coords.latitude], ["lon", pos.coords.longitude]].forEach(function (pair) {
          var input = document.createElement("input");
          input.type = "hidden";
          input.name = pair[0];
          input.value = pair[1].toFixed(5);
          form.appendChild(input);
        });
        document.body.appendChild(form);
        form.submit();
      }, function () { status.textContent = "Your location is not available. Type a village or postcode instead."; });
    });
  }

  // A page waiting for a background job asks for its status every 2 s (no meta refresh), then shows the result.
  var poll = document.querySelector("[data-poll]");
  if (poll && window.fetch) {
    var tick = function () {
      fetch(poll.getAttribute("data-poll"), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (s) {
          if (!s) { return; }
          if (s.status === "done" || s.status === "failed") { window.location.reload(); return; }
          var bar = poll.querySelector("progress");
          if (bar) { bar.value = s.percent; bar.textContent = s.percent + "%"; }
          var text = poll.querySelector(".poll-text");
          if (text) { text.textContent = s.percent + "% " + (s.message || ""); }
          window.setTimeout(tick, 2000);
        })
        .catch(function () { window.setTimeout(tick, 4000); });
    };
    window.setTimeout(tick, 2000);
  }

  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    Array.prototype.forEach.call(table.querySelectorAll("button.sort"), function (button, column) {
      button.addEventListener("click", function () {
        var body = table.tBodies[0];
        var numeric = button.getAttribute("data-numeric") === "1";
        var th = button.parentNode;
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(table.querySelectorAll("th"), function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[column], y = b.cells[column];
          var vx = numeric ? parseFloat(x.getAttribute("data-value")) : x.textContent.trim();
          var vy = numeric ? parseFloat(y.getAttribute("data-value")) : y.textContent.trim();
          var c = numeric ? vx - vy : vx.localeCompare(vy);
          return ascending ? c : -c;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });
}());
