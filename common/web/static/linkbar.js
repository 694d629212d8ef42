/* Keeps the staff pages' link bar true: every few seconds it reads the node's own record of the
   sync link (written by the link thread from real heartbeats) and redraws. navigator.onLine is
   never consulted: the browser reaching this node says nothing about the node reaching its parent. */
(function () {
  "use strict";
  var bar = document.getElementById("linkbar");
  if (!bar || !window.fetch) { return; }
  function draw(status) {
    var links = status.links || [];
    // Stored times are UTC; the screen shows China time (UTC+8, no daylight saving).
    function chinaTime(iso) { return new Date(Date.parse(iso) + 8 * 3600e3).toISOString().slice(0, 16).replace("T", " "); }
    var parent = links.filter(function (l) { return l.link === "up"; })[0];
    var queue = links.reduce(function (n, l) { return n + (l.queue_out || 0); }, 0);
    var p = bar.querySelector("[data-link=parent]");
    if (p) {
      var up = parent && parent.state === "up";
      p.className = up ? "link-up" : "link-down";
      p.textContent = up ? "● " + bar.dataset.up :
        "▲ " + (parent && parent.since ? bar.dataset.down.replace("{since}", chinaTime(parent.since))
                                       : bar.dataset.never);
    }
    var q = bar.querySelector("[data-link=queue]");
    if (q) { q.textContent = bar.dataset.queue.replace("{n}", String(queue)); }
  }
  function poll() {
    fetch(bar.dataset.statusUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) { if (s) { draw(s); } })
      .catch(function () { /* the node itself is unreachable: keep the last known state */ });
  }
  window.setInterval(poll, 5000);
})();
