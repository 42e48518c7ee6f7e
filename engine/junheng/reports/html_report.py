"""Self-contained HTML report: one file, inline CSS and inline SVG, no script, no network, no fonts.

Sections (Chinese by default, English with lang="en"):
  1. county verdict and area verdicts (whatever county-level rules the standard defines), vetoes
  2. a chart per stage-level threshold indicator (R1–R7 in the national standard): every school
     stage's value, sorted, against its threshold and the floor of an ``at_least(..., rest_reach=)``
     rule that uses it (85% nationally)
  3. the coefficient of variation of each indicator against its limit, per county and stage, with
     the schools that contribute most to the dispersion of a failing one
  4. the school-stage table: pass/fail per indicator (failing cells highlighted), the smallest
     change that would pass, and a <details> with the explanation — the same text ``junheng explain
     --school ID --stage S`` prints
  5. rejected rows, data problems, provenance footer (standard chain sha256, thresholds' file:line,
     engine version, input files and fingerprint)

Every piece of user data goes through ``html.escape`` (school names can contain anything).
"""
from __future__ import annotations

import html
import math

import numpy as np

from junheng.evaluation.finite import as_float as _num
from junheng.version import __version__
from junheng.explain.counterfactual import all_counterfactuals
from junheng.explain.dispersion import cv_contributions, is_cv_rule
from junheng.explain.derivation import explain_school
from junheng.explain.text import explain_text
from junheng.explain.plain import explain_html
from junheng.i18n import LANGS, OUTCOME_LABELS, t as tr
from junheng.formatting import fmt_num
from junheng.evaluation.logic import ABSENT, FAIL, NOT_EVALUABLE, PASS
from junheng.standard.provenance import run_provenance, short_text
from junheng.language.nodes import Call, Name
from junheng.reports.files import summary
from junheng.atomic import atomic_open
from junheng.explain.gaps import form_gaps

MAX_EXPLAINED = 400  # stage units with an embedded explanation (failing ones first)
MAX_CHART_UNITS = 3000  # bars per chart; beyond this the chart shows a sorted sample
CSS = """
:root{--ok:#1a7f37;--bad:#cf222e;--warn:#9a6700;--na:#8c959f;--line:#d0d7de;--bg:#f6f8fa}
*{box-sizing:border-box}
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",system-ui,sans-serif;
 margin:0;padding:24px;color:#1f2328;background:#fff;line-height:1.5;font-size:14px}
h1{font-size:22px;margin:0 0 4px}\
h2{font-size:18px;margin:28px 0 8px;border-bottom:2px solid var(--line);padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}
.muted{color:#57606a}.small{font-size:12px}
.badge{display:inline-block;padding:2px 10px;border-radius:12px;font-weight:600;color:#fff;white-space:nowrap}
.b-pass{background:var(--ok)}.b-fail{background:var(--bad)}.b-not_evaluable{background:var(--warn)}
.b-not_applicable,.b-none{background:var(--na)}
.verdict{font-size:20px;padding:6px 16px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:10px 0}
.card{border:1px solid var(--line);border-radius:8px;padding:10px 14px;min-width:180px;background:var(--bg)}
.card .k{font-size:12px;color:#57606a}.card .v{font-size:18px;font-weight:600}
table{border-collapse:collapse;font-size:13px}
th,td{border:1px solid var(--line);padding:3px 6px;text-align:left;vertical-align:top}
th{background:var(--bg);position:sticky;top:0;z-index:1}
td.num{text-align:right;font-variant-numeric:tabular-nums}
td.pass{background:#dafbe1}td.fail{background:#ffd8d3;font-weight:600;color:#82071e}
td.not_evaluable{background:#fff1c2}td.not_applicable{color:var(--na)}
.scroll{overflow-x:auto;max-width:100%;border:1px solid var(--line);border-radius:6px}
.tall{max-height:80vh;overflow:auto}
details summary{cursor:pointer;color:#0969da;white-space:nowrap}
pre.explain{white-space:pre;font-size:12px;line-height:1.35;background:var(--bg);padding:8px;margin:4px 0;
 max-width:80vw;max-height:60vh;overflow:auto;font-family:"Noto Sans Mono CJK SC",ui-monospace,monospace}
.cf{color:#0550ae;font-size:12px;min-width:260px}
table.schools td:nth-child(-n+3){white-space:nowrap}
svg{display:block}svg text{font-size:11px;fill:#1f2328}
.chart{margin:6px 0 16px}
footer{margin-top:32px;border-top:2px solid var(--line);padding-top:10px;font-size:12px;color:#57606a}
code{font-size:12px;word-break:break-all}
.legend span{display:inline-block;margin-right:14px}.sw{display:inline-block;width:10px;height:10px;margin-right:4px}
"""


