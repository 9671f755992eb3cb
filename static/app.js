// autopress's own script: small behaviours on top of plain HTML forms.
(function () {
  "use strict";
  // A form (or its submit button) with data-confirm asks before submitting.
  // It lives here rather than in an inline onclick so the pages can keep a
  // Content-Security-Policy without 'unsafe-inline' scripts.
  document.addEventListener("submit", function (ev) {
    var el = ev.submitter && ev.submitter.hasAttribute("data-confirm") ? ev.submitter : ev.target;
    var msg = el.getAttribute && el.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) {
      ev.preventDefault();
      ev.stopImmediatePropagation();
    }
  }, true);
})();
