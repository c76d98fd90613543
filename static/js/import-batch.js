// Polls an import batch while its Celery task runs; reloads the page when the preview or the
// result is ready. The state lives in the database, so closing or reloading the page loses nothing.
(function () {
  "use strict";
  var box = document.getElementById("batch-progress");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("batch-progress-bar");
  var text = document.getElementById("batch-progress-text");
  var status = document.getElementById("batch-status");
  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (!data.running) { window.location.reload(); return; }
        bar.value = data.progress;
        bar.textContent = data.progress + "%";
        text.textContent = data.rows_read_display;
        status.textContent = data.status_display;
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 700);
}());
