// The article editor: Trix set up to write the HTML the AI writes —
// paragraphs, h2 and h3 headings, lists, bold, italic and links — and
// nothing else: no attachments (an article's images are its own), no
// quotes, code or strike-through. The server reduces whatever arrives to
// that HTML and sanitizes it anyway.
(function () {
  "use strict";
  document.addEventListener("trix-before-initialize", function () {
    var blocks = Trix.config.blockAttributes;
    blocks["default"].tagName = "p";
    blocks.heading1.tagName = "h2";
    blocks.heading3 = { tagName: "h3", terminal: true, breakOnReturn: true, group: false };
    Trix.config.lang.heading1 = "Heading";
  });

  // A second heading level, next to Trix's own heading button.
  document.addEventListener("trix-initialize", function (ev) {
    var toolbar = ev.target.toolbarElement;
    var h2 = toolbar && toolbar.querySelector('[data-trix-attribute="heading1"]');
    if (!h2 || toolbar.querySelector('[data-trix-attribute="heading3"]')) {
      return;
    }
    var h3 = document.createElement("button");
    h3.type = "button";
    h3.className = "trix-button editor-h3";
    h3.setAttribute("data-trix-attribute", "heading3");
    h3.setAttribute("tabindex", "-1");
    h3.title = "Subheading";
    h3.textContent = "H3";
    h2.insertAdjacentElement("afterend", h3);
  });

  document.addEventListener("trix-file-accept", function (ev) {
    ev.preventDefault();
  });
})();
