// Sort and filter the findings table. The page is complete without this:
// it only shows the controls (hidden otherwise) and wires them up.
(function () {
  "use strict";
  var table = document.getElementById("findings-table");
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var text = rows.map(function (r) { return r.textContent.toLowerCase(); });
  var filter = document.getElementById("filter");
  var verdict = document.getElementById("verdict");
  var shown = document.getElementById("shown");

  function apply() {
    var q = filter.value.trim().toLowerCase(), v = verdict.value, n = 0;
    rows.forEach(function (r, i) {
      var show = (!v || r.className === v) && (!q || text[i].indexOf(q) >= 0);
      r.hidden = !show;
      if (show) n++;
    });
    shown.textContent = "Showing " + n + " of " + rows.length + " findings";
  }

  // An empty cell (no recorded use) sorts as the longest idle, in days as
  // in dates.
  function key(th, cell) {
    var t = cell.textContent;
    if (th.dataset.sort === "num") return /^\d+$/.test(t) ? +t : Infinity;
    if (th.dataset.sort === "date") return /^\d/.test(t) ? t : "";
    return t.toLowerCase();
  }

  var heads = table.tHead.rows[0].cells;
  Array.prototype.forEach.call(heads, function (th, col) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = th.textContent;
    th.textContent = "";
    th.appendChild(b);
    b.addEventListener("click", function () {
      var asc = th.getAttribute("aria-sort") !== "ascending";
      Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", asc ? "ascending" : "descending");
      var keyed = rows.map(function (r, i) { return { r: r, i: i, k: key(th, r.cells[col]) }; });
      keyed.sort(function (a, b) {
        var c = a.k < b.k ? -1 : a.k > b.k ? 1 : 0;
        return (asc ? c : -c) || a.i - b.i;
      });
      var frag = document.createDocumentFragment();
      keyed.forEach(function (x) { frag.appendChild(x.r); });
      body.appendChild(frag);
    });
  });

  filter.addEventListener("input", apply);
  verdict.addEventListener("change", apply);
  document.getElementById("controls").hidden = false;
  apply();
})();
