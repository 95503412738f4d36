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

  // <div class="table-responsive">: a table wider than the window scrolls inside its box; the
  // box then takes the keyboard focus (arrow keys scroll it) and is named after the table's
  // caption, so that keyboard and screen reader users can reach what is off to the side.
  function focusableScrollingTables() {
    document.querySelectorAll(".table-responsive").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        var caption = box.querySelector("caption");
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        if (caption && caption.id) {
          box.setAttribute("aria-labelledby", caption.id);
        } else if (caption) {
          box.setAttribute("aria-label", caption.textContent.trim());
        } else {
          box.setAttribute("aria-label", box.dataset.label || document.title);
        }
      } else if (box.getAttribute("tabindex") === "0") {
        ["tabindex", "role", "aria-label", "aria-labelledby"].forEach(function (name) {
          box.removeAttribute(name);
        });
      }
    });
  }

  // <div data-error-summary>: the summary of a form's errors takes the focus when the page
  // opens, so that a screen reader reads what to correct first.
  function focusErrorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
    }
  }

  var resizing = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(resizing);
    resizing = window.setTimeout(focusableScrollingTables, 150);
  });

  document.addEventListener("DOMContentLoaded", function () {
    showProgress();
    focusableScrollingTables();
    focusErrorSummary();
    // <body data-print-on-load>: a page made to be printed opens the print dialog.
    if (document.body.hasAttribute("data-print-on-load")) {
      window.print();
    }
  });
})();
