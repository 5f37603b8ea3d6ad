/* Operations: briefly highlight triage rows that are new or changed after a board refresh. */
(function () {
  "use strict";
  var seen = null;
  function snapshot() {
    var rows = {};
    document.querySelectorAll("#triage-board tr[data-incident]").forEach(function (row) {
      rows[row.id] = row.textContent.replace(/\s+/g, " ");
    });
    return rows;
  }
  document.addEventListener("DOMContentLoaded", function () { seen = snapshot(); });
  document.addEventListener("htmx:afterSwap", function () {
    if (!document.getElementById("triage-board")) { return; }
    var now = snapshot();
    if (seen) {
      Object.keys(now).forEach(function (id) {
        if (seen[id] !== now[id]) {
          var row = document.getElementById(id);
          row.classList.add("ops-changed");
          window.setTimeout(function () { row.classList.remove("ops-changed"); }, 2500);
        }
      });
    }
    seen = now;
  });
})();
