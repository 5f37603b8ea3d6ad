/* Upload preview: while a changed column mapping is being checked again (htmx posts the form on
   change and swaps in the new preview), the "Confirm and load" button is disabled, so a file is
   never loaded with a mapping that was not previewed. The server refuses that too. */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("form.mapping-form");
    if (!form) { return; }
    form.querySelectorAll("[data-confirm-load]").forEach(function (button) {
      button.disabled = true;
      button.setAttribute("aria-disabled", "true");
    });
    form.setAttribute("aria-busy", "true");
  });
})();