def e(x) -> str:
    """Escape anything for HTML text or attribute context."""
    if x is None:
        return ""
    if isinstance(x, float) and math.isnan(x):
        return ""
    return html.escape(str(x), quote=True)


# the report's texts, from the catalogue (junheng.messages)
_T_KEYS = {
    "title": "html.title", "county": "html.county", "veto": "html.veto",
    "charts": "html.charts", "cv": "html.cv", "schools": "html.schools", "rejected": "html.rejected",
    "problems": "html.problems", "prov": "html.prov", "value": "html.value", "threshold": "html.threshold",
    "floor": "html.floor", "stage": "html.stage", "id": "html.id", "name": "html.name",
    "explain": "html.explain", "to_pass": "html.to_pass", "limit": "html.limit", "no_county": "html.no_county",
    "file": "html.file", "row": "html.row", "reason": "html.reason", "rule": "html.rule",
    "outcome": "html.outcome", "none": "html.none", "fail_first": "html.fail_first", "contrib": "html.contrib",
    "engine": "html.engine", "as_of": "html.as_of",
    "fingerprint": "html.fingerprint", "inputs": "html.inputs", "chain": "html.chain", "rules": "html.rules",
    "units": "html.units", "schools_n": "html.schools_n", "verdicts": "html.verdicts", "read": "html.read",
    "rej": "html.rej", "pass_rate": "html.pass_rate", "sorted": "html.sorted", "clipped": "html.clipped",
    "explained_only": "html.explained_only", "at": "html.at", "status": "html.status",
    "citation": "html.citation", "sha": "html.sha",
}
T = {lang: {k: tr(lang, key) for k, key in _T_KEYS.items()} for lang in LANGS}


# ------------------------------------------------------------------ helpers

def _badge(outcome, lang, big=False):
    label = OUTCOME_LABELS[lang].get(outcome, outcome or "—")
    return f'<span class="badge b-{e(outcome or "none")}{" verdict" if big else ""}">{e(label)}</span>'


def _p(lang, x) -> str:
    """x in brackets: （x） in Chinese, " (x)" in English."""
    return tr(lang, "paren", x=x)


def _c(lang, x) -> str:
    """x followed by a colon: x： in Chinese, "x: " in English."""
    return tr(lang, "colon", x=x)


def _rule_name(rule, lang):
    return rule.name_en if lang == "en" and rule.name_en else rule.name


def _explain_text(run, school_id, stage, lang) -> str:
    """What `junheng explain --school ID --stage S` prints, as plain text (tests compare the two)."""
    return explain_text(explain_school(run, school_id, stage, lang), lang)


def _floors(run) -> dict:
    """rule id -> floor fraction from an at_least(..., rest_reach = P) rule that lists it."""
    out = {}
    for rule in run.compiled.rules:
        for cond in (rule.condition or {}).values():
            for node in cond.node.walk():
                if isinstance(node, Call) and node.func == "at_least" and "rest_reach" in node.kwargs:
                    rr = node.kwargs["rest_reach"]
                    val = None
                    if isinstance(rr, Name) and rr.id in run.standard.parameters:
                        v = run.standard.parameters[rr.id].in_force(run.as_of)
                        val = v.value if v else None
                    elif hasattr(rr, "value"):
                        val = rr.value
                    if val is not None:
                        for item in node.args[1].items:
                            out.setdefault(item.id, float(val))
    return out


# ------------------------------------------------------------------ charts

