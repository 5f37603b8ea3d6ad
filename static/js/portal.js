/* MOps Portal behaviour. Loaded as a static file: the CSP allows no inline script. */
(function () {
  "use strict";
  // The section menu is open (always visible) on wide screens and folds behind "Menu" below 768px.
  var narrow = window.matchMedia("(max-width: 767px)");
  function fitMenu() {
    document.querySelectorAll("details.nav-menu").forEach(function (menu) { menu.open = !narrow.matches; });
  }
  document.addEventListener("DOMContentLoaded", fitMenu);
  narrow.addEventListener("change", fitMenu);

  if (window.htmx) {
    htmx.config.allowEval = false;
    htmx.config.allowScriptTags = false;
    htmx.config.includeIndicatorStyles = false;
    document.addEventListener("htmx:configRequest", function (event) {
      var meta = document.querySelector('meta[name="csrf-token"]');
      if (meta) { event.detail.headers["X-CSRFToken"] = meta.content; }
    });
    // Polling pauses while the tab is hidden: elements poll on "every Ns [not hidden]" is an eval
    // filter, which the CSP forbids, so polling elements carry data-poll and are toggled here.
    document.addEventListener("htmx:beforeRequest", function (event) {
      if (document.hidden && event.detail.elt.hasAttribute("data-poll")) { event.preventDefault(); }
    });
  }
})();
