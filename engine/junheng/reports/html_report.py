"""Self-contained HTML report: one file, inline CSS and inline SVG, no script, no network, no fonts.

Rendered from Jinja2 templates with autoescaping (``reports/templates/``): ``report.html`` is the
document, ``report_body.html`` the content (also the workbench's run page, through ``render_body``),
``bar_chart.svg`` / ``cv_chart.svg`` the charts and ``report.css`` the stylesheet (screen and print).
This module only gathers the values (per section a plain dict) and the chart geometry; restyling or
changing what prints means editing a template or the stylesheet.

Sections (Chinese by default, English with lang="en"):
  0. title block: the report, the standard, the evaluation date and when the report was generated
  1. county verdict and area verdicts (whatever county-level rules the standard defines), vetoes
  2. a chart per stage-level threshold indicator: every school stage's value, sorted, against its
     threshold and the floor of an ``at_least(..., rest_reach=)`` rule that uses it (85% nationally);
     bars coloured by the verdict (not_applicable units grey), school names on the axis
  3. the coefficient of variation of each indicator against its limit, per county and stage, with
     the schools that contribute most to the dispersion of a failing one
  4. the school-stage table: pass/fail per indicator (failing cells highlighted), the smallest
     change that would pass, and a <details> with the explanation — the same text ``junheng explain
     --school ID --stage S`` prints
  5. form gaps, rejected rows, data problems, provenance footer (standard chain sha256, thresholds'
     file:line, engine version, input files and fingerprint)
"""
from __future__ import annotations

import datetime as _dt
import html
import math
from functools import lru_cache
from pathlib import Path

import jinja2
import numpy as np
from markupsafe import Markup

from junheng.evaluation.finite import as_float as _num
from junheng.version import __version__
from junheng.explain.counterfactual import all_counterfactuals
from junheng.explain.dispersion import cv_contributions, is_cv_rule
from junheng.explain.derivation import explain_school
from junheng.explain.text import explain_text
from junheng.explain.plain import explain_html
from junheng.i18n import LANGS, OUTCOME_LABELS, t as tr
from junheng.formatting import fmt_num
from junheng.evaluation.logic import ABSENT, FAIL, NOT_EVALUABLE, NOT_APPLICABLE, OUTCOME_NAMES, PASS, round_half_up
from junheng.standard.provenance import run_provenance, short_text, source_status_label
from junheng.language.nodes import Call, Name
from junheng.reports.conclusion import area_label, county_conclusions
from junheng.reports.files import summary
from junheng.atomic import atomic_open
from junheng.explain.gaps import form_gaps
from junheng.records.problems import ProblemTable

MAX_EXPLAINED = 400  # stage units with an embedded explanation (failing ones first)
MAX_CHART_UNITS = 3000  # bars per chart; beyond this the chart shows a sorted sample
MAX_NAMED_BARS = 80  # up to this many bars the axis names each school
NAME_PX = 11  # room per character of a school name written down the axis
TEMPLATES = Path(__file__).with_name("templates")
CSS = (TEMPLATES / "report.css").read_text(encoding="utf-8")
COLORS = {"pass": "#1a7f37", "fail": "#cf222e", "above_floor": "#d4a72c", "not_applicable": "#c4cad0",
          "not_evaluable": "#eac54f"}


def e(x) -> str:
    """Escape anything for HTML text or attribute context (kept for callers; templates autoescape)."""
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
    "engine": "html.engine", "as_of": "html.as_of", "generated": "html.generated",
    "fingerprint": "html.fingerprint", "inputs": "html.inputs", "chain": "html.chain", "rules": "html.rules",
    "units": "html.units", "schools_n": "html.schools_n", "verdicts": "html.verdicts", "read": "html.read",
    "rej": "html.rej", "pass_rate": "html.pass_rate", "sorted": "html.sorted", "clipped": "html.clipped",
    "explained_only": "html.explained_only", "at": "html.at", "status": "html.status",
    "citation": "html.citation", "sha": "html.sha", "county_failing": "html.county_failing",
    "county_all": "html.county_all", "eligibility": "html.eligibility", "relaxed": "html.relaxed",
    "gaps": "html.gaps", "record": "html.record", "clause": "sep.clause", "failing": "html.failing",
}
T = {lang: {k: tr(lang, key) for k, key in _T_KEYS.items()} for lang in LANGS}