def bar_chart(values, thresholds, labels, unit, floor=None, lang="zh", op=">=") -> str:
    """Sorted vertical bars of one stage; threshold and floor lines; red below floor, amber below threshold."""
    t = T[lang]
    vals = np.asarray(values, dtype=float)
    thr = np.asarray(thresholds, dtype=float)
    ok = ~np.isnan(vals)
    vals, thr, labels = vals[ok], thr[ok], [labels[i] for i in np.flatnonzero(ok)]
    n = len(vals)
    if n == 0:
        return f'<p class="muted small">{e(t["none"])}</p>'
    order = np.argsort(vals, kind="stable")
    if n > MAX_CHART_UNITS:
        order = order[np.linspace(0, n - 1, MAX_CHART_UNITS).astype(int)]
    vals, thr, labels = vals[order], thr[order], [labels[i] for i in order]
    n = len(vals)
    tmax = np.nanmax(thr) if np.isfinite(thr).any() else 0.0
    top = _nice_top(max(min(tmax * 2.0, float(np.nanmax(vals))), float(np.nanpercentile(vals, 95)) * 1.05,
                        tmax * 1.1, 1e-9))
    bw = 4 if n > 150 else (8 if n > 60 else 14)
    gap = 1 if bw <= 4 else 2
    left, right, h, pad_top, pad_bottom = 56, 110, 220, 10, 24
    width = left + n * (bw + gap) + right
    plot_h = h - pad_top - pad_bottom

    def y(v):
        return pad_top + plot_h * (1 - min(max(v, 0.0), top) / top)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{h}" role="img" '
             f'viewBox="0 0 {width} {h}">']
    # axis ticks
    for k in range(5):
        v = top * k / 4
        yy = y(v)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="#eaeef2"/>')
        parts.append(f'<text x="{left - 4}" y="{yy + 4:.1f}" text-anchor="end">{e(fmt_num(v))}</text>')
    for i in range(n):
        v, th = vals[i], thr[i]
        below_floor = floor is not None and v < floor * th - 1e-9 * abs(th)
        passed = v >= th - 1e-9 * abs(th) if op in (">=", ">") else v <= th + 1e-9 * abs(th)
        color = "#1a7f37" if passed else ("#cf222e" if below_floor else "#d4a72c")
        x = left + i * (bw + gap)
        yy = y(v)
        clipped = v > top
        tip = _c(lang, labels[i]) + f"{fmt_num(v)} {unit}" + _p(lang, f"{t['threshold']} {fmt_num(th)}") \
            + (f" {t['clipped']}" if clipped else "")
        parts.append(f'<rect x="{x}" y="{yy:.1f}" width="{bw}" height="{max(pad_top + plot_h - yy, 0.5):.1f}" '
                     f'fill="{color}"><title>{e(tip)}</title></rect>')
        if clipped:
            parts.append(f'<path d="M{x} {pad_top + 4} l{bw / 2} -4 l{bw / 2} 4" fill="none" stroke="#1f2328"/>')
    # threshold and floor lines (a stage has one threshold; draw each distinct value)
    for th in sorted(set(np.round(thr[np.isfinite(thr)], 9))):
        yy = y(th)
        parts.append(f'<line x1="{left}" x2="{width - right + 4}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="#0969da" '
                     f'stroke-width="1.5"/><text x="{width - right + 6}" y="{yy + 4:.1f}" fill="#0969da">'
                     f'{e(t["threshold"])} {e(fmt_num(th))}</text>')
        if floor is not None:
            yf = y(th * floor)
            label_y = max(yf, yy + 12)  # keep the floor label clear of the threshold label
            parts.append(f'<line x1="{left}" x2="{width - right + 4}" y1="{yf:.1f}" y2="{yf:.1f}" stroke="#cf222e" '
                         f'stroke-dasharray="4 3"/><text x="{width - right + 6}" y="{label_y + 4:.1f}" fill="#cf222e">'
                         f'{e(t["floor"].format(p=fmt_num(floor * 100)))}</text>')
    parts.append(f'<line x1="{left}" x2="{left}" y1="{pad_top}" y2="{pad_top + plot_h}" stroke="#57606a"/>')
    parts.append(f'<text x="{left}" y="{h - 6}">{e(unit)}  n={n}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _nice_top(v: float) -> float:
    """The smallest 'round' axis top (1, 2, 2.5, 5 × 10^k per quarter) at or above v."""
    step = v / 4
    mag = 10 ** math.floor(math.log10(step))
    for m in (1, 2, 2.5, 5, 10):
        if m * mag >= step - 1e-12:
            return 4 * m * mag
    return v  # pragma: no cover


def cv_chart(items, lang="zh") -> str:
    """Horizontal bars: one per (indicator) with its CV and the limit."""
    t = T[lang]
    if not items:
        return ""
    row_h, left, width = 22, 330, 760
    h = row_h * len(items) + 26
    top = max([i["limit"] for i in items if i["limit"] is not None] + [i["value"] for i in items
                                                                          if i["value"] is not None] + [1e-9]) * 1.2
    scale = (width - left - 80) / top
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{h}" role="img" viewBox="0 0 '
             f'{width} {h}">']
    for k, it in enumerate(items):
        yy = 6 + k * row_h
        parts.append(f'<text x="{left - 6}" y="{yy + 13}" text-anchor="end">{e(it["label"])}</text>')
        v = it["value"]
        color = {"pass": "#1a7f37", "fail": "#cf222e"}.get(it["outcome"], "#8c959f")
        if v is not None:
            parts.append(f'<rect x="{left}" y="{yy + 2}" width="{max(v * scale, 0.5):.1f}" height="{row_h - 8}" '
                         f'fill="{color}"><title>{e(it["label"])}: {e(fmt_num(v))}</title></rect>')
            parts.append(f'<text x="{left + v * scale + 4:.1f}" y="{yy + 13}">{e(fmt_num(v))}</text>')
        if it["limit"] is not None:
            xl = left + it["limit"] * scale
            parts.append(f'<line x1="{xl:.1f}" x2="{xl:.1f}" y1="{yy}" y2="{yy + row_h - 2}" stroke="#0969da" '
                         f'stroke-width="2"/><text x="{xl + 4:.1f}" y="{yy + 13}" fill="#0969da">'
                         f'≤ {e(fmt_num(it["limit"]))}</text>')
    parts.append(f'<text x="{left}" y="{h - 4}" fill="#0969da">| {e(t["limit"])}</text>')
    parts.append("</svg>")
    return "".join(parts)


