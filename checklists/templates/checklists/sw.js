{% load static %}/* TXNG Cert service worker (scope /audits/): static assets from the project's own static
   files, cached on install; pages network first, the cached copy when there is no network. */
"use strict";
const VERSION = "{{ cache_version }}";
const STATIC_CACHE = VERSION + "-static";
const PAGE_CACHE = VERSION + "-pages";
const ASSETS = [
  "{% static 'bootstrap/css/bootstrap.min.css' %}",
  "{% static 'bootstrap/js/bootstrap.bundle.min.js' %}",
  "{% static 'core/app.css' %}",
  "{% static 'checklists/checklist.js' %}",
  "{% static 'checklists/icons/icon-192.png' %}",
  "{% static 'checklists/icons/icon-512.png' %}",
  "{% static 'checklists/checklist.css' %}",
  "{% static 'django_htmx/htmx-2.min.js' %}",
  "{% static 'django_htmx/django-htmx.js' %}"
];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(STATIC_CACHE).then((cache) =>
      Promise.all(ASSETS.map((url) => cache.add(url).catch(() => null)))
    ).then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((keys) =>
      Promise.all(keys.filter((k) => !k.startsWith(VERSION)).map((k) => caches.delete(k)))
    ).then(() => self.clients.claim())
  );
});

function isStatic(url) {
  return url.pathname.startsWith("{% get_static_prefix %}");
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (isStatic(url)) {
    event.respondWith(
      caches.match(request).then((hit) => hit || fetch(request).then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(STATIC_CACHE).then((cache) => cache.put(request, copy));
        }
        return response;
      }))
    );
    return;
  }
  // Pages of audits and findings, and the checklist's JSON: network first, cache as fallback.
  const cacheable = request.mode === "navigate" || url.pathname.startsWith("/api/v1/audits/")
    || url.pathname.startsWith("/api/v1/evidence/");
  if (!cacheable || url.pathname.includes("/changes/")) return;
  event.respondWith(
    fetch(request).then((response) => {
      if (response.ok && !response.redirected) {
        const copy = response.clone();
        caches.open(PAGE_CACHE).then((cache) => cache.put(request, copy));
      }
      return response;
    }).catch(() =>
      caches.open(PAGE_CACHE).then((cache) => cache.match(request, { ignoreVary: true })).then(
        (hit) => hit || new Response(
          "<!doctype html><meta charset=utf-8><title>TXNG Cert</title>" +
          "<p>Không có kết nối và trang này chưa được tải về. / No connection, and this page " +
          "was not downloaded for offline work.</p>",
          { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } }
        )
      )
    )
  );
});
