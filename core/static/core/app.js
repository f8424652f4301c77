// Behaviour of the pages, from a static file: the Content-Security-Policy allows no inline
// script (and no eval), so nothing here may be written into a template.
(function () {
  "use strict";
  // A "remove this row" button of an editable table (products, sites of an application).
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-remove-row]");
    if (!button) {
      return;
    }
    var row = button.closest("tr");
    if (row) {
      row.remove();
    }
  });
})();
