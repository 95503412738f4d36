// Behaviour that pages ask for with data attributes, so that no page needs inline script
// (the Content-Security-Policy allows scripts from this site's files only).
(function () {
  "use strict";

  // <div class="progress-bar" data-progress="40">: the bar's width from the value.
  function showProgress() {
    document.querySelectorAll("[data-progress]").forEach(function (bar) {
      var value = Math.max(0, Math.min(100, parseInt(bar.dataset.progress, 10) || 0));
      bar.style.width = value + "%";
    });
  }

  // <button data-confirm="Refuse this transfer?">: ask before a step that can't be undone.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) {
      event.preventDefault();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    showProgress();
    // <body data-print-on-load>: a page made to be printed opens the print dialog.
    if (document.body.hasAttribute("data-print-on-load")) {
      window.print();
    }
  });
})();
