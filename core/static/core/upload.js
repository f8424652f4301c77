// The upload component (documents/partials/documents.html). Without JavaScript its forms post
// and come back; with it, a file chosen, photographed or dropped on a form[data-upload] is sent
// at once with XMLHttpRequest, one request a file, each with its progress bar and a preview
// (images drawn from the file itself, PDFs opened from it). When a batch is done the parts of
// the page marked data-upload-refresh (with an id) are fetched again, so the slots, the list
// of missing documents and the actions show the server's state. No inline script (CSP): this
// file is loaded by base.html.
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("upload-js");
  var lang = (root.getAttribute("lang") || "vi").slice(0, 2);
  var TEXT = {
    vi: { sending: "Đang tải lên…", done: "Đã tải lên", version: "phiên bản", failed: "Không tải lên được", preview: "Xem trước", pdf: "PDF" },
    en: { sending: "Uploading…", done: "Uploaded", version: "version", failed: "Not uploaded", preview: "Preview", pdf: "PDF" },
  };
  var t = TEXT[lang] || TEXT.en;

  function showHints(scope) {
    (scope || document).querySelectorAll(".upload-drop-hint").forEach(function (hint) {
      hint.hidden = false;
    });
  }
  showHints();

  function sizeLabel(bytes) {
    if (bytes >= 1048576) {
      return (bytes / 1048576).toFixed(1) + " MB";
    }
    return Math.max(1, Math.round(bytes / 1024)) + " KB";
  }

  // A preview of the chosen file before it is sent: an image drawn from a data: URL (allowed by
  // the CSP), a PDF as a link that opens the file itself in a new tab.
  function preview(file, box) {
    if (/^image\/(jpeg|png|gif|webp)$/.test(file.type)) {
      var reader = new FileReader();
      reader.onload = function () {
        var img = document.createElement("img");
        img.src = reader.result;
        img.alt = t.preview + ": " + file.name;
        img.width = 64;
        img.height = 64;
        img.className = "upload-thumb";
        box.appendChild(img);
      };
      reader.readAsDataURL(file);
    } else if (file.type === "application/pdf" || /\.pdf$/i.test(file.name)) {
      var link = document.createElement("a");
      link.href = "#";
      link.className = "upload-thumb upload-thumb-pdf";
      link.textContent = t.pdf;
      link.setAttribute("aria-label", t.preview + ": " + file.name);
      link.addEventListener("click", function (event) {
        event.preventDefault();
        var url = URL.createObjectURL(file);
        window.open(url, "_blank", "noopener");
        setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
      });
      box.appendChild(link);
    }
  }

  function queueOf(form) {
    var scope = form.closest("[data-upload-scope]");
    return scope && scope.querySelector(".upload-queue");
  }

  function fields(form) {
    var data = new FormData();
    form.querySelectorAll('input[type="hidden"], select').forEach(function (el) {
      if (el.name) {
        data.append(el.name, el.value);
      }
    });
    return data;
  }

  function item(queue, file) {
    var li = document.createElement("li");
    li.className = "upload-item d-flex align-items-center gap-2 py-1";
    li.dataset.state = "sending";
    var box = document.createElement("span");
    box.className = "upload-preview";
    preview(file, box);
    var body = document.createElement("span");
    body.className = "flex-grow-1 text-break small";
    var name = document.createElement("span");
    name.className = "upload-name";
    name.textContent = file.name + " (" + sizeLabel(file.size) + ")";
    var bar = document.createElement("progress");
    bar.className = "upload-progress d-block w-100";
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", t.sending + " " + file.name);
    var status = document.createElement("span");
    status.className = "upload-status d-block";
    status.textContent = t.sending;
    body.appendChild(name);
    body.appendChild(bar);
    body.appendChild(status);
    li.appendChild(box);
    li.appendChild(body);
    if (queue) {
      queue.appendChild(li);
    }
    return { li: li, bar: bar, status: status };
  }

  function sendOne(form, file, queue) {
    var row = item(queue, file);
    var data = fields(form);
    data.append("file", file);
    return new Promise(function (resolve) {
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) {
          row.bar.value = Math.round((event.loaded / event.total) * 100);
        }
      });
      xhr.addEventListener("load", function () {
        var body = {};
        try {
          body = JSON.parse(xhr.responseText);
        } catch (error) {
          body = {};
        }
        if (xhr.status >= 200 && xhr.status < 300) {
          row.bar.value = 100;
          row.li.dataset.state = "done";
          row.status.textContent = t.done + (body.version ? " · " + t.version + " " + body.version : "");
          resolve(true);
        } else {
          var detail = body.detail || String(xhr.status);
          if (body.errors) {
            detail += " " + Object.keys(body.errors).map(function (k) { return body.errors[k].join(" "); }).join(" ");
          }
          row.li.dataset.state = "error";
          row.li.setAttribute("role", "alert");
          row.status.textContent = t.failed + ": " + detail;
          resolve(false);
        }
      });
      xhr.addEventListener("error", function () {
        row.li.dataset.state = "error";
        row.li.setAttribute("role", "alert");
        row.status.textContent = t.failed;
        resolve(false);
      });
      xhr.send(data);
    });
  }

  // Fetch the page again and put its fresh [data-upload-refresh] parts in place.
  function refresh() {
    return fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        if (!html) {
          return;
        }
        var fresh = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-upload-refresh][id]").forEach(function (old) {
          var replacement = fresh.getElementById(old.id);
          if (replacement) {
            old.replaceWith(document.importNode(replacement, true));
          }
        });
        showHints();
        document.dispatchEvent(new CustomEvent("upload:refreshed"));
      });
  }

  function send(form, files) {
    var list = Array.prototype.slice.call(files);
    if (!list.length) {
      return;
    }
    var many = form.querySelector('input[type="file"][multiple]');
    if (!many) {
      list = list.slice(0, 1);
    }
    var queue = queueOf(form);
    var scope = form.closest("[data-upload-scope]");
    if (scope) {
      scope.dataset.uploading = "true";
    }
    var chain = Promise.resolve(false);
    var any = false;
    list.forEach(function (file) {
      chain = chain.then(function () {
        return sendOne(form, file, queue).then(function (ok) { any = any || ok; });
      });
    });
    chain.then(function () {
      return any ? refresh() : null;
    }).then(function () {
      if (scope) {
        scope.dataset.uploading = "false";
      }
    });
  }

  // A file input of a larger form (e.g. the evidence sent with a finding's response, one
  // submit for everything): data-preview lists the chosen files with their previews below it;
  // they go with the form.
  function listChosen(input) {
    var list = input.parentNode.querySelector(".upload-chosen");
    if (!list) {
      list = document.createElement("ul");
      list.className = "upload-chosen list-unstyled mb-0 mt-1";
      list.setAttribute("aria-live", "polite");
      input.insertAdjacentElement("afterend", list);
    }
    list.textContent = "";
    Array.prototype.forEach.call(input.files || [], function (file) {
      var li = document.createElement("li");
      li.className = "upload-item d-flex align-items-center gap-2 py-1";
      var box = document.createElement("span");
      box.className = "upload-preview";
      preview(file, box);
      var name = document.createElement("span");
      name.className = "small text-break";
      name.textContent = file.name + " (" + sizeLabel(file.size) + ")";
      li.appendChild(box);
      li.appendChild(name);
      list.appendChild(li);
    });
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.matches && input.matches('input[type="file"][data-preview]')) {
      listChosen(input);
      return;
    }
    if (!input.classList || !input.classList.contains("upload-input")) {
      return;
    }
    var form = input.closest("form[data-upload]");
    if (!form || !input.files || !input.files.length) {
      return;
    }
    var files = Array.prototype.slice.call(input.files);
    input.value = "";
    send(form, files);
  });

  // With JavaScript a form is never submitted whole: its files went as they were chosen.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches && form.matches("form[data-upload]")) {
      event.preventDefault();
      var inputs = form.querySelectorAll(".upload-input");
      var files = [];
      inputs.forEach(function (input) {
        files = files.concat(Array.prototype.slice.call(input.files || []));
        input.value = "";
      });
      send(form, files);
    }
  });

  ["dragenter", "dragover"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      var zone = event.target.closest && event.target.closest("form[data-dropzone]");
      if (zone) {
        event.preventDefault();
        zone.classList.add("upload-dragover");
      }
    });
  });
  document.addEventListener("dragleave", function (event) {
    var zone = event.target.closest && event.target.closest("form[data-dropzone]");
    if (zone && !zone.contains(event.relatedTarget)) {
      zone.classList.remove("upload-dragover");
    }
  });
  document.addEventListener("drop", function (event) {
    var zone = event.target.closest && event.target.closest("form[data-dropzone]");
    if (!zone) {
      return;
    }
    event.preventDefault();
    zone.classList.remove("upload-dragover");
    if (event.dataTransfer && event.dataTransfer.files) {
      send(zone, event.dataTransfer.files);
    }
  });
})();