# ------------------------------------------------------------------ sections

def _county_section(run, lang, out):  # noqa: C901
    t = T[lang]
    v = run.verdicts
    std = run.standard
    rules = {r.id: r for r in run.compiled.rules}
    county = v[v.level == "county"]
    out.append(f'<h2>{e(t["county"])}</h2>')
    if not len(county):
        out.append(f'<p class="muted">{e(t["none"])}</p>')
        return
    has_overall = "county" in rules
    if not has_overall:
        out.append(f'<p class="muted small">{e(t["no_county"])}</p>')
    relaxed = v[v.relaxation.notna() & (v.level != "county")] if "relaxation" in v else v.iloc[:0]
    relaxed_by_county = dict(tuple(relaxed.groupby("county_id", sort=False))) if len(relaxed) else {}
    for cid, grp in county.groupby("county_id", sort=False):
        name = ""
        cf = run.spaces.counties
        if "county_name" in cf:
            hit = cf.loc[cf.county_id == cid, "county_name"]
            name = hit.iloc[0] if len(hit) and isinstance(hit.iloc[0], str) else ""
        overall = grp[grp.rule_id == "county"]
        head = f'<h3>{e(name)}{e(_p(lang, cid))}'
        if len(overall):
            head += " " + _badge(overall.outcome.iloc[0], lang, big=True)
        out.append(head + "</h3>")
        if len(overall) and overall.reason.iloc[0]:
            out.append(f'<p>{e(overall.reason.iloc[0])}</p>')
        elig = grp[grp.area == "eligibility"]
        if len(elig):  # 资格审查: a precondition of applying, reported apart from the four areas
            elig_title = ("资格审查（申报条件，单独报告，不计入评估结论）" if lang == "zh"
                          else "Eligibility (a precondition, reported apart, not part of the verdict)")
            for r in elig.itertuples(index=False):
                out.append(f'<p><b>{elig_title}'
                           f'</b> {e(r.rule_id)} {e(r.rule_name)} {_badge(r.outcome, lang)}'
                           f' <span class="small muted">{e(r.reason)}</span></p>')
        rel = relaxed_by_county.get(cid)
        if rel is not None:  # passes that hold only under a dated relaxation (the normal standard is due later)
            items = "".join(f'<li>{e(r.school_name if isinstance(r.school_name, str) else r.school_id)} '
                            f'{e(r.rule_id)}：{e(r.relaxation)}</li>' for r in rel.itertuples(index=False))
            out.append(f'<p><b>{"仅因过渡期放宽而达标" if lang == "zh" else "passes only under a relaxation"}'
                       f'（{len(rel)}）</b></p><ul class="small">{items}</ul>')
        # areas
        areas = grp[grp.rule_id.str.startswith("area_")]
        if len(areas):
            out.append('<div class="cards">')
            for r in areas.itertuples(index=False):
                out.append(f'<div class="card"><div class="k">{e(r.rule_id)}</div><div class="v">{e(r.rule_name)}</div>'
                           f'{_badge(r.outcome, lang)}<div class="small muted">{e(r.reason)}</div></div>')
            out.append("</div>")
        vetoes = grp[grp.rule_id.map(lambda x: bool(getattr(rules.get(x), "veto", False)))]
        if len(vetoes):
            out.append(f'<h3>{e(t["veto"])}</h3><table><tr><th>{e(t["rule"])}</th><th>{e(t["outcome"])}</th>'
                       f'<th>{e(t["reason"])}</th></tr>')
            for r in vetoes.itertuples(index=False):
                cls = r.outcome
                out.append(f'<tr><td>{e(r.rule_id)} {e(r.rule_name)}</td><td class="{e(cls)}">{_badge(r.outcome, lang)}'
                           f'</td><td>{e(r.reason)}</td></tr>')
            out.append("</table>")
        rest = grp[~grp.rule_id.isin(set(areas.rule_id) | set(vetoes.rule_id) | set(elig.rule_id) | {"county"})]
        if len(rest):
            bad = rest[rest.outcome.isin(["fail", "not_evaluable"])]
            if len(bad):  # what keeps the county from passing, always visible
                out.append(f'<p><b>{tr(lang, "html.county_failing")}'
                           f'{_p(lang, len(bad))}</b></p>')
                _county_rows(bad, std, lang, t, out)
            out.append(f'<details><summary>{tr(lang, "html.county_all")}'
                       f'{_p(lang, len(rest))}</summary>')
            _county_rows(rest, std, lang, t, out)
            out.append("</details>")