@lru_cache(maxsize=None)
def _env(lang: str) -> jinja2.Environment:
    """The report's template environment (autoescaping everything, html and svg alike)."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.filters["paren"] = lambda x: tr(lang, "paren", x=x)
    env.filters["colon"] = lambda x: tr(lang, "colon", x=x)
    return env


def _render(name: str, env_lang: str, **ctx) -> str:
    return _env(env_lang).get_template(name).render(**ctx)


# ------------------------------------------------------------------ helpers

def _badge(outcome, lang) -> dict:
    return {"cls": outcome if isinstance(outcome, str) else "none",
            "label": OUTCOME_LABELS[lang].get(outcome, outcome or "—")}


def _p(lang, x) -> str:
    """x in brackets: （x） in Chinese, " (x)" in English."""
    return tr(lang, "paren", x=x)


def _c(lang, x) -> str:
    """x followed by a colon: x： in Chinese, "x: " in English."""
    return tr(lang, "colon", x=x)


def _rule_name(rule, lang):
    return rule.name_en if lang == "en" and rule.name_en else rule.name


def display_decimals(rule, default: int = 2) -> int:
    """The decimals a rule's value is shown with (school table: 2; county tables: 4, as ``fmt_num``) and
    written to the XLSX with: the rounding the standard declares for the rule, else ``default``."""
    places = getattr(rule, "round", None)
    return int(places) if isinstance(places, int) and places >= 0 else default


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

def _bar_colors(vals, thr, outcomes, floor, op):
    """Colour key per bar: from the verdict when known (not_applicable units are drawn as such), else
    from value against threshold. Failing bars are red; with a floor, amber above it and red below."""
    tol = 1e-9 * np.abs(thr)
    if outcomes is None:
        passed = vals >= thr - tol if op in (">=", ">") else vals <= thr + tol
        outcomes = np.where(passed, PASS, FAIL)
    below_floor = (vals < floor * thr - tol) if floor is not None else np.ones(len(vals), dtype=bool)
    keys = np.full(len(vals), "not_applicable", dtype=object)
    keys[outcomes == PASS] = "pass"
    keys[outcomes == NOT_EVALUABLE] = "not_evaluable"
    keys[(outcomes == FAIL) & below_floor] = "fail"
    keys[(outcomes == FAIL) & ~below_floor] = "above_floor"
    return keys


def chart_legend(keys, floor, lang) -> list:
    """(colour, label) for the colours a chart uses, in a fixed order."""
    L = OUTCOME_LABELS[lang]
    labels = {"pass": L["pass"], "above_floor": tr(lang, "html.above_floor"),
              "fail": tr(lang, "html.below_floor") if floor is not None else L["fail"],
              "not_evaluable": L["not_evaluable"], "not_applicable": L["not_applicable"]}
    present = set(keys)
    return [(COLORS[k], labels[k]) for k in ("pass", "above_floor", "fail", "not_evaluable", "not_applicable")
            if k in present]


def _spread_labels(labels: list, gap: float = 12.0) -> list:
    """Right-hand line labels moved apart vertically so that none overlaps another (sorted by y)."""
    out = sorted(labels, key=lambda d: d["y"])
    last = -math.inf
    for d in out:
        d["ty"] = round(max(d["y"] + 4, last + gap), 1)
        last = d["ty"]
    return out


def _bar_geometry(vals, thr, labels, unit, floor, lang, op, outcomes):
    t = T[lang]
    n = len(vals)
    order = np.argsort(vals, kind="stable")
    if n > MAX_CHART_UNITS:
        order = order[np.linspace(0, n - 1, MAX_CHART_UNITS).astype(int)]
    vals, thr = vals[order], thr[order]
    outcomes = outcomes[order] if outcomes is not None else None
    labels = [labels[i] for i in order]
    n = len(vals)
    tmax = np.nanmax(thr) if np.isfinite(thr).any() else 0.0
    top = _nice_top(max(min(tmax * 2.0, float(np.nanmax(vals))), float(np.nanpercentile(vals, 95)) * 1.05,
                        tmax * 1.1, 1e-9))
    bw = 4 if n > 150 else (8 if n > 60 else 14)
    gap = 1 if bw <= 4 else 2
    names = n <= MAX_NAMED_BARS
    name_texts = [x[0] for x in labels] if names else []  # whole names: a cut name is neither data nor text
    left, right, pad_top = 56, 120, 10
    plot_h = 186
    pad_bottom = 24 + (NAME_PX * max((len(x) for x in name_texts), default=0) if names else 0)
    h = pad_top + plot_h + pad_bottom
    width = left + n * (bw + gap) + right
    axis_y = pad_top + plot_h

    def y(v):
        return pad_top + plot_h * (1 - np.clip(v, 0.0, top) / top)

    keys = _bar_colors(vals, thr, outcomes, floor, op)
    ys = y(vals)
    xs = left + np.arange(n) * (bw + gap)
    # the per-bar texts, formatted once per column (the template only places them)
    colon = tr(lang, "colon", x="")
    lp, rp = tr(lang, "paren", x="|").split("|")
    clipped = (vals > top).tolist()
    vtext, ttext = [fmt_num(v) for v in vals.tolist()], [fmt_num(v) for v in thr.tolist()]
    ytext = [f"{v:.1f}" for v in ys.tolist()]
    htext = [f"{v:.1f}" for v in np.maximum(axis_y - ys, 0.5).tolist()]
    bars = [{"x": int(xs[i]), "y": ytext[i], "h": htext[i], "color": COLORS[keys[i]], "outcome": keys[i],
             "tip": f"{labels[i][1]}{colon}{vtext[i]} {unit}{lp}{t['threshold']} {ttext[i]}{rp}"
                    + (f" {t['clipped']}" if clipped[i] else ""),
             "clipped": clipped[i], "name": name_texts[i] if names else ""} for i in range(n)]
    lines, texts = [], []
    for th in sorted(set(np.round(thr[np.isfinite(thr)], 9))):  # a stage has one threshold; each distinct one
        yy = float(y(th))
        lines.append({"y": f"{yy:.1f}", "color": "#0969da", "dash": False})
        texts.append({"y": yy, "color": "#0969da", "text": f'{t["threshold"]} {fmt_num(th)}'})
        if floor is not None:
            yf = float(y(th * floor))
            lines.append({"y": f"{yf:.1f}", "color": "#cf222e", "dash": True})
            texts.append({"y": yf, "color": "#cf222e", "text": t["floor"].format(p=fmt_num(floor * 100))})
    ticks = [{"y": f"{float(y(top * k / 4)):.1f}", "ty": f"{float(y(top * k / 4)) + 4:.1f}",
              "text": fmt_num(top * k / 4)} for k in range(5)]
    return {"width": width, "height": h, "left": left, "plot_right": width - right, "pad_top": pad_top,
            "axis_y": axis_y, "bw": bw, "bars": bars, "lines": lines, "labels": _spread_labels(texts),
            "ticks": ticks, "names": names, "unit": unit, "n": n}, keys


def bar_chart(values, thresholds, labels, unit, floor=None, lang="zh", op=">=", outcomes=None,
              with_keys=False):
    """Sorted vertical bars of one stage, coloured by verdict; threshold and floor lines; school names on
    the axis (up to MAX_NAMED_BARS bars). ``labels``: a name per unit, or (name, tooltip) pairs.
    ``outcomes``: the verdict codes per unit (not_applicable units are drawn grey, not as failures)."""
    vals = np.asarray(values, dtype=float)
    thr = np.asarray(thresholds, dtype=float)
    ok = ~np.isnan(vals)
    pairs = [lb if isinstance(lb, tuple) else (str(lb), str(lb)) for lb in labels]
    vals, thr, pairs = vals[ok], thr[ok], [pairs[i] for i in np.flatnonzero(ok)]
    oc = np.asarray(outcomes)[ok] if outcomes is not None else None
    if len(vals) == 0:
        svg = Markup(f'<p class="muted small">{e(T[lang]["none"])}</p>')
        return (svg, np.array([], dtype=object)) if with_keys else svg
    geo, keys = _bar_geometry(vals, thr, pairs, unit, floor, lang, op, oc)
    svg = Markup(_render("bar_chart.svg", lang, c=geo))
    return (svg, keys) if with_keys else svg


def _nice_top(v: float) -> float:
    """The smallest 'round' axis top (1, 2, 2.5, 5 × 10^k per quarter) at or above v."""
    step = v / 4
    mag = 10 ** math.floor(math.log10(step))
    for m in (1, 2, 2.5, 5, 10):
        if m * mag >= step - 1e-12:
            return 4 * m * mag
    return v  # pragma: no cover


def cv_chart(items, lang="zh") -> str:
    """Horizontal bars: one per indicator with its CV; the limit as a line on the bar and its value in a
    column of its own at the right (a value label and a limit label never overlap)."""
    if not items:
        return Markup("")
    row_h, left, width = 22, 330, 800
    plot_w = width - left - 110
    top = max([i["limit"] for i in items if i["limit"] is not None] + [i["value"] for i in items
                                                                          if i["value"] is not None] + [1e-9]) * 1.2
    scale = plot_w / top
    rows = []
    for k, it in enumerate(items):
        v, lim = it["value"], it["limit"]
        rows.append({"y": 6 + k * row_h, "label": it["label"], "value": fmt_num(v) if v is not None else "",
                     "w": f"{max(v * scale, 0.5):.1f}" if v is not None else None,
                     "vx": f"{left + (v or 0) * scale + 4:.1f}",
                     "color": {"pass": "#1a7f37", "fail": "#cf222e"}.get(it["outcome"], "#8c959f"),
                     "lx": f"{left + lim * scale:.1f}" if lim is not None else None,
                     "limit": fmt_num(lim) if lim is not None else ""})
    geo = {"width": width, "height": row_h * len(items) + 26, "left": left, "row_h": row_h,
           "limit_x": left + plot_w + 12, "rows": rows, "limit_word": T[lang]["limit"]}
    return Markup(_render("cv_chart.svg", lang, c=geo))


# ------------------------------------------------------------------ sections (each returns plain values)

def _county_row(r, std, lang) -> dict:
    stage = std.stage_label(r.stage, lang) if isinstance(r.stage, str) else ""
    thr = f"{r.operator} {fmt_num(r.threshold)}" if isinstance(r.operator, str) else ""
    return {"rule": f"{r.rule_id} {r.rule_name}", "stage": stage, "value": fmt_num(r.value), "threshold": thr,
            "badge": _badge(r.outcome, lang), "reason": r.reason if isinstance(r.reason, str) else ""}


def _county_name(run, cid) -> str:
    cf = run.spaces.counties
    if "county_name" in cf:
        hit = cf.loc[cf.county_id == cid, "county_name"]
        return hit.iloc[0] if len(hit) and isinstance(hit.iloc[0], str) else ""
    return ""


def _county_sections(run, lang) -> list:
    v = run.verdicts
    std = run.standard
    rules = {r.id: r for r in run.compiled.rules}
    county = v[v.level == "county"]
    relaxed = v[v.relaxation.notna() & (v.level != "county")] if "relaxation" in v else v.iloc[:0]
    relaxed_by_county = dict(tuple(relaxed.groupby("county_id", sort=False))) if len(relaxed) else {}
    conclusions = {c["county_id"]: c["text"] for c in county_conclusions(run, lang)}
    out = []
    for cid, grp in county.groupby("county_id", sort=False):
        overall = grp[grp.rule_id == "county"]
        elig = grp[grp.area == "eligibility"]
        areas = grp[grp.rule_id.str.startswith("area_")]
        vetoes = grp[grp.rule_id.map(lambda x: bool(getattr(rules.get(x), "veto", False)))]
        rest = grp[~grp.rule_id.isin(set(areas.rule_id) | set(vetoes.rule_id) | set(elig.rule_id) | {"county"})]
        rel = relaxed_by_county.get(cid)
        out.append({
            "title": _county_name(run, cid) + _p(lang, cid),
            "overall": ({"badge": _badge(overall.outcome.iloc[0], lang),
                         "reason": conclusions.get(cid) or overall.reason.iloc[0] or ""} if len(overall) else None),
            "eligibility": [_county_row(r, std, lang) for r in elig.itertuples(index=False)],
            "relaxed": [] if rel is None else [
                f'{r.school_name if isinstance(r.school_name, str) else r.school_id} {_c(lang, r.rule_id)}'
                f'{r.relaxation}' for r in rel.itertuples(index=False)],
            "areas": [{"area": area_label(r.area, lang), "name": r.rule_name, "badge": _badge(r.outcome, lang),
                       "reason": r.reason or ""} for r in areas.itertuples(index=False)],
            "vetoes": [_county_row(r, std, lang) for r in vetoes.itertuples(index=False)],
            "rest": [_county_row(r, std, lang) for r in rest.itertuples(index=False)],
            "bad": [_county_row(r, std, lang) for r in rest[rest.outcome.isin(["fail", "not_evaluable"])]
                    .itertuples(index=False)],
        })
    return out


def _unit_labels(run, lang):
    sp = run.spaces
    sids = sp.schools["school_id"].to_numpy(dtype=object)
    names = sp.schools["school_name"].to_numpy(dtype=object) if "school_name" in sp.schools else sids
    return sids, names


def _indicator_charts(run, lang) -> list:
    ev = run.evaluator
    sp = run.spaces
    floors = _floors(run)
    sids, names = _unit_labels(run, lang)
    charts = []
    for rule in (r for r in run.compiled.rules if r.space == "stage" and r.kind == "threshold"):
        res = ev.results[rule.id]
        floor = floors.get(rule.id)
        stages = []
        for code, stage in enumerate(sp.stages):
            rows = np.flatnonzero((sp.u_stage == code) & (res.outcome != ABSENT))
            if not len(rows):
                continue
            schools = sp.u_school[rows]
            labels = [(str(names[s]) if isinstance(names[s], str) else str(sids[s]),
                       f"{names[s]}{_p(lang, sids[s])}") for s in schools]
            oc = res.outcome[rows]
            svg, keys = bar_chart(res.value[rows], res.threshold[rows], labels, rule.unit or "", floor, lang,
                                  rule.operator, outcomes=oc, with_keys=True)
            counts = [f'{tr(lang, "html.failing")} {int((oc == FAIL).sum())} / {len(rows)}']
            if (oc == NOT_APPLICABLE).any():
                counts.append(tr(lang, "html.na_count", n=int((oc == NOT_APPLICABLE).sum())))
            if (oc == NOT_EVALUABLE).any():
                counts.append(tr(lang, "html.ne_count", n=int((oc == NOT_EVALUABLE).sum())))
            caption = _c(lang, run.standard.stage_label(stage, lang)) + tr(lang, "sep.comma").join(counts)
            if len(keys) > MAX_NAMED_BARS:
                caption += tr(lang, "sep.clause") + tr(lang, "html.names_hidden", n=MAX_NAMED_BARS)
            stages.append({"caption": caption, "legend": chart_legend(keys, floor, lang), "svg": svg})
        charts.append({"title": f"{rule.id} {_rule_name(rule, lang)}", "stages": stages})
    return charts


def _cv_sections(run, lang) -> list:
    t = T[lang]
    ev = run.evaluator
    sp = run.spaces
    cv_rules = [r for r in run.compiled.rules if is_cv_rule(r) and r.space in ("county_stage", "county")]
    if not cv_rules:
        return []
    cids = sp.counties["county_id"].to_numpy(dtype=object)
    cnames = sp.counties["county_name"].to_numpy(dtype=object) if "county_name" in sp.counties else cids
    comma = tr(lang, "sep.comma")
    out = []
    for row in range(ev.n("county_stage")):
        c, code = sp.cs_county[row], sp.cs_stage[row]
        items, failing = [], []
        for r in cv_rules:
            res = ev.results[r.id]
            i = row if r.space == "county_stage" else c
            if res.outcome[i] == ABSENT:
                continue
            o = OUTCOME_NAMES.get(int(res.outcome[i]), "not_applicable")
            items.append({"label": f"{r.id} {_rule_name(r, lang)}", "value": _num(res.value[i]),
                          "limit": _num(res.threshold[i]), "outcome": o})
            if o == "fail":
                failing.append((r, i))
        if not items:
            continue
        cname = cnames[c] if isinstance(cnames[c], str) else ""
        contrib_lines = []
        for r, i in failing:
            contrib = cv_contributions(run, r, int(i), lang, 5)
            if contrib:
                contrib_lines.append(f'{r.id} {_c(lang, t["contrib"])}' + tr(lang, "sep.clause").join(
                    f'{x["school_name"]}{_p(lang, x["school_id"])}{fmt_num(x["value"])}{comma}'
                    f'{fmt_num((x["share_of_variance"] or 0) * 100)}%{comma}{x["direction"]}' for x in contrib))
        out.append({"title": f"{cname}{_p(lang, cids[c])} {run.standard.stage_label(sp.stages[code], lang)}",
                    "svg": cv_chart(items, lang), "contrib": contrib_lines})
    return out


def _cell_columns(rules, ev, lang) -> list:
    """Per stage rule, over all units at once: the text shown in the cell (the value rounded half-up as the rule
    displays it, ? not evaluable, – not applicable, ✓/✗ for a condition), the CSS class and the tooltip."""
    L = OUTCOME_LABELS[lang]
    out = []
    for rule in rules:
        res = ev.results[rule.id]
        o = res.outcome
        names = np.array([OUTCOME_NAMES.get(int(k), "not_applicable") for k in range(4)], dtype=object)
        cls = names[np.clip(o, 0, 3)]
        if res.value is not None:
            vals = np.asarray(res.value, dtype=float)
            shown = round_half_up(vals, display_decimals(rule))
            text = np.array([fmt_num(x) if x == x else "" for x in shown.tolist()], dtype=object)
            text = np.where(text == "", np.where(o == PASS, "✓", np.where(o == FAIL, "✗", "")), text)
        else:
            text = np.where(o == PASS, "✓", np.where(o == FAIL, "✗", "")).astype(object)
        text = np.where(o == NOT_EVALUABLE, "?", np.where((o != PASS) & (o != FAIL), "–", text))
        label = np.array([f"{rule.id} {L.get(n, n)}" for n in names], dtype=object)[np.clip(o, 0, 3)]
        if res.value is not None and res.threshold is not None:
            vt = [fmt_num(x) for x in np.asarray(res.value, dtype=float).tolist()]
            tt = [fmt_num(x) for x in np.asarray(res.threshold, dtype=float).tolist()]
            tip = [_c(lang, a) + f"{v} {rule.operator} {th}" for a, v, th in zip(label.tolist(), vt, tt)]
        else:
            tip = label.tolist()
        out.append((o, cls.tolist(), text.tolist(), tip))
    return out


def _school_rows(run, lang, explain=True, progress=None) -> dict | None:
    t = T[lang]
    ev = run.evaluator
    sp = run.spaces
    std = run.standard
    rules = [r for r in run.compiled.rules if r.space == "stage"]
    if not rules or not sp.sizes["stage"]:
        return None
    cfs = all_counterfactuals(run, lang)
    n = sp.sizes["stage"]
    outcomes = np.stack([ev.results[r.id].outcome for r in rules], axis=1)
    rank = np.where((outcomes == FAIL).any(axis=1), 0, np.where((outcomes == NOT_EVALUABLE).any(axis=1), 1, 2))
    order = np.lexsort((np.arange(n), rank))
    sids, names = _unit_labels(run, lang)
    columns = _cell_columns(rules, ev, lang)
    rows = []
    for k, u in enumerate(order):
        s = sp.u_school[u]
        stage = sp.stages[sp.u_stage[u]]
        cells = [None if o[u] == ABSENT else {"cls": cls[u], "text": text[u], "tip": tip[u]}
                 for o, cls, text, tip in columns]
        hints = [_c(lang, r.id) + cfs[r.id][int(u)][0]["text"] for r in rules if cfs.get(r.id, {}).get(int(u))]
        row = {"sid": sids[s], "name": names[s], "stage": std.stage_label(stage, lang), "stage_id": stage,
               "cells": cells, "hints": hints, "url": None, "html": None}
        if callable(explain):  # live page: the explanation is fetched when asked for
            row["url"] = explain(sids[s], stage)
        elif explain and k < MAX_EXPLAINED:
            # the plain explanation (explain/templates/explain_plain.html), its stylesheet once
            row["html"] = Markup(explain_html(run, sids[s], stage, lang, style=k == 0))
        rows.append(row)
        if progress is not None:
            progress.advance()
    note = t["explained_only"].format(n=MAX_EXPLAINED) if explain is True and n > MAX_EXPLAINED else ""
    return {"rules": [{"id": r.id, "name": _rule_name(r, lang)} for r in rules], "rows": rows,
            "explain": bool(explain), "note": note}


def _rejected(run) -> list:
    return [{"file": r["file"] + (f"[{r['sheet']}]" if r.get("sheet") else ""), "row": r["row"],
             "id": r.get("id") or "", "reason": r["reason"]} for r in run.rejected]


def _problems(run, lang):
    """(count, the first 2,000 rendered): selected on the problem table's action column, only the shown
    ones built as Problem objects (a messy national file has 720,000 problems)."""
    problems = run.schools.problems + run.counties.problems
    problems = problems if isinstance(problems, ProblemTable) else ProblemTable(problems)
    shown = problems.where_action(["column ignored"], keep=False)
    return len(shown), "\n".join(p.render(lang) for p in shown[:2000])


def table_label(table, lang) -> str:
    """The input table of a file (school / county) in words (学校 / 区县)."""
    key = {"school": "xlsx.t_schools", "county": "xlsx.t_counties"}.get(table)
    return tr(lang, key) if key else str(table)


def citation_text(c) -> str:
    """A provenance citation as 《title》number article, without its source status (shown apart, in words)."""
    if not c:
        return ""
    doc = f"《{c['title']}》{c['document'] or ''}" if c.get("title") else (c.get("document") or "")
    return " ".join(x for x in (doc, c.get("article")) if x)


def _provenance(run, lang) -> dict:
    p = run_provenance(run)
    comma = tr(lang, "sep.comma")
    title = (run.standard.title_en or p["title"]) if lang == "en" else p["title"]
    return {
        "head": title + _p(lang, p["standard"] + comma + p["version"]), "engine": p["engine_version"],
        "fingerprint": p["input_fingerprint"], "files": p["files"],
        "inputs": [{"path": f["path"], "sha256": f["sha256"],
                    "what": _p(lang, table_label(f["table"], lang) + comma + str(f["rows"]) + " " + T[lang]["row"])}
                   for f in run.input_summary()],
        "rules": [{"id": rid, "citation": citation_text(rp["citation"]),
                   "status": source_status_label(rp["source_status"], lang), "at": short_text(rp, lang)}
                  for rid, rp in p["rules"].items()],
    }


def _cards(run, lang) -> list:
    t = T[lang]
    s = summary(run)
    o = s["outcomes"]
    cards = [(t["schools_n"], s["schools"]), (t["units"], s["stage_units"]), (t["read"], s["rows_read"]),
             (t["rej"], s["rows_rejected"]),
             (t["verdicts"], f'{o["pass"]} ✓ / {o["fail"]} ✗ / {o["not_evaluable"]} ?')]
    school_rule = next((r for r in run.compiled.rules if r.space == "stage" and r.kind == "condition"), None)
    if school_rule is not None:
        oc = run.evaluator.results[school_rule.id].outcome
        app = oc[(oc != ABSENT)]
        cards.append((t["pass_rate"] + _p(lang, school_rule.id), f'{int((app == PASS).sum())} / {len(app)}'))
    return cards


def report_context(run, lang: str, explain=True, progress=None, generated: _dt.datetime | None = None) -> dict:
    """Every value the report templates show, computed once (the templates only lay them out)."""
    std = run.standard
    title = (std.title_en or std.title) if lang == "en" else std.title
    when = (generated or _dt.datetime.now()).strftime("%Y-%m-%d %H:%M")
    if progress is not None:
        progress.start(tr(lang, "step.report"), total=run.spaces.sizes["stage"] + 3)
    ctx: dict = {"lang": lang, "t": T[lang], "std_title": std.title,
                 "head": {"standard": title + _p(lang, std.id + tr(lang, "sep.comma") + std.version),
                          "as_of": run.as_of_text(lang), "generated": when},
                 "cards": _cards(run, lang), "has_overall": any(r.id == "county" for r in run.compiled.rules)}
    for key, fn in (("counties", _county_sections), ("charts", _indicator_charts), ("cvs", _cv_sections)):
        ctx[key] = fn(run, lang)
        if progress is not None:
            progress.advance()
    ctx["schools"] = _school_rows(run, lang, explain, progress)
    ctx["gaps"] = [g["text"] for g in form_gaps(run, lang)]
    ctx["rejected"] = _rejected(run)
    ctx["problems_n"], ctx["problems"] = _problems(run, lang)
    ctx["prov"] = _provenance(run, lang)
    return ctx


# ------------------------------------------------------------------ document

def render_html(run, lang: str | None = None, explain: bool = True, progress=None) -> str:
    lang = lang or run.lang or "zh"
    ctx = report_context(run, lang, explain, progress)
    return _render("report.html", lang, css=Markup(CSS), **ctx) + "\n"


def render_body(run, lang: str | None = None, explain=True, progress=None) -> list:
    """The report's content (no <html> shell) as a list of HTML pieces (the workbench's run page shows it).

    ``explain``: True embeds each stage's explanation, False leaves it out, a callable
    ``(school_id, stage) -> url`` puts a link to a live explanation in its place (the workbench).
    """
    lang = lang or run.lang or "zh"
    return [_render("report_body.html", lang, **report_context(run, lang, explain, progress))]


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
