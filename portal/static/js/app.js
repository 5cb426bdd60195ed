/* Portal behaviour on top of htmx. ES5 only: the building's PCs run old browsers.
   No inline scripts anywhere, so the Content-Security-Policy can forbid them. */
(function () {
  "use strict";

  // htmx leaves 4xx/5xx responses unswapped. Let a form re-rendered with its
  // errors (422, 429) replace the form, and let error fragments that name their
  // own target (HX-Retarget) show up in the message area.
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var xhr = evt.detail.xhr;
    if (xhr.status === 422 || xhr.status === 429 || xhr.getResponseHeader("HX-Retarget")) {
      evt.detail.shouldSwap = true;
      evt.detail.isError = false;
    }
  });

  // A request that never reached the server (network down, server restarting).
  document.addEventListener("htmx:sendError", function () {
    var box = document.getElementById("messages");
    if (box) {
      var text = document.documentElement.lang === "en"
        ? "The portal could not be reached. Please try again."
        : "无法连接门户服务器，请稍后重试。";
      box.innerHTML = "";
      var p = document.createElement("p");
      p.className = "message message--error";
      p.setAttribute("role", "alert");
      p.appendChild(document.createTextNode(text));
      box.appendChild(p);
    }
  });
})();

/* ---- guide: the "print this sheet" button (hidden until this script shows it) ---- */
(function () {
  "use strict";
  function wirePrintButtons(root) {
    var buttons = (root || document).querySelectorAll("button.js-print");
    for (var i = 0; i < buttons.length; i++) {
      if (buttons[i].getAttribute("data-wired")) { continue; }
      buttons[i].setAttribute("data-wired", "1");
      buttons[i].removeAttribute("hidden");
      buttons[i].addEventListener("click", function () { window.print(); });
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { wirePrintButtons(document); });
  } else {
    wirePrintButtons(document);
  }
})();

/* ---- standards: a table or panel that scrolls sideways (phones) can be scrolled from the keyboard ---- */
(function () {
  "use strict";
  // Widths are read after "load", not while the page is still being parsed: reading
  // them earlier forces a layout of the whole page (the day grid's 600 cells) before
  // DOMContentLoaded, on top of the one the browser does anyway.
  function focusableScrollers() {
    var boxes = document.querySelectorAll(".table, .table-scroll, .grid-scroll, .floor-plan__scroll");
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      if (box.scrollWidth > box.clientWidth + 1 && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
      }
    }
  }
  if (document.readyState === "complete") {
    focusableScrollers();
  } else {
    window.addEventListener("load", focusableScrollers);
  }
  document.addEventListener("htmx:afterSettle", focusableScrollers);
  window.addEventListener("resize", focusableScrollers);
})();
