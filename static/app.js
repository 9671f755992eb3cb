// autopress's own script: small behaviours on top of plain HTML forms.
(function () {
  "use strict";
  // Styles that only make sense with this script (the folding menu) key on
  // this class; without scripts every link stays visible.
  document.documentElement.classList.add("js");

  // The browser's time zone, for the pages of users who leave their zone to
  // the browser (the server reads this cookie).
  try {
    var tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (tz && document.cookie.indexOf("autopress_tz=" + encodeURIComponent(tz)) < 0) {
      document.cookie = "autopress_tz=" + encodeURIComponent(tz) + "; path=/; max-age=31536000; SameSite=Lax";
    }
  } catch (e) { /* no Intl: the pages stay in UTC */ }

  // The Menu button folds the header's sections on small screens.
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest && ev.target.closest(".menu-toggle");
    if (!btn) {
      return;
    }
    var bar = btn.closest("nav");
    var open = !bar.classList.contains("open");
    bar.classList.toggle("open", open);
    btn.setAttribute("aria-expanded", open ? "true" : "false");
  });

  // The AI budget's custom shares can be edited only in custom mode.
  document.addEventListener("change", function (ev) {
    var el = ev.target;
    if (el.name !== "mode" || el.type !== "radio") {
      return;
    }
    var shares = el.form && el.form.querySelector("fieldset.custom-shares");
    if (shares) {
      shares.disabled = el.value !== "custom";
    }
  });

  // The current page's link in a site's bar is scrolled into view (on a
  // phone the links scroll sideways in one row).
  document.addEventListener("DOMContentLoaded", function () {
    var cur = document.querySelector(".sitenav [aria-current=page]");
    var box = cur && cur.closest(".sitenav");
    if (box && box.scrollWidth > box.clientWidth) {
      box.scrollLeft = cur.offsetLeft - (box.clientWidth - cur.offsetWidth) / 2;
    }
  });
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
