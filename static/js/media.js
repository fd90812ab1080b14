// The media library's "Kopieren" button (templates/editorial/media_photo.html), loaded on that
// page only. Without JavaScript the button stays hidden and the read-only field is there to
// select and copy by hand; with it, one press puts the Markdown on the clipboard and the
// status line under the field says so (or, where the clipboard is refused, selects the text).
(function () {
  "use strict";

  function say(button, text) {
    var status = document.getElementById(button.dataset.copy + "-status");
    if (status) { status.textContent = text; }
  }

  function selectField(field) {
    field.focus();
    field.select();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      button.hidden = false;
    });
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-copy]");
    if (!button) { return; }
    var field = document.getElementById(button.dataset.copy);
    if (!field) { return; }
    var failed = function () {
      // Older browsers, and pages not served over HTTPS: the selection, copied the old way
      // where that still works, else left for the keyboard.
      selectField(field);
      var copied = false;
      try { copied = document.execCommand("copy"); } catch (error) { copied = false; }
      say(button, copied ? button.dataset.copied : button.dataset.copyFailed);
    };
    if (!navigator.clipboard || !window.isSecureContext) { failed(); return; }
    navigator.clipboard.writeText(field.value).then(function () {
      say(button, button.dataset.copied);
    }, failed);
  });
})();
