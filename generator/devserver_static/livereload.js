// Shopforest dev server: reload on rebuild, show build errors as an overlay. Served only by
// `shopforest serve`, never part of a built shop. No library, no inline script (CSP holds).
(function () {
  "use strict";
  var OVERLAY_ID = "shopforest-dev-overlay";

  function showErrors(lines) {
    var box = document.getElementById(OVERLAY_ID);
    if (!box) {
      box = document.createElement("div");
      box.id = OVERLAY_ID;
      box.setAttribute("role", "alert");
      box.className = "shopforest-dev-overlay";
      document.body.appendChild(box);
    }
    box.textContent = "";
    var title = document.createElement("strong");
    title.textContent = "Build failed — the last good site is shown. Fix the files below:";
    var pre = document.createElement("pre");
    pre.textContent = lines.join("\n\n");
    box.appendChild(title);
    box.appendChild(pre);
  }

  function clearErrors() {
    var box = document.getElementById(OVERLAY_ID);
    if (box) box.parentNode.removeChild(box);
  }

  var generation = null;
  var source = new EventSource("/__shopforest/events");
  source.addEventListener("status", function (event) {
    var status = JSON.parse(event.data);
    if (status.errors && status.errors.length) {
      showErrors(status.errors);
      return;
    }
    if (generation !== null && status.generation !== generation) {
      window.location.reload();
      return;
    }
    generation = status.generation;
    clearErrors();
  });
})();