def _county_rows(rows, std, lang, t, out):
    out.append(f'<div class="scroll"><table><tr><th>{e(t["rule"])}</th><th>{e(t["stage"])}</th>'
               f'<th>{e(t["value"])}</th><th>{e(t["threshold"])}</th><th>{e(t["outcome"])}</th>'
               f'<th>{e(t["reason"])}</th></tr>')
    for r in rows.itertuples(index=False):
        stage = std.stage_label(r.stage, lang) if isinstance(r.stage, str) else ""
        thr = f"{r.operator} {fmt_num(r.threshold)}" if isinstance(r.operator, str) else ""
        out.append(f'<tr><td>{e(r.rule_id)} {e(r.rule_name)}</td><td>{e(stage)}</td>'
                   f'<td class="num">{e(fmt_num(r.value))}</td><td class="num">{e(thr)}</td>'
                   f'<td class="{e(r.outcome)}">{_badge(r.outcome, lang)}</td><td>{e(r.reason)}</td></tr>')
    out.append("</table></div>")


def _indicator_charts(run, lang, out):
    t = T[lang]
    ev = run.evaluator
    sp = run.spaces
    floors = _floors(run)
    rules = [r for r in run.compiled.rules if r.space == "stage" and r.kind == "threshold"]
    if not rules:
        return
    out.append(f'<h2>{e(t["charts"])}</h2><p class="muted small">{e(t["sorted"])}</p>')
    legend = (f'<p class="legend small"><span><i class="sw" '
              f'style="background:#1a7f37"></i>{e(OUTCOME_LABELS[lang]["pass"])}'
              f'</span><span><i class="sw" style="background:#d4a72c"></i>'
              f'{tr(lang, "html.above_floor")}</span>'
              f'<span><i class="sw" style="background:#cf222e"></i>{tr(lang, "html.below_floor")}</span></p>')
    out.append(legend)
    names = sp.schools["school_name"].to_numpy(dtype=object) if "school_name" in sp.schools else \
        sp.schools["school_id"].to_numpy(dtype=object)
    sids = sp.schools["school_id"].to_numpy(dtype=object)
    for rule in rules:
        res = ev.results[rule.id]
        out.append(f'<h3>{e(rule.id)} {e(_rule_name(rule, lang))}</h3>')
        for code, stage in enumerate(sp.stages):
            rows = np.flatnonzero((sp.u_stage == code) & (res.outcome != ABSENT))
            if not len(rows):
                continue
            labels = [f"{names[sp.u_school[r]]}{_p(lang, sids[sp.u_school[r]])}" for r in rows]
            fails = int((res.outcome[rows] == FAIL).sum())
            out.append(f'<div class="small">{e(_c(lang, run.standard.stage_label(stage, lang)))}'
                       f'{tr(lang, "html.failing")} {fails} / {len(rows)}</div>')
            out.append('<div class="scroll chart">' + bar_chart(res.value[rows], res.threshold[rows], labels,
                                                                rule.unit or "", floors.get(rule.id), lang,
                                                                rule.operator) + "</div>")


