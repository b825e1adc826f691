// Live progress of a solve: polls the JSON API and reloads when the plan is finished.
(function () {
  var box = document.getElementById("progress");
  if (!box) return;
  var job = box.getAttribute("data-job");
  var status = box.getAttribute("data-status");
  if (status !== "queued" && status !== "running") return;
  var words = { queued: "i kø", running: "lager planen", done: "ferdig", failed: "mislyktes", cancelled: "avbrutt" };
  function num(v, d) { return v === null || v === undefined ? "–" : v.toFixed(d).replace(".", ",").replace("-", "−"); }
  // a distance either way from the target: ±1,2, but 0,0 when it rounds to zero (never ±0,0)
  function spread(v) { const t = num(Math.max(0, v), 1); return t === "0,0" ? t : "±" + t; }
  function set(id, text) { var el = document.getElementById(id); if (el) el.textContent = text; }
  function tick() {
    fetch("/api/planer/" + job, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (d) {
        var p = d.fremdrift || {};
        set("status", words[d.status] || d.status);
        set("stage", p.label ? "– " + p.label : "");
        set("elapsed", num(p.elapsed || 0, 0));
        set("deviation", p.largest_deviation === null || p.largest_deviation === undefined ? "–" : spread(p.largest_deviation) + " poeng");
        set("bound", p.bound === null || p.bound === undefined ? "–" : spread(p.bound) + " poeng");
        var bar = document.getElementById("bar");
        if (bar && p.time_limit) bar.style.width = Math.min(100, 100 * (p.elapsed || 0) / p.time_limit) + "%";
        var list = document.getElementById("stages");
        if (list && p.stages) {
          list.innerHTML = "";
          p.stages.forEach(function (s) { var li = document.createElement("li"); li.textContent = s.label; list.appendChild(li); });
        }
        if (d.status !== "queued" && d.status !== "running") { window.location.reload(); return; }
        setTimeout(tick, 1000);
      })
      .catch(function () { setTimeout(tick, 3000); });
  }
  setTimeout(tick, 700);
})();
