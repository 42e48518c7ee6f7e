// What-if: every edit is sent to the server (debounced), which checks it as `junheng check` does and
// re-evaluates the uploaded data; the answer lists problems per field and the verdicts that change.
(function () {
  const root = document.getElementById("whatif");
  if (!root) return;
  const T = JSON.parse(document.getElementById("labels").textContent);
  const $ = (sel) => document.querySelector(sel);
  let seq = 0, timer = null;

  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v; else e.setAttribute(k, v);
    }
    for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(k == null ? "" : String(k)));
    return e;
  }

  function edits() {
    const out = {};
    document.querySelectorAll("input.param").forEach((inp) => {
      const changed = inp.value.trim() !== inp.dataset.orig;
      inp.classList.toggle("changed", changed);
      if (changed) {
        (out[inp.dataset.param] = out[inp.dataset.param] || {})[inp.dataset.stage] = inp.value;
      }
    });
    return out;
  }

  function meta() {
    const f = $("#save-form");
    const m = {};
    for (const k of ["new_id", "title", "jurisdiction", "reason", "document", "article", "source_status"]) m[k] = f.elements[k].value;
    return m;
  }

  function body(extra) {
    return JSON.stringify(Object.assign({
      standard: root.dataset.standard, as_of: root.dataset.asOf, run: root.dataset.run,
      edits: edits(), meta: meta(),
    }, extra || {}));
  }

  function showProblems(doc) {
    document.querySelectorAll(".field-error").forEach((s) => { s.textContent = ""; });
    document.querySelectorAll("input.param").forEach((i) => i.classList.remove("invalid"));
    const list = $("#problems");
    list.replaceChildren();
    const all = (doc.problems || []).concat(doc.meta_problems || []);
    for (const p of all) {
      const slot = document.querySelector(`.field-error[data-for="${CSS.escape(p.field)}"]`);
      if (slot && p.field) slot.textContent = p.message;
      if (p.field.startsWith("param:")) {
        const [, pid, stage] = p.field.split(":");
        document.querySelectorAll(`input.param[data-param="${CSS.escape(pid)}"]`).forEach((i) => {
          if (!stage || i.dataset.stage === stage) i.classList.add("invalid");
        });
      }
      list.append(el("li", {class: "bad"}, (p.where ? p.where + T.p_colon : "") + p.message));
    }
    const n = Object.keys(edits()).length;
    const st = $("#check-status");
    if ((doc.problems || []).length) {
      st.className = "bad"; st.textContent = `${T.wi_errors}${T.p_lparen}${doc.problems.length}${T.p_rparen}`;
    } else if (!n) {
      st.className = "muted"; st.textContent = T.wi_noedit;
    } else {
      st.className = "ok";
      st.textContent = `${T.wi_ok} · ${T.wi_changes}${T.p_colon}` + (doc.changes || []).map((c) =>
        c.id + " " + c.cells.filter((x) => x.old !== x.new).map((x) => `${x.label}${x.old}→${x.new}`).join(T.p_comma)).join(T.p_clause);
    }
  }

  function table(headers, rows) {
    const t = el("table", {class: "grid small"});
    t.append(el("tr", {}, ...headers.map((h) => el("th", {}, h))));
    for (const r of rows) t.append(el("tr", r.attrs || {}, ...r.cells.map((c) => c instanceof Node ? el("td", {}, c) : el("td", {}, c))));
    return t;
  }

  function badge(outcome, label) { return el("span", {class: "badge b-" + outcome}, label); }

  function showImpact(doc) {
    const box = $("#impact");
    if (!root.dataset.run) return;
    box.replaceChildren();
    const imp = doc.impact;
    if (!imp) { box.append(el("span", {class: "muted"}, Object.keys(edits()).length ? "" : T.wi_noedit)); return; }
    if (!imp.rows.length && !imp.counties.length) { box.append(el("p", {id: "no-change"}, T.wi_nochange)); return; }
    const summary = el("p", {id: "impact-summary"});
    summary.textContent = `${T.wi_schools}${T.p_colon}${imp.schools.length}${T.p_clause}${T.wi_counties}${T.p_colon}${imp.counties.length}`;
    box.append(summary);
    if (imp.counties.length) {
      box.append(el("h4", {}, T.wi_counties));
      box.append(table([T.county, T.rule, T.stage, T.before, T.after], imp.counties.map((c) => ({
        attrs: {class: "county-change", "data-county": c.county_id, "data-rule": c.rule_id},
        cells: [c.county_id, `${c.rule_id} ${c.rule_name}`, c.stage || "", badge(c.a, c.a_label), badge(c.b, c.b_label)],
      }))));
    }
    box.append(el("h4", {}, T.wi_rules));
    box.append(table([T.rule, T.wi_pass_fail, T.wi_fail_pass, T.wi_other], imp.per_rule.map((r) => ({
      attrs: {class: "rule-change", "data-rule": r.rule_id},
      cells: [`${r.rule_id} ${r.rule_name}`, r.pass_to_fail, r.fail_to_pass, r.other],
    }))));
    if (imp.rows.length) {
      box.append(el("h4", {}, T.wi_schools));
      box.append(table([T.school, T.stage, T.rule, T.value, T.before, T.after], imp.rows.map((r) => ({
        attrs: {class: "school-change", "data-school": r.school_id, "data-stage": r.stage, "data-rule": r.rule_id,
                "data-a": r.a, "data-b": r.b},
        cells: [`${r.school_id} ${r.school_name}`, r.stage_label, r.rule_id, r.value == null ? "" :
                `${r.value}${T.p_lparen}${r.threshold_a ?? ""}→${r.threshold_b ?? ""}${T.p_rparen}`,
                badge(r.a, r.a_label), badge(r.b, r.b_label)],
      }))));
    }
  }

  async function preview() {
    const my = ++seq;
    $("#check-status").className = "muted";
    $("#check-status").textContent = T.loading;
    let doc;
    try {
      const r = await fetch(root.dataset.preview, {method: "POST", headers: {"Content-Type": "application/json"},
                                                   body: body(), credentials: "same-origin"});
      doc = await r.json();
    } catch (e) {
      doc = {problems: [{field: "", message: String(e), where: ""}]};
    }
    if (my !== seq) return; // a newer edit is on its way
    showProblems(doc);
    showImpact(doc);
    $("#yaml").textContent = doc.yaml || "";
    root.dataset.state = (doc.problems || []).length ? "invalid" : "ready";
  }

  function schedule() {
    root.dataset.state = "pending";
    clearTimeout(timer);
    timer = setTimeout(preview, 250);
  }

  document.querySelectorAll("input.param").forEach((i) => i.addEventListener("input", schedule));
  $("#new_id").addEventListener("input", schedule);
  $("#jurisdiction").addEventListener("input", schedule);

  $("#save-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const out = $("#saved");
    out.replaceChildren();
    root.dataset.state = "saving";
    const r = await fetch(root.dataset.save, {method: "POST", headers: {"Content-Type": "application/json"},
                                              body: body(), credentials: "same-origin"});
    const doc = await r.json();
    showProblems(doc);
    if (doc.saved) {
      out.append(el("p", {class: "ok", id: "saved-ok"}, `${T.wi_saved}${T.p_colon}${doc.saved.id} → ${doc.saved.path}`));
      out.append(el("p", {}, T.wi_run_cmd), el("pre", {class: "small", id: "saved-cmd"}, doc.saved.command));
      root.dataset.state = "saved";
    } else {
      root.dataset.state = "save-refused";
    }
  });

  root.dataset.state = "ready";
})();