def _cv_section(run, lang, out):
    t = T[lang]
    ev = run.evaluator
    sp = run.spaces
    cv_rules = [r for r in run.compiled.rules if is_cv_rule(r) and r.space in ("county_stage", "county")]
    if not cv_rules:
        return
    out.append(f'<h2>{e(t["cv"])}</h2>')
    cids = sp.counties["county_id"].to_numpy(dtype=object)
    cnames = sp.counties["county_name"].to_numpy(dtype=object) if "county_name" in sp.counties else cids
    n_cs = ev.n("county_stage")
    for row in range(n_cs):
        c, code = sp.cs_county[row], sp.cs_stage[row]
        items, failing = [], []
        for r in cv_rules:
            res = ev.results[r.id]
            i = row if r.space == "county_stage" else c
            if res.outcome[i] == ABSENT:
                continue
            o = {PASS: "pass", FAIL: "fail", NOT_EVALUABLE: "not_evaluable"}.get(int(res.outcome[i]), "not_applicable")
            items.append({"label": f"{r.id} {_rule_name(r, lang)}", "value": _num(res.value[i]),
                          "limit": _num(res.threshold[i]), "outcome": o})
            if o == "fail":
                failing.append((r, i))
        if not items:
            continue
        cname = cnames[c] if isinstance(cnames[c], str) else ""
        out.append(f'<h3>{e(cname)}{e(_p(lang, cids[c]))} {e(run.standard.stage_label(sp.stages[code], lang))}</h3>')
        out.append('<div class="scroll chart">' + cv_chart(items, lang) + "</div>")
        for r, i in failing:
            contrib = cv_contributions(run, r, int(i), lang, 5)
            if contrib:
                comma = tr(lang, "sep.comma")
                out.append(f'<p class="small">{e(r.id)} {e(_c(lang, t["contrib"]))}' + tr(lang, "sep.clause").join(
                    f'{e(x["school_name"])}{e(_p(lang, x["school_id"]))}{e(fmt_num(x["value"]))}{comma}'
                    f'{e(fmt_num((x["share_of_variance"] or 0) * 100))}%{comma}{e(x["direction"])}'
                    for x in contrib) + "</p>")




def _school_table(run, lang, out, explain=True, progress=None):
    t = T[lang]
    ev = run.evaluator
    sp = run.spaces
    std = run.standard
    rules = [r for r in run.compiled.rules if r.space == "stage"]
    if not rules or not sp.sizes["stage"]:
        return
    cfs = all_counterfactuals(run, lang)
    n = sp.sizes["stage"]
    outcomes = np.stack([ev.results[r.id].outcome for r in rules], axis=1)
    any_fail = (outcomes == FAIL).any(axis=1)
    any_ne = (outcomes == NOT_EVALUABLE).any(axis=1)
    rank = np.where(any_fail, 0, np.where(any_ne, 1, 2))
    order = np.lexsort((np.arange(n), rank))
    sids = sp.schools["school_id"].to_numpy(dtype=object)
    names = sp.schools["school_name"].to_numpy(dtype=object) if "school_name" in sp.schools else sids
    L = OUTCOME_LABELS[lang]
    out.append(f'<h2>{e(t["schools"])}</h2><p class="muted small">{e(t["fail_first"])}</p>')
    if explain is True and n > MAX_EXPLAINED:
        out.append(f'<p class="muted small">{e(t["explained_only"].format(n=MAX_EXPLAINED))}</p>')
    head = (f'<tr><th>{e(t["id"])}</th><th>{e(t["name"])}</th><th>{e(t["stage"])}</th>' +
            "".join(f'<th title="{e(_rule_name(r, lang))}">{e(r.id)}</th>' for r in rules) +
            f'<th>{e(t["to_pass"])}</th>' + (f'<th>{e(t["explain"])}</th>' if explain else "") + "</tr>")
    out.append('<div class="scroll tall"><table class="schools">' + head)
    for k, u in enumerate(order):
        s = sp.u_school[u]
        stage = sp.stages[sp.u_stage[u]]
        cells = []
        hints = []
        for j, r in enumerate(rules):
            o = int(outcomes[u, j])
            res = ev.results[r.id]
            if o == ABSENT:
                cells.append("<td></td>")
                continue
            name = {PASS: "pass", FAIL: "fail", NOT_EVALUABLE: "not_evaluable"}.get(o, "not_applicable")
            text = fmt_num(round(float(res.value[u]), 2)) if res.value is not None and not np.isnan(res.value[u]) \
                else ("" if res.value is not None else None)
            text = text if text is not None else ("✓" if o == PASS else "✗" if o == FAIL else "")
            if o == NOT_EVALUABLE:
                text = "?"
            elif o != PASS and o != FAIL:
                text = "–"
            tip = f"{r.id} {L.get(name, name)}"
            if res.value is not None and res.threshold is not None:
                tip = _c(lang, tip) + f"{fmt_num(res.value[u])} {r.operator} {fmt_num(res.threshold[u])}"
            cells.append(f'<td class="{name} num" title="{e(tip)}">{e(text)}</td>')
            opts = cfs.get(r.id, {}).get(int(u))
            if opts:
                hints.append(_c(lang, r.id) + opts[0]["text"])
        hint = "<br>".join(e(h) for h in hints)
        row = (f'<tr><td>{e(sids[s])}</td><td>{e(names[s])}</td><td>{e(std.stage_label(stage, lang))}</td>'
               + "".join(cells) + f'<td class="cf">{hint}</td>')
        if callable(explain):  # live page: the explanation is fetched when asked for
            row += (f'<td><a class="explain-link" href="{e(explain(sids[s], stage))}" '
                    f'data-school="{e(sids[s])}" data-stage="{e(stage)}">{e(t["explain"])}</a></td>')
        elif explain:
            if k < MAX_EXPLAINED:
                # the plain explanation (explain/templates/explain_plain.html), its stylesheet once
                row += (f'<td><details><summary>{e(t["explain"])}</summary>'
                        f'{explain_html(run, sids[s], stage, lang, style=k == 0)}</details></td>')
            else:
                row += "<td></td>"
        out.append(row + "</tr>")
        if progress is not None:
            progress.advance()
    out.append("</table></div>")


