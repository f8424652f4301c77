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

// A long form shown again with errors: its summary at the top takes the focus, so a screen
// reader reads it and a phone scrolls to it; its links move to each field.
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
})();

// A table wider than a phone scrolls inside its frame: the frame takes the keyboard focus (so
// the table can be scrolled without a mouse) and is named after its section.
(function () {
  "use strict";
  function frame() {
    document.querySelectorAll(".table-responsive").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        var section = box.closest("section, [aria-labelledby]");
        var heading = section && section.querySelector("h1, h2, h3");
        if (heading && !box.hasAttribute("aria-label")) {
          box.setAttribute("aria-label", heading.textContent.trim());
        }
      } else if (!scrolls && box.getAttribute("role") === "region") {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
      }
    });
  }
  frame();
  window.addEventListener("resize", frame);
})();
