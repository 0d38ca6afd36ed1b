/* outreach-map: light maps drawn from the page's JSON data block (no inline script, no folium).
 *
 * <div class="map-wrap" data-map-source="ID"> holds the map; <script type="application/json" id="ID">
 * holds what to draw: points, lines, remote layers, the site's own base map and (only when the
 * `tiles` setting names one) an external tile server. Labels are set as text, never as HTML.
 */
(function () {
  "use strict";
  if (typeof L === "undefined") { return; }

  function text(value) {
    var span = document.createElement("span");
    span.textContent = value;
    return span;
  }

  var BASE_STYLE = {
    outline: { color: "#4d4d4d", weight: 2, fillColor: "#f6f3ea", fillOpacity: 0.7 },
    motorway: { color: "#2f5f9e", weight: 4, opacity: 0.9 },
    link: { color: "#8c8c8c", weight: 1, opacity: 0.8, dashArray: "3 4" }
  };
  var LABEL_FROM_ZOOM = { town: 0, village: 11, hamlet: 12 };
  var LINKS_FROM_ZOOM = 12;

  function drawBase(map, data) {
    var groups = { town: L.layerGroup(), village: L.layerGroup(), hamlet: L.layerGroup(), link: L.layerGroup() };
    var shapes = L.layerGroup().addTo(map);
    data.features.forEach(function (f) {
      var layer = f.properties.layer;
      if (layer === "place") {
        var group = groups[f.properties.kind] || groups.hamlet;
        var c = f.geometry.coordinates;
        L.marker([c[1], c[0]], {
          pane: "labels", interactive: false, keyboard: false,
          icon: L.divIcon({ className: "place-label place-" + f.properties.kind, html: text(f.properties.name),
                            iconSize: null })
        }).addTo(group);
      } else if (BASE_STYLE[layer]) {
        var style = Object.assign({ pane: "base", interactive: false }, BASE_STYLE[layer]);
        L.geoJSON(f, { style: function () { return style; }, interactive: false, pane: "base" })
          .addTo(layer === "link" ? groups.link : shapes);
      }
    });
    function byZoom() {
      var z = map.getZoom();
      Object.keys(LABEL_FROM_ZOOM).forEach(function (kind) {
        if (z >= LABEL_FROM_ZOOM[kind]) { groups[kind].addTo(map); } else { groups[kind].remove(); }
      });
      if (z >= LINKS_FROM_ZOOM) { groups.link.addTo(map); } else { groups.link.remove(); }
    }
    map.on("zoomend", byZoom);
    byZoom();
  }

  function serviceAreaStyle(f) {
    var m = f.properties.minutes;
    return { color: "#08519c", weight: 1, fillColor: "#6baed6", fillOpacity: m <= 15 ? 0.25 : m <= 30 ? 0.15 : 0.07 };
  }

  function getJSON(url, then) {
    fetch(url, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { then(data); } })
      .catch(function () { /* the map still shows its own points */ });
  }

  function draw(wrap, spec) {
    var canvas = wrap.querySelector(".map-canvas");
    var map = L.map(canvas, { zoomControl: true, scrollWheelZoom: false });
    map.createPane("base").style.zIndex = 250;
    map.createPane("labels").style.zIndex = 380;
    map.getPane("labels").style.pointerEvents = "none";
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution(spec.attribution);
    L.control.scale({ position: "bottomleft", imperial: false }).addTo(map);
    if (spec.tiles) {
      L.tileLayer(spec.tiles.url, { attribution: spec.tiles.attribution, maxZoom: 18 }).addTo(map);
    }
    if (spec.basemap) { getJSON(spec.basemap, function (data) { drawBase(map, data); }); }
    (spec.layers || []).forEach(function (layer) {
      getJSON(layer.url, function (data) {
        L.geoJSON(data, { interactive: false, style: serviceAreaStyle }).addTo(map).bringToBack();
      });
    });
    (spec.lines || []).forEach(function (line) {
      L.polyline(line.coords, { color: line.colour, weight: 3, opacity: 0.85, className: line["class"] })
        .bindTooltip(text(line.label)).addTo(map);
    });
    (spec.points || []).forEach(function (p) {
      L.circleMarker([p.lat, p.lon], {
        radius: p.radius || 6, color: p.ring || "#222222", weight: p.weight || 1,
        fill: !!p.colour, fillColor: p.colour || "#ffffff", fillOpacity: 0.9, className: p["class"]
      }).bindTooltip(text(p.label)).addTo(map);
    });
    var corners = (spec.points || []).map(function (p) { return [p.lat, p.lon]; });
    (spec.lines || []).forEach(function (line) { corners = corners.concat(line.coords); });
    if (corners.length === 1) { map.setView(corners[0], 13); }
    else if (corners.length) { map.fitBounds(L.latLngBounds(corners), { padding: [24, 24], maxZoom: 14 }); }
    else { map.setView([52.2, -1.1], 10); }
    wrap.classList.add("map-ready");
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-map-source]"), function (wrap) {
    var source = document.getElementById(wrap.getAttribute("data-map-source"));
    if (!source) { return; }
    draw(wrap, JSON.parse(source.textContent));
  });

  // On a small screen the key starts folded, so it never hides the map.
  if (window.matchMedia && window.matchMedia("(max-width: 600px)").matches) {
    Array.prototype.forEach.call(document.querySelectorAll("details.map-legend[open]"), function (d) {
      d.removeAttribute("open");
    });
  }
}());