def _rejected_section(run, lang, out):
    t = T[lang]
    out.append(f'<h2>{e(t["rejected"])}{_p(lang, len(run.rejected))}</h2>')
    if not run.rejected:
        out.append(f'<p class="muted">{e(t["none"])}</p>')
    else:
        out.append(f'<div class="scroll"><table><tr><th>{e(t["file"])}</th><th>{e(t["row"])}</th><th>ID</th>'
                   f'<th>{e(t["reason"])}</th></tr>')
        for r in run.rejected:
            f = r["file"] + (f"[{r['sheet']}]" if r.get("sheet") else "")
            out.append(f'<tr><td>{e(f)}</td><td class="num">{e(r["row"])}</td><td>{e(r.get("id"))}</td>'
                       f'<td>{e(r["reason"])}</td></tr>')
        out.append("</table></div>")
    problems = [p for p in run.schools.problems + run.counties.problems if p.action != "column ignored"]
    if problems:
        out.append(f'<h3>{e(t["problems"])}{_p(lang, len(problems))}</h3><div class="scroll tall"><pre class="explain">'
                   + e("\n".join(p.render(lang) for p in problems[:2000])) + "</pre></div>")


def _provenance_footer(run, lang, out):
    t = T[lang]
    p = run_provenance(run)
    out.append(f'<footer><h2>{e(t["prov"])}</h2>')
    comma, clause = tr(lang, "sep.comma"), tr(lang, "sep.clause")
    title = (run.standard.title_en or p["title"]) if lang == "en" else p["title"]
    out.append(f'<p>{e(title)}{e(_p(lang, p["standard"] + comma + p["version"]))}{clause}{e(t["engine"])} junheng '
               f'{e(p["engine_version"])}{clause}{e(t["as_of"])} '
               f'{e(run.as_of_text(lang))}{clause}{e(t["fingerprint"])} '
               f'<code>{e(p["input_fingerprint"])}</code></p>')
    out.append(f'<p>{e(_c(lang, t["chain"]))}</p><ul>' + "".join(
        f'<li>{e(f["id"])} <code>{e(f["path"])}</code> {e(t["sha"])} '
        f'<code>{e(f["sha256"])}</code></li>' for f in p["files"])
        + "</ul>")
    out.append(f'<p>{e(_c(lang, t["inputs"]))}</p><ul>' + "".join(
        f'<li><code>{e(f["path"])}</code>{e(_p(lang, str(f["table"]) + comma + str(f["rows"]) + " " + t["row"]))}'
        f'{e(t["sha"])} '
        f'<code>{e(f["sha256"])}</code></li>' for f in run.input_summary()) + "</ul>")
    out.append(f'<details><summary>{e(t["rules"])}</summary><div class="scroll"><table><tr><th>{e(t["rule"])}</th>'
               f'<th>{e(t["citation"])}</th><th>{e(t["status"])}</th><th>{e(t["at"])}</th></tr>')
    for rid, rp in p["rules"].items():
        cit = (rp["citation"] or {}).get("text") or ""
        out.append(f'<tr><td>{e(rid)}</td><td>{e(cit)}</td><td>{e(rp["source_status"])}</td>'
                   f'<td><code>{e(short_text(rp, lang))}</code></td></tr>')
    out.append("</table></div></details></footer>")


