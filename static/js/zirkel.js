// Zirkel's only script of its own: tells the reader when an in-place request failed
// in a way the server could not answer itself (offline, proxy error, server down).
(function () {
  "use strict";
  function region() { return document.getElementById("meldungen"); }

  function show(text) {
    var el = region();
    if (!el) { return; }
    var p = document.createElement("p");
    p.textContent = text;
    el.replaceChildren(p);
  }

  document.addEventListener("htmx:beforeRequest", function () {
    var el = region();
    if (el) { el.replaceChildren(); }
  });
  document.addEventListener("htmx:sendError", function () {
    show(region().dataset.offline);
  });
  document.addEventListener("htmx:responseError", function (event) {
    // 4xx answers carry their own German message and were swapped in already.
    if (event.detail.xhr.status >= 500) { show(region().dataset.offline); }
  });
})();
