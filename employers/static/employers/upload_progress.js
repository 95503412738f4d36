// Polls an upload's progress while a worker reads or imports it, and updates the bar in place;
// when the work is done, the page reloads once to show the summary.
(function () {
  "use strict";
  var box = document.getElementById("upload-progress");
  if (!box || box.dataset.working !== "1") { return; }
  var bar = document.getElementById("upload-progress-bar");
  var inner = bar.querySelector(".progress-bar");
  var status = document.getElementById("upload-status");

  function show(data) {
    bar.setAttribute("aria-valuenow", data.progress);
    inner.style.width = data.progress + "%";
    inner.textContent = data.progress + "%";
    status.textContent = data.label;
  }

  function poll() {
    fetch(box.dataset.progressUrl, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        show(data);
        if (data.working) { window.setTimeout(poll, 500); } else { window.location.reload(); }
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  }
  window.setTimeout(poll, 300);
})();
