// What-if: the search box above the parameter table keeps the rows whose id, name, citation, unit or
// rules contain every word typed (case-insensitive; full-width letters and digits count as half-width).
(function () {
  const box = document.getElementById("param-search");
  const table = document.getElementById("params");
  if (!box || !table) return;
  const rows = Array.from(table.querySelectorAll("tr.param-row"));
  const shown = document.getElementById("param-shown");
  const none = document.getElementById("param-none");
  const norm = (s) => (s || "").normalize("NFKC").toLowerCase();
  const hay = rows.map((r) => norm(r.dataset.search));

  function filter() {
    const words = norm(box.value).split(/\s+/).filter(Boolean);
    let n = 0;
    rows.forEach((r, i) => {
      const hit = words.every((w) => hay[i].includes(w));
      r.hidden = !hit;
      if (hit) n += 1;
    });
    if (shown) shown.textContent = words.length ? shown.dataset.template.replace("{n}", n).replace("{total}", rows.length) : "";
    if (none) none.hidden = n > 0;
    table.dataset.shown = String(n);
  }

  box.addEventListener("input", filter);
  filter();
})();
