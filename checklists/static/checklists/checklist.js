/* TXNG Cert — the checklist of an audit, offline first.
 *
 * Every answer and every photo goes to a local queue (IndexedDB) first, then to the server:
 * answers in batches with an idempotency key and the version of the server's answer they were
 * based on; photos compressed in the browser and uploaded in resumable chunks. The queue
 * survives reloads and restarts and is sent when the connection returns, or with "Đồng bộ ngay".
 *
 * Keyboard: moving through a result group with the arrow keys never saves; an answer is saved
 * when chosen (click, Space or Enter) or when focus leaves the group.
 *
 * No inline script: the page passes its configuration in <script type="application/json"
 * id="checklist-config">.
 */
(function () {
  "use strict";

  const configNode = document.getElementById("checklist-config");
  if (!configNode) return;
  const config = JSON.parse(configNode.textContent);
  const T = config.strings;
  const AUDIT = config.audit;
  const DB_NAME = "txng-offline";
  const DB_VERSION = 1;

  // --- Small helpers ----------------------------------------------------------------------

  function uuid4() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  function deviceId() {
    let id = localStorage.getItem("txng-device-id");
    if (!id) {
      id = uuid4();
      localStorage.setItem("txng-device-id", id);
    }
    return id;
  }

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  async function api(url, options) {
    const opts = Object.assign({ credentials: "same-origin" }, options || {});
    opts.headers = Object.assign(
      { "X-CSRFToken": csrfToken(), Accept: "application/json" },
      opts.headers || {}
    );
    if (opts.json !== undefined) {
      opts.body = JSON.stringify(opts.json);
      opts.headers["Content-Type"] = "application/json";
      delete opts.json;
    }
    const response = await fetch(url, opts);
    let body = null;
    try {
      body = await response.json();
    } catch (e) {
      body = null;
    }
    return { ok: response.ok, status: response.status, body: body };
  }

  // --- IndexedDB: the queue -----------------------------------------------------------------
  // answers: key "<audit>:<item>" → {audit, item, result, note, key, base_version, state, error}
  // uploads: key <uuid> → {audit, item, finding, blob, filename, size, type, offset, state}

  let db = null;

  function openDb() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = () => {
        const d = request.result;
        if (!d.objectStoreNames.contains("answers")) {
          d.createObjectStore("answers", { keyPath: "id" }).createIndex("audit", "audit");
        }
        if (!d.objectStoreNames.contains("uploads")) {
          d.createObjectStore("uploads", { keyPath: "key" }).createIndex("audit", "audit");
        }
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  function done(tx) {
    return new Promise((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  }

  function all(store) {
    return new Promise((resolve, reject) => {
      const request = db.transaction(store).objectStore(store).index("audit").getAll(AUDIT);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  function put(store, value) {
    // The transaction is opened synchronously: anything read after this call sees the value.
    const tx = db.transaction(store, "readwrite");
    tx.objectStore(store).put(value);
    return done(tx);
  }

  function remove(store, key) {
    const tx = db.transaction(store, "readwrite");
    tx.objectStore(store).delete(key);
    return done(tx);
  }

  function get(store, key) {
    return new Promise((resolve, reject) => {
      const request = db.transaction(store).objectStore(store).get(key);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  // --- The page ---------------------------------------------------------------------------

  const counter = document.getElementById("sync-count");
  const counterBadge = document.getElementById("sync-counter");
  const banner = document.getElementById("offline-banner");
  const statusLine = document.getElementById("offline-status");

  function fieldsetOf(item) {
    return document.getElementById(`item-${item}`);
  }

  function setState(item, state, message) {
    const fieldset = fieldsetOf(item);
    if (!fieldset) return;
    const badge = fieldset.querySelector(".answer-state");
    if (!badge) return;
    const classes = {
      saved: "text-bg-success",
      pending: "text-bg-warning",
      conflict: "text-bg-danger",
      error: "text-bg-danger",
    };
    badge.className = `answer-state badge ${classes[state] || "d-none"}`;
    badge.dataset.state = state;
    badge.textContent = message ? `${T[state]}: ${message}` : T[state] || "";
  }

  function chosen(fieldset) {
    const radio = fieldset.querySelector("input[type=radio]:checked");
    return radio ? radio.value : "";
  }

  async function refreshCounter() {
    const answers = await all("answers");
    const uploads = await all("uploads");
    const n = answers.length + uploads.length;
    counter.textContent = String(n);
    counterBadge.classList.toggle("text-bg-warning", n > 0);
    counterBadge.classList.toggle("text-bg-secondary", n === 0);
    counterBadge.dataset.pending = String(n);
    return n;
  }

  function showOnline() {
    const online = navigator.onLine;
    if (banner) banner.hidden = online;
    document.documentElement.dataset.online = online ? "true" : "false";
  }

  // --- Answers: commit to the queue ---------------------------------------------------------

  const NOTE_REQUIRED = ["not_applicable", "minor", "major"];

  function commit(fieldset) {
    if (!config.editable || !db) return null;
    const item = Number(fieldset.dataset.item);
    const result = chosen(fieldset);
    if (!result) return null;
    const noteField = fieldset.querySelector("textarea");
    const note = noteField ? noteField.value.trim() : "";
    const id = `${AUDIT}:${item}`;
    const last = fieldset.dataset.committed;
    const signature = `${result}\u0000${note}`;
    if (last === signature) return null;
    fieldset.dataset.committed = signature;
    const entry = {
      id: id,
      audit: AUDIT,
      item: item,
      result: result,
      note: note,
      key: uuid4(),
      base_version: Number(fieldset.dataset.version || 0),
      state: "pending",
      changed_at: new Date().toISOString(),
    };
    const written = put("answers", entry);
    if (NOTE_REQUIRED.includes(result) && !note) {
      setState(item, "pending", T.noteRequired);
    } else {
      setState(item, "pending");
    }
    return written.then(refreshCounter).then(scheduleSync);
  }

  let arrowing = false;

  function onKeydown(event) {
    const radio = event.target;
    if (!(radio instanceof HTMLInputElement) || radio.type !== "radio") return;
    const fieldset = radio.closest("fieldset.checklist-item");
    if (!fieldset) return;
    if (["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight"].includes(event.key)) {
      arrowing = true; // the browser moves and checks; that is not a choice yet
    } else if (event.key === " " || event.key === "Enter") {
      if (event.key === "Enter") event.preventDefault(); // never submit the whole form
      radio.checked = true;
      arrowing = false;
      commit(fieldset);
    }
  }

  function onChange(event) {
    const target = event.target;
    const fieldset = target.closest && target.closest("fieldset.checklist-item");
    if (!fieldset) return;
    if (target.type === "radio") {
      if (arrowing) {
        arrowing = false;
        return;
      }
      commit(fieldset);
    } else if (target.tagName === "TEXTAREA" && chosen(fieldset)) {
      commit(fieldset);
    }
  }

  function onFocusOut(event) {
    const target = event.target;
    if (!(target instanceof HTMLInputElement) || target.type !== "radio") return;
    const group = target.closest("[role=radiogroup]");
    if (group && event.relatedTarget && group.contains(event.relatedTarget)) return;
    arrowing = false;
    const fieldset = target.closest("fieldset.checklist-item");
    if (fieldset) commit(fieldset);
  }

  const noteTimers = new Map();

  function onInput(event) {
    const target = event.target;
    if (target.tagName !== "TEXTAREA") return;
    const fieldset = target.closest("fieldset.checklist-item");
    if (!fieldset || !chosen(fieldset)) return;
    clearTimeout(noteTimers.get(fieldset));
    noteTimers.set(fieldset, setTimeout(() => commit(fieldset), 600));
  }

  // --- Photos: compress, queue, upload in chunks ------------------------------------------

  function isHeif(file) {
    return /image\/hei[cf]/.test(file.type) || /\.(heic|heif)$/i.test(file.name);
  }

  function exifSegment(bytes) {
    // The APP1 "Exif" segment of a JPEG, with the orientation reset (the pixels are drawn
    // upright by the browser), or null.
    if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
    let offset = 2;
    while (offset + 4 < bytes.length && bytes[offset] === 0xff) {
      const marker = bytes[offset + 1];
      const length = (bytes[offset + 2] << 8) | bytes[offset + 3];
      if (marker === 0xda) break;
      const isExif =
        marker === 0xe1 &&
        String.fromCharCode(...bytes.slice(offset + 4, offset + 8)) === "Exif";
      if (isExif) {
        const segment = bytes.slice(offset, offset + 2 + length);
        try {
          const tiff = 10;
          const view = new DataView(segment.buffer);
          const little = view.getUint16(tiff) === 0x4949;
          const ifd = tiff + view.getUint32(tiff + 4, little);
          const count = view.getUint16(ifd, little);
          for (let i = 0; i < count; i++) {
            const entry = ifd + 2 + i * 12;
            if (view.getUint16(entry, little) === 0x0112) view.setUint16(entry + 8, 1, little);
          }
        } catch (e) {
          /* an odd EXIF block: keep it as it is */
        }
        return segment;
      }
      offset += 2 + length;
    }
    return null;
  }

  async function compress(file) {
    // Photos the browser can draw are scaled down to photoMaxPixels on their longer side and
    // saved as JPEG (EXIF time and place kept); HEIC/HEIF and PDF go as they are.
    if (isHeif(file) || !/^image\/(jpeg|png|webp)$/.test(file.type)) return file;
    try {
      const bitmap = await createImageBitmap(file);
      const scale = Math.min(1, config.photoMaxPixels / Math.max(bitmap.width, bitmap.height));
      if (scale === 1 && file.type === "image/jpeg" && file.size < 1024 * 1024) return file;
      const canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      const blob = await new Promise((resolve) =>
        canvas.toBlob(resolve, "image/jpeg", config.photoQuality)
      );
      if (!blob) return file;
      if (file.type === "image/jpeg") {
        const segment = exifSegment(new Uint8Array(await file.arrayBuffer()));
        if (segment) {
          const body = new Uint8Array(await blob.arrayBuffer());
          return new Blob([body.slice(0, 2), segment, body.slice(2)], { type: "image/jpeg" });
        }
      }
      return blob;
    } catch (e) {
      return file;
    }
  }

  function thumbList(upload) {
    return document.getElementById(upload.list || `thumbs-${upload.item}`);
  }

  function showQueuedThumb(upload) {
    const list = thumbList(upload);
    if (!list || list.querySelector(`[data-upload="${upload.key}"]`)) return;
    const li = document.createElement("li");
    li.className = "evidence-thumb pending";
    li.dataset.upload = upload.key;
    if (upload.type.startsWith("image/") && !isHeif({ type: upload.type, name: upload.filename })) {
      const img = document.createElement("img");
      img.src = URL.createObjectURL(upload.blob);
      img.alt = upload.filename;
      img.width = 96;
      img.height = 96;
      li.appendChild(img);
    } else {
      const span = document.createElement("span");
      span.className = "evidence-file";
      span.textContent = upload.filename;
      li.appendChild(span);
    }
    const progress = document.createElement("progress");
    progress.max = upload.size;
    progress.value = upload.offset || 0;
    progress.title = T.photoQueued;
    progress.setAttribute("aria-label", `${T.uploading} ${upload.filename}`);
    li.appendChild(progress);
    list.appendChild(li);
  }

  function showStoredThumb(upload, photo) {
    const list = thumbList(upload);
    const li = list && list.querySelector(`[data-upload="${upload.key}"]`);
    if (!li) return;
    li.classList.remove("pending");
    li.dataset.photo = String(photo.id);
    const bar = li.querySelector("progress");
    if (bar) bar.remove();
    const link = document.createElement("a");
    link.href = photo.file_url;
    link.target = "_blank";
    link.rel = "noopener";
    const img = li.querySelector("img");
    if (photo.thumbnail_url) {
      const fresh = document.createElement("img");
      fresh.src = photo.thumbnail_url;
      fresh.alt = photo.original_name;
      fresh.width = 96;
      fresh.height = 96;
      if (img) img.remove();
      link.appendChild(fresh);
    } else {
      const span = li.querySelector(".evidence-file") || document.createElement("span");
      span.className = "evidence-file";
      span.textContent = photo.original_name;
      link.appendChild(span);
    }
    li.replaceChildren(link);
  }

  async function onFiles(event) {
    const input = event.target;
    if (!input.classList.contains("evidence-input")) return;
    const item = input.dataset.item ? Number(input.dataset.item) : null;
    const finding = input.dataset.finding ? Number(input.dataset.finding) : null;
    const list = input.dataset.list || `thumbs-${item}`;
    const files = Array.from(input.files || []);
    input.value = "";
    for (const file of files) {
      const blob = await compress(file);
      const name = blob === file ? file.name : file.name.replace(/\.[^.]+$/, "") + ".jpg";
      const upload = {
        key: uuid4(),
        audit: AUDIT,
        item: item,
        finding: finding,
        list: list,
        blob: blob,
        filename: name,
        size: blob.size,
        type: blob.type || file.type || "application/octet-stream",
        offset: 0,
        started: false,
        state: "pending",
      };
      await put("uploads", upload);
      showQueuedThumb(upload);
    }
    await refreshCounter();
    scheduleSync();
  }

  async function sendUpload(upload) {
    const start = await api(config.evidenceUrl, {
      method: "POST",
      json: {
        key: upload.key,
        filename: upload.filename,
        size: upload.size,
        item: upload.item,
        finding: upload.finding,
      },
    });
    if (!start.ok) {
      if ([400, 403, 404, 409, 413, 415].includes(start.status)) {
        await failUpload(upload, start.body);
      }
      return false;
    }
    let offset = start.body.offset;
    let photo = start.body.photo;
    const chunk = start.body.chunk_size || config.chunkBytes;
    const bar = document.querySelector(`[data-upload="${upload.key}"] progress`);
    while (!photo && offset < upload.size) {
      const piece = upload.blob.slice(offset, Math.min(upload.size, offset + chunk));
      const sent = await api(`${config.uploadUrl}${upload.key}/?offset=${offset}`, {
        method: "PUT",
        body: piece,
        headers: { "Content-Type": "application/octet-stream" },
      });
      if (sent.status === 409 && sent.body && sent.body.code === "offset_mismatch") {
        const where = await api(`${config.uploadUrl}${upload.key}/`);
        if (!where.ok) return false;
        offset = where.body.offset;
        photo = where.body.photo;
        continue;
      }
      if (!sent.ok) {
        if ([400, 403, 404, 413, 415].includes(sent.status)) await failUpload(upload, sent.body);
        return false;
      }
      offset = sent.body.offset;
      photo = sent.body.photo;
      upload.offset = offset;
      if (bar) bar.value = offset;
    }
    if (photo) {
      await remove("uploads", upload.key);
      showStoredThumb(upload, photo);
      return true;
    }
    return false;
  }

  async function failUpload(upload, body) {
    await remove("uploads", upload.key);
    const li = document.querySelector(`[data-upload="${upload.key}"]`);
    if (li) {
      li.classList.remove("pending");
      li.replaceChildren(document.createTextNode(`${upload.filename}: ${(body && body.detail) || T.error}`));
      li.classList.add("text-danger", "small");
    }
  }

  // --- Sync ---------------------------------------------------------------------------------

  let syncing = null;
  let again = false;
  let timer = null;

  function scheduleSync() {
    clearTimeout(timer);
    timer = setTimeout(() => sync(), 250);
  }

  function sync() {
    if (syncing) {
      again = true;
      return syncing;
    }
    syncing = runSync().finally(() => {
      syncing = null;
      if (again) {
        again = false;
        scheduleSync();
      }
    });
    return syncing;
  }

  async function runSync() {
    showOnline();
    if (!db) return;
    if (!navigator.onLine) {
      await refreshCounter();
      return;
    }
    statusLine.textContent = T.syncing;
    try {
      const before = await refreshCounter();
      await sendAnswers();
      for (const upload of await all("uploads")) {
        await sendUpload(upload);
      }
      const left = await refreshCounter();
      await api(config.statusUrl, {
        method: "POST",
        json: { device: deviceId(), pending: left, label: navigator.userAgent.slice(0, 200) },
      });
      await pullChanges();
      statusLine.textContent = left ? T.syncFailed : "";
      // Keep the offline copy of the pages current, without holding up the queue.
      if (!left && before) cachePages(false);
    } catch (e) {
      statusLine.textContent = T.syncFailed;
    }
  }

  async function sendAnswers() {
    const queued = (await all("answers")).filter((a) => a.state === "pending");
    if (!queued.length) return;
    const uploads = await all("uploads");
    const total = (await all("answers")).length + uploads.length;
    const response = await api(config.syncUrl, {
      method: "POST",
      json: {
        device: deviceId(),
        pending: total - queued.length,
        label: navigator.userAgent.slice(0, 200),
        changes: queued.map((a) => ({
          key: a.key,
          item: a.item,
          result: a.result,
          note: a.note,
          base_version: a.base_version,
        })),
      },
    });
    if (!response.ok) {
      if (response.status === 409 || response.status === 403) {
        statusLine.textContent = (response.body && response.body.detail) || T.syncFailed;
      }
      return;
    }
    const byKey = new Map(queued.map((a) => [a.key, a]));
    for (const result of response.body.results) {
      const sent = byKey.get(result.key);
      if (!sent) continue;
      const current = await get("answers", sent.id);
      const fieldset = fieldsetOf(sent.item);
      if (result.status === "saved" || result.status === "conflict") {
        if (fieldset && result.status === "saved") {
          fieldset.dataset.version = String(result.version);
          fieldset.dataset.savedResult = sent.result;
        }
        if (current && current.key === sent.key) {
          await remove("answers", sent.id);
          setState(sent.item, result.status === "saved" ? "saved" : "conflict");
        } else if (current && result.status === "saved") {
          // Changed again while this one was on its way: the new change builds on it.
          current.base_version = result.version;
          await put("answers", current);
        }
      } else if (current && current.key === sent.key) {
        current.state = "error";
        current.error = (result.errors || []).join(" ");
        await put("answers", current);
        setState(sent.item, "error", current.error);
      }
    }
  }

  async function pullChanges() {
    const since = Number(localStorage.getItem(`txng-version-${AUDIT}`) || config.version || 0);
    const response = await api(`${config.changesUrl}?since=${since}`);
    if (!response.ok) return;
    const queued = new Set((await all("answers")).map((a) => a.item));
    for (const answer of response.body.answers) {
      const fieldset = fieldsetOf(answer.item);
      if (!fieldset || queued.has(answer.item)) continue;
      fieldset.dataset.version = String(answer.version);
      fieldset.dataset.savedResult = answer.result;
      const radio = fieldset.querySelector(`input[type=radio][value="${answer.result}"]`);
      if (radio) radio.checked = true;
      const note = fieldset.querySelector("textarea");
      if (note && document.activeElement !== note) note.value = answer.note;
      fieldset.dataset.committed = `${answer.result}\u0000${answer.note}`;
      setState(answer.item, "saved");
    }
    for (const conflict of response.body.conflicts) setState(conflict.item, "conflict");
    localStorage.setItem(`txng-version-${AUDIT}`, String(response.body.version));
  }

  // --- Offline: the service worker and the pages it keeps --------------------------------

  async function cachePages(announce) {
    if (!("caches" in window) || !navigator.onLine) return false;
    if (announce) statusLine.textContent = T.downloading;
    try {
      const cache = await caches.open("txng-offline-v1-pages");
      await Promise.all(
        config.offlineUrls.map(async (url) => {
          const response = await fetch(url, { credentials: "same-origin" });
          if (response.ok && !response.redirected) await cache.put(url, response);
        })
      );
      document.documentElement.dataset.offlineReady = "true";
      if (announce) statusLine.textContent = T.ready;
      return true;
    } catch (e) {
      if (announce) statusLine.textContent = T.downloadFailed;
      return false;
    }
  }

  async function registerServiceWorker() {
    if (!("serviceWorker" in navigator)) return;
    try {
      await navigator.serviceWorker.register(config.serviceWorker, { scope: "/audits/" });
      await navigator.serviceWorker.ready;
      if (navigator.onLine) await cachePages(false);
    } catch (e) {
      /* no service worker (an insecure origin): the queue still works while the page is open */
    }
  }

  // --- Conflicts (the lead) --------------------------------------------------------------

  async function onResolve(event) {
    const button = event.target.closest(".conflict-resolve");
    if (!button) return;
    const url = config.resolveUrl.replace("{id}", button.dataset.conflict);
    button.disabled = true;
    const response = await api(url, { method: "POST", json: { choice: button.dataset.choice } });
    const row = document.getElementById(`conflict-${button.dataset.conflict}`);
    if (response.ok) {
      if (row) {
        row.replaceChildren(document.createTextNode(T.resolved));
        row.classList.add("text-success");
      }
      localStorage.removeItem(`txng-version-${AUDIT}`);
      window.location.reload();
    } else {
      button.disabled = false;
      if (row) row.append(` ${(response.body && response.body.detail) || T.error}`);
    }
  }

  // --- Start --------------------------------------------------------------------------------

  async function restore() {
    // Answers and photos still in the queue are shown over the page (which may be an older
    // copy from the cache), marked as waiting.
    for (const entry of await all("answers")) {
      const fieldset = fieldsetOf(entry.item);
      if (!fieldset) continue;
      const radio = fieldset.querySelector(`input[type=radio][value="${entry.result}"]`);
      if (radio) radio.checked = true;
      const note = fieldset.querySelector("textarea");
      if (note) note.value = entry.note;
      fieldset.dataset.committed = `${entry.result}\u0000${entry.note}`;
      setState(entry.item, entry.state === "error" ? "error" : "pending", entry.error);
    }
    for (const upload of await all("uploads")) showQueuedThumb(upload);
    for (const item of config.conflictItems) setState(item, "conflict");
  }

  async function start() {
    document.addEventListener("click", onResolve);
    if (!counter) {
      // Read only (not on the team, or the audit is not in progress): nothing to queue.
      document.documentElement.dataset.checklistReady = "true";
      return;
    }
    showOnline();
    for (const fieldset of document.querySelectorAll("fieldset.checklist-item")) {
      const result = chosen(fieldset);
      const note = fieldset.querySelector("textarea");
      if (result) fieldset.dataset.committed = `${result}\u0000${note ? note.value.trim() : ""}`;
    }
    const form = document.querySelector("form[action$='/checklist/save/']");
    if (form) {
      form.addEventListener("keydown", onKeydown);
      form.addEventListener("change", onChange);
      form.addEventListener("focusout", onFocusOut);
      form.addEventListener("input", onInput);
      form.addEventListener("pointerdown", () => {
        arrowing = false;
      });
      form.addEventListener("submit", (event) => {
        // "Lưu tất cả": everything is already queued; send it now instead of leaving the page.
        event.preventDefault();
        for (const fieldset of form.querySelectorAll("fieldset.checklist-item")) commit(fieldset);
        sync();
      });
    }
    document.addEventListener("change", onFiles);
    window.addEventListener("online", () => sync());
    window.addEventListener("offline", showOnline);
    const now = document.getElementById("sync-now");
    if (now) now.addEventListener("click", () => sync());
    const download = document.getElementById("offline-download");
    if (download) download.addEventListener("click", () => cachePages(true));
    try {
      db = await openDb();
    } catch (e) {
      statusLine.textContent = T.error;
      return;
    }
    if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});
    await restore();
    await refreshCounter();
    document.documentElement.dataset.checklistReady = "true";
    setInterval(() => {
      if (Number(counter.textContent) > 0) sync();
    }, 5000);
    registerServiceWorker();
    if (config.editable) sync();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
