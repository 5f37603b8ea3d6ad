/* Draw the plotly figures embedded as <script type="application/json" data-chart="ID"> (built in
   Python, analytics/charts/) into the element with that id. Loaded only on pages with charts,
   after the bundled plotly.min.js; redraws after htmx swaps. No inline script: the CSP holds. */
(function () {
  "use strict";
  var CONFIG = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["lasso2d", "select2d"] };

  function draw(root) {
    if (!window.Plotly) { return; }
    (root || document).querySelectorAll("script[type='application/json'][data-chart]").forEach(function (node) {
      var target = document.getElementById(node.getAttribute("data-chart"));
      if (!target) { return; }
      var figure;
      try { figure = JSON.parse(node.textContent); } catch (e) { return; }
      window.Plotly.react(target, figure.data || [], figure.layout || {}, CONFIG).then(function () {
        target.setAttribute("data-chart-ready", "true");
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  // After an htmx swap (outerHTML swaps replace the target), look at the whole document.
  document.addEventListener("htmx:afterSettle", function () { draw(document); });
  // Charts in a <details> or a tab that was hidden get their size when shown.
  document.addEventListener("toggle", function (event) {
    if (event.target.open && window.Plotly) {
      event.target.querySelectorAll(".chart-canvas[data-chart-ready]").forEach(function (el) {
        window.Plotly.Plots.resize(el);
      });
    }
  }, true);
})();
