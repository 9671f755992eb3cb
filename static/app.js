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

  // A range slider and a number input bound together: each names the other
  // in data-mirror, and typing in one moves the other. The number input is
  // the one submitted; a value it cannot show yet (while typing) is skipped.
  document.addEventListener("input", function (ev) {
    var el = ev.target;
    var id = el.getAttribute && el.getAttribute("data-mirror");
    var other = id && document.getElementById(id);
    if (!other || el.value === "" || isNaN(Number(el.value))) {
      return;
    }
    other.value = el.value;
  });

  // A checkbox with data-check-all="NAME" ticks or clears every checkbox
  // named NAME that belongs to the same form (the content list's bulk form).
  document.addEventListener("change", function (ev) {
    var el = ev.target;
    var name = el.getAttribute && el.getAttribute("data-check-all");
    if (!name) {
      return;
    }
    var boxes = document.querySelectorAll('input[type="checkbox"][name="' + name + '"]');
    for (var i = 0; i < boxes.length; i++) {
      boxes[i].checked = el.checked;
    }
  });

  // Keyboard shortcuts: pressing a letter clicks the element whose
  // data-key is that letter (the review queue's j/k/a/r/e), unless the
  // person is typing in a field or holds a modifier.
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.defaultPrevented || !/^[a-z]$/.test(ev.key)) {
      return;
    }
    var t = ev.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) {
      return;
    }
    var el = document.querySelector('[data-key="' + ev.key + '"]');
    if (el) {
      ev.preventDefault();
      el.click();
    }
  });
})();
