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
        var q = pos.coords.latitude.toFixed(5) + "," + pos.coords.longitude.toFixed(5);
        window.location.href = "/search?q=" + encodeURIComponent(q);
      }, function () { status.textContent = "Your location is not available. Type a village or postcode instead."; });
    });
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
