// Zirkel's only script of its own, on top of htmx. Everything works without it; it adds:
// - messages where they belong: each in-place request names the live region of the part
//   of the page it came from (data-meldungen), and the server answers into that region;
// - a message for what the server cannot answer itself (offline, a proxy's error page);
// - a button that dismisses the message shown;
// - "Antworten" opens the reply form in place (one listener for all comments' links);
// - "Abbrechen" puts a reply form away again (without it, the link leads back to the comment);
// - new comments while reading: a visible tab asks now and then, and offers to show them;
// - a counter under a comment field that says how many characters are left, before the
//   server's message would (which stays the truth).
(function () {
  "use strict";
  // For CSS: what needs JavaScript (the dismiss buttons) shows only where it runs.
  document.documentElement.classList.add("js");

  function regionFor(elt) {
    var owner = elt && elt.closest ? elt.closest("[data-meldungen]") : null;
    return document.getElementById(owner ? owner.dataset.meldungen : "meldungen");
  }

  function show(region, text) {
    if (!region) { return; }
    var box = document.createElement("div");
    var p = document.createElement("p");
    box.className = "meldung meldung-error";
    box.tabIndex = -1;
    p.textContent = text;
    box.appendChild(p);
    region.replaceChildren(box);
    box.focus();
  }

  function offline(event) {
    show(regionFor(event.detail.elt), document.body.dataset.offline);
  }

  document.addEventListener("htmx:configRequest", function (event) {
    var region = regionFor(event.detail.elt);
    if (region) { event.detail.headers["X-Meldungen"] = region.id; }
  });
  // "Antworten" puts the reply form right under its comment, in place: one listener for
  // every comment's link (a new tab or window, by modifier key, still gets the page).
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.reply-link");
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey
        || event.altKey || !window.htmx) { return; }
    event.preventDefault();
    htmx.ajax("GET", link.href,
      { source: link, target: link.closest(".comment-body"), swap: "afterend" });
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    // One reply form and one edit form under a comment at most: the link that would open
    // a second one goes to the open one.
    var link = event.detail.elt;
    var kind = link.closest && (link.closest(".own-actions") ? ".edit-form"
      : link.classList.contains("reply-link") ? ".reply-form" : null);
    if (!kind) { return; }
    var open = link.closest(".comment").querySelector(":scope > " + kind);
    if (open) {
      event.preventDefault();
      open.querySelector("h3").focus();
    }
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    // A 5xx that Zirkel answered itself (the database busy) carries its own message.
    var xhr = event.detail.xhr;
    if (xhr.status >= 500 && xhr.getResponseHeader("X-Zirkel-Message")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  document.addEventListener("htmx:sendError", offline);
  document.addEventListener("htmx:responseError", function (event) {
    // 4xx answers carry their own German message and were swapped in already.
    if (event.detail.xhr.status >= 500) { offline(event); }
  });
  // The counter: characters as the server counts them (code points, line breaks as one).
  function count(field) {
    var counter = document.getElementById(field.id + "-zaehler");
    var left = Number(field.dataset.max) - Array.from(field.value.trim()).length;
    var words = document.body.dataset;
    counter.textContent = (left >= 0 ? words.zeichenUebrig : words.zeichenZuViel)
      .replace("{num}", Math.abs(left).toLocaleString(document.documentElement.lang));
    counter.classList.toggle("counter-over", left < 0);
    // Read out only near the limit: not at every key.
    counter.setAttribute("aria-live", left < 200 ? "polite" : "off");
  }
  function addCounters(root) {
    root.querySelectorAll("textarea[data-max]").forEach(function (field) {
      if (document.getElementById(field.id + "-zaehler")) { return; }
      var counter = document.createElement("p");
      counter.id = field.id + "-zaehler";
      counter.className = "hint counter";
      field.after(counter);
      count(field);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { addCounters(document); });
  document.addEventListener("htmx:load", function (event) { addCounters(event.detail.elt); });
  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("textarea[data-max]")) { count(event.target); }
  });

  // New comments while reading: only while the tab is visible, never in a hidden one.
  var lastPoll = Date.now();
  function poll() {
    var slot = document.getElementById("neue-kommentare");
    if (!slot || document.visibilityState !== "visible") { return; }
    lastPoll = Date.now();
    var params = new URLSearchParams();
    document.querySelectorAll("#kommentar-fenster input").forEach(function (input) {
      if (input.name !== "seit") { params.set(input.name, input.value); }
    });
    fetch(slot.dataset.poll + "?" + params, { headers: { "HX-Request": "true" } })
      .then(function (response) { return response.status === 200 ? response.text() : ""; })
      .then(function (html) { slot.innerHTML = html; slot.dataset.stand = params.get("stand"); })
      .catch(function () { /* offline now: ask again next time */ });
  }
  function pollEvery() {
    var slot = document.getElementById("neue-kommentare");
    return slot ? Number(slot.dataset.pollSeconds) * 1000 : 0;
  }
  document.addEventListener("DOMContentLoaded", function () {
    if (pollEvery()) { setInterval(poll, pollEvery()); }
  });
  document.addEventListener("visibilitychange", function () {
    // Back in a tab that missed its turn: ask at once.
    if (pollEvery() && Date.now() - lastPoll >= pollEvery()) { poll(); }
  });
  document.addEventListener("htmx:afterSettle", function () {
    // The list came anew (a post, a refresh) and holds what was offered.
    var slot = document.getElementById("neue-kommentare");
    var stand = document.querySelector('#kommentar-fenster input[name="stand"]');
    if (slot && stand && slot.dataset.stand && stand.value !== slot.dataset.stand) {
      slot.replaceChildren();
      delete slot.dataset.stand;
    }
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest(".new-link")) {
      var refresh = document.querySelector("#kommentare .refresh a");
      if (refresh) { refresh.click(); }
      return;
    }
    var cancel = event.target.closest("[data-abbrechen]");
    var form = cancel && cancel.closest(".reply-form, .edit-form");
    if (form && form.parentElement.classList.contains("comment")) {
      // Put the form away; the focus goes back to the link that opened it.
      event.preventDefault();
      var item = form.parentElement;
      form.remove();
      var link = item.querySelector(form.classList.contains("edit-form")
        ? ":scope > .own-actions a" : ":scope > .comment-body .reply-link");
      if (link) { link.focus(); }
      return;
    }
    var button = event.target.closest(".meldung-schliessen");
    if (!button) { return; }
    var region = document.getElementById(button.dataset.schliesst);
    if (!region) { return; }
    region.replaceChildren();
    region.focus();  // where the message was, so the keyboard goes on from there
  });
})();