# ------------------------------------------------------------------ document

def render_html(run, lang: str | None = None, explain: bool = True, progress=None) -> str:
    lang = lang or run.lang or "zh"
    t = T[lang]
    out = [f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
           f'<meta name="viewport" content="width=device-width, initial-scale=1">'
           f'<title>{e(t["title"])} — {e(run.standard.title)}</title><style>{CSS}</style></head><body>']
    out.extend(render_body(run, lang, explain, progress))
    out.append("</body></html>\n")
    return "\n".join(out)


def render_body(run, lang: str | None = None, explain=True, progress=None) -> list:
    """The report's content (no <html> shell) as a list of HTML pieces.

    ``explain``: True embeds each stage's explanation, False leaves it out, a callable
    ``(school_id, stage) -> url`` puts a link to a live explanation in its place (the workbench).
    """
    lang = lang or run.lang or "zh"
    t = T[lang]
    std = run.standard
    s = summary(run)
    o = s["outcomes"]
    out = []
    title = (std.title_en or std.title) if lang == "en" else std.title
    which = _p(lang, std.id + tr(lang, "sep.comma") + std.version)
    out.append(f'<h1>{e(t["title"])}</h1><div class="muted">{e(title)}{e(which)}'
               + f' · {e(t["as_of"])} {e(run.as_of_text(lang))}' + "</div>")
    stage_rules = [r for r in run.compiled.rules if r.space == "stage"]
    school_rule = next((r for r in stage_rules if r.kind == "condition"), None)
    cards = [(t["schools_n"], s["schools"]), (t["units"], s["stage_units"]), (t["read"], s["rows_read"]),
             (t["rej"], s["rows_rejected"]),
             (t["verdicts"], f'{o["pass"]} ✓ / {o["fail"]} ✗ / {o["not_evaluable"]} ?')]
    if school_rule is not None:
        oc = run.evaluator.results[school_rule.id].outcome
        app = oc[(oc != ABSENT)]
        cards.append((t["pass_rate"] + _p(lang, school_rule.id), f'{int((app == PASS).sum())} / {len(app)}'))
    out.append('<div class="cards">' + "".join(f'<div class="card"><div class="k">{e(k)}</div><div '
                                               f'class="v">{e(v)}</div>'
                                                f'</div>' for k, v in cards) + "</div>")
    if progress is not None:
        progress.start(tr(lang, "step.report"), total=run.spaces.sizes["stage"] + 3)
    for fn in (_county_section, _indicator_charts, _cv_section):
        fn(run, lang, out)
        if progress is not None:
            progress.advance()
    _school_table(run, lang, out, explain, progress)
    _gaps_section(run, lang, out)
    _rejected_section(run, lang, out)
    _provenance_footer(run, lang, out)
    return out


def _gaps_section(run, lang, out):
    """The form-gap report: fields the rules need that no file provides, by the rules they leave undecided."""
    gaps = form_gaps(run, lang)
    if not gaps:
        return
    title = "文件缺少的数据项 / form gaps" if lang == "zh" else "Data the files do not provide"
    out.append(f'<h2 id="form-gaps">{e(title)}</h2><ul class="gaps">'
               + "".join(f"<li>{e(g['text'])}</li>" for g in gaps) + "</ul>")


def write_html(run, path_or_stream, lang: str | None = None, progress=None) -> None:
    text = render_html(run, lang, progress=progress)
    if hasattr(path_or_stream, "write"):
        path_or_stream.write(text)
    else:
        with atomic_open(path_or_stream, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)


__all__ = ["render_html", "render_body", "write_html", "bar_chart", "cv_chart", "__version__"]


def write_html_report(run, target, lang: str = "zh", progress=None) -> None:
    """The output-format table's writer (reports/formats.py)."""
    write_html(run, target, lang, progress=progress)
