// While the server reads and evaluates the uploads, say so (a county takes a second or two).
(function () {
  const form = document.getElementById("upload");
  if (!form) return;
  form.addEventListener("submit", function () {
    const b = document.getElementById("go");
    b.textContent = document.documentElement.lang === "en" ? "Evaluating…" : "正在评估……";
    setTimeout(function () { b.disabled = true; }, 0);
  });
})();
