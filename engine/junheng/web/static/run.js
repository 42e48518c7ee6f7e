// Explanations on demand: a click on "解释" fetches the plain explanation (server-rendered, autoescaped HTML).
(function () {
  const box = document.getElementById("explain-box");
  const out = document.getElementById("explain-text");
  document.addEventListener("click", async function (ev) {
    const a = ev.target.closest("a.explain-link");
    if (!a || !box || typeof box.showModal !== "function") return;
    ev.preventDefault();
    out.textContent = document.documentElement.lang === "en" ? "computing…" : "正在计算……";
    box.showModal();
    const url = new URL(a.href, location.href);
    url.searchParams.set("fragment", "html");
    try {
      const r = await fetch(url, {credentials: "same-origin"});
      if (r.ok) out.innerHTML = await r.text(); else out.textContent = await r.text();
    } catch (e) {
      out.textContent = String(e);
    }
  });
})();
