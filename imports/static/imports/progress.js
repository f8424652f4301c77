// Import progress: polls the batch's status while it is queued or running, moves the bar,
// and reloads the page (with the final counts and report) when the import has finished.
(function () {
  "use strict";
  var box = document.getElementById("import-status");
  if (!box) return;
  var state = box.getAttribute("data-state");
  if (state !== "queued" && state !== "running") return;
  var url = box.getAttribute("data-status-url");
  var progress = document.getElementById("import-progress");
  var bar = progress ? progress.querySelector(".progress-bar") : null;
  var label = document.getElementById("import-state");

  function show(data) {
    if (bar) {
      bar.style.width = data.percent + "%";
      bar.textContent = data.percent + "%";
      progress.setAttribute("aria-valuenow", String(data.percent));
    }
    if (label) label.textContent = data.state_label;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        show(data);
        if (data.done) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
