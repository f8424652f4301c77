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

  // Actions that cannot be undone: a form with data-confirm="<consequence>" asks first, in the
  // page's <dialog id="confirm-dialog">. "Confirm" submits the form (with the button pressed);
  // "Go back" or Escape leaves everything as it was. Without JavaScript the form submits as is.
  var dialog = document.getElementById("confirm-dialog");
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-confirm")) {
      return;
    }
    if (form.dataset.confirmed === "yes") {
      delete form.dataset.confirmed;
      return;
    }
    if (!dialog || typeof dialog.showModal !== "function") {
      if (!window.confirm(form.getAttribute("data-confirm"))) {
        event.preventDefault();
      }
      return;
    }
    event.preventDefault();
    var submitter = event.submitter || null;
    document.getElementById("confirm-dialog-text").textContent = form.getAttribute("data-confirm");
    var ok = document.getElementById("confirm-dialog-ok");
    ok.textContent = form.getAttribute("data-confirm-action") || ok.getAttribute("data-label") || ok.textContent;
    dialog.returnValue = "";
    dialog.onclose = function () {
      dialog.onclose = null;
      if (dialog.returnValue !== "confirm") {
        return;
      }
      form.dataset.confirmed = "yes";
      if (typeof form.requestSubmit === "function") {
        form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
      } else {
        form.submit();
      }
    };
    dialog.showModal();
  });
})();
