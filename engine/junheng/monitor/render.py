"""The monitor's views: terminal tables, JSON, a self-contained HTML page with inline SVG trend lines,
and an Excel workbook with a sheet per view. All drawn from ``series.document``."""
from __future__ import annotations

import html
import json

from rich.table import Table

from junheng.monitor.jsonout import Raw
from junheng.monitor.texts import county_outcome_text, outcome_text, t

HTML_MAX_WARNINGS = 500  # the page lists at most this many warnings (the JSON and XLSX list all)


RAW = "\x00raw:{}\x00"


def write_json(doc: dict, target) -> None:
    """Compact JSON (the C encoder; indent would not use it). A ``jsonout.Raw`` value (the warnings built
    column-wise) goes in as the JSON bytes it already is, written piece by piece."""
    raws = {k: v for k, v in doc.items() if isinstance(v, Raw)}
    text = json.dumps({k: (RAW.format(k) if k in raws else v) for k, v in doc.items()}, ensure_ascii=False,
                      default=str)
    pieces: list = []
    for k, v in raws.items():
        before, text = text.split(json.dumps(RAW.format(k)), 1)
        pieces += [before.encode("utf-8"), *v.chunks()]
    pieces.append((text + "\n").encode("utf-8"))
    if hasattr(target, "write"):
        target.write(b"".join(bytes(p) for p in pieces).decode("utf-8"))
    else:
        with open(target, "wb") as fh:
            for p in pieces:
                fh.write(p)


def _fmt(v, digits=4):
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.{digits}f}".rstrip("0").rstrip(".") if abs(v) < 1e6 else f"{v:,.0f}"
    return str(v)


HEAD = {
    "zh": {"county": "区县", "school": "学校", "stage": "学段", "rule": "指标", "values": "各年数值", "proj": "预测",
           "threshold": "阈值", "margin": "余量", "rel": "相对余量", "trend": "趋势/年", "fail_year": "预计不达标年份",
           "why": "预警原因", "rank": "名次", "outcome": "本年结论", "failing": "不达标项", "ne": "无法判定项",
           "school_units": "不达标学校指标", "distance": "距达标", "warnings": "预警数", "variant": "省级标准下变化",
           "cert": "基本均衡认定年份", "earliest": "最早可申请年份", "status": "时间条件",
           "monitored": "认定后监测年度",
           "kind": "变动", "year": "年份", "before": "原类型", "after": "新类型", "summary": "概况",
           "years": "观测年份", "projected_years": "预测年份", "trend_chart": "趋势", "cvs": "差异系数（最后观测年）",
           "school_id": "学校代码", "county_name": "区县名称", "yes": "是", "as_of": "各年评估日期",
           "units": "指标单元", "passing_now": "本年达标", "failing_now": "本年不达标",
           "stays_passing": "预测期内保持达标",
           "projected_to_fail": "预计将不达标", "near_threshold": "临近阈值", "relaxation": "仅在放宽规定下达标",
           "projection": "预测方法", "warn_within_years": "预警年限（年）", "eligibility": "申请资格",
           "ranking": "排名方法", "near": "临近阈值的标准"},
    "en": {"county": "county", "school": "school", "stage": "stage", "rule": "indicator", "values": "values",
           "proj": "projected", "threshold": "threshold", "margin": "margin", "rel": "relative margin",
           "trend": "trend/yr", "fail_year": "projected fail year", "why": "why", "rank": "rank",
           "outcome": "this year", "failing": "failing items", "ne": "not evaluable", "school_units":
           "failing school indicators", "distance": "distance to pass", "warnings": "warnings",
           "variant": "flips under variant", "cert": "certified", "earliest": "earliest application",
           "status": "time condition", "monitored": "monitored years since", "kind": "change", "year": "year",
           "before": "before", "after": "after", "summary": "summary", "years": "observed years",
           "projected_years": "projected years", "trend_chart": "trend", "cvs": "CVs (last observed year)",
           "school_id": "school code", "county_name": "county name", "yes": "yes", "as_of": "evaluation dates",
           "units": "units", "passing_now": "passing now", "failing_now": "failing now",
           "stays_passing": "stays passing", "projected_to_fail": "projected to fail",
           "near_threshold": "near the threshold", "relaxation": "passing only under a relaxation",
           "projection": "projection", "warn_within_years": "warning window (years)", "eligibility": "eligibility",
           "ranking": "ranking", "near": "near the threshold"},
}


def _label(k, lang):
    """A summary or method key as the page shows it."""
    return HEAD[lang].get(k, k)


def _stage(doc, st):
    return (doc.get("stage_labels") or {}).get(st, st) if st else ""


def _flips(r, lang):
    return ", ".join(f"{f['rule_id']}{'（' + f['stage'] + '）' if f.get('stage') else ''}:"
                     f"{outcome_text(f['from'], lang)}→{outcome_text(f['to'], lang)}"
                     for f in r.get("variant_flips", []))


def _kind(k, lang):
    return t(k, lang) if k in ("opened", "closed", "type_changed") else k


def _values_text(w):
    obs = " → ".join(_fmt(v, 3) for v in w["values"].values())
    proj = " → ".join(_fmt(v, 3) for v in w["projected_values"].values())
    return f"{obs} ⇢ {proj}" if proj else obs


# ------------------------------------------------------------------------------------------ terminal

def print_table(doc: dict, console, lang="zh", max_rows=40) -> None:
    h = HEAD[lang]
    s = doc["summary"]
    console.print(f"[bold]{t('title', lang)}[/] {doc['standard']}  {h['years']} {doc['years']}  "
                  f"{h['projected_years']} {doc['projected_years']}", highlight=False)
    console.print(" ".join(f"{_label(k, lang)}={v}" for k, v in s.items()), highlight=False)
    rt = Table(title=t("ranking", lang))
    for c in ("rank", "county", "outcome", "failing", "ne", "school_units", "distance", "warnings"):
        rt.add_column(h[c])
    has_variant = any("variant" in r for r in doc["ranking"])
    if has_variant:
        rt.add_column(h["variant"])
    for r in doc["ranking"][:max_rows]:
        row = [str(r["rank"]), f"{r['county_name'] or ''} {r['county_id']}", county_outcome_text(r["outcome"], lang),
               str(r["failing_items"]), str(r["not_evaluable_items"]), str(r["failing_school_units"]),
               _fmt(r["distance_to_pass"], 2), str(r["warnings"])]
        if has_variant:
            row.append(_flips(r, lang))
        rt.add_row(*row)
    console.print(rt)
    wt = Table(title=f"{t('warnings', lang)}（{len(doc['warnings'])}）")
    for c in ("county", "school", "stage", "rule", "values", "threshold", "rel", "fail_year", "why"):
        wt.add_column(h[c])
    for w in doc["warnings"][:max_rows]:
        wt.add_row(w["county_id"], f"{w['school_name'] or ''} {w['school_id'] or ''}".strip(), _stage(doc, w["stage"]),
                   w["rule_id"], _values_text(w), _fmt(w["threshold"]),
                   f"{w['relative_margin'] * 100:.1f}%" if w["relative_margin"] is not None else "—",
                   str(w["projected_fail_year"] or ""), "；".join(w["reasons"]))
    console.print(wt)
    et = Table(title=t("eligibility", lang))
    for c in ("county", "cert", "earliest", "status", "monitored"):
        et.add_column(h[c])
    for c in doc["counties"][:max_rows]:
        e = c.get("eligibility") or {}
        et.add_row(c["county_id"], str(e.get("certified_year") or "—"), str(e.get("earliest_application_year") or "—"),
                   e.get("text", ""), " ".join(f"{y}:{outcome_text(o, lang)}"
                                               for y, o in (e.get("monitored_years") or {}).items()))
    console.print(et)
    if doc["changes"]:
        ct = Table(title=f"{t('changes', lang)}（{len(doc['changes'])}）")
        for c in ("county", "school", "kind", "year", "before", "after"):
            ct.add_column(h[c])
        for c in doc["changes"][:max_rows]:
            ct.add_row(c["county_id"], f"{c['school_name']} {c['school_id']}", _kind(c["kind"], lang), str(c["year"]),
                       c["before"] or "", c["after"] or "")
        console.print(ct)
    console.print(doc["method"]["projection"], highlight=False)


# ------------------------------------------------------------------------------------------ HTML

def svg_trend(values: dict, projected: dict, thresholds: dict, width=220, height=60) -> str:
    """An inline SVG line: observed values solid, projected dashed, the threshold as a grey step line."""
    years = [int(y) for y in list(values) + list(projected)]
    vals = [v for v in list(values.values()) + list(projected.values())]
    ths = [thresholds.get(str(y)) for y in years]
    nums = [v for v in vals + ths if v is not None]
    if not nums or len(years) < 2:
        return ""
    lo, hi = min(nums), max(nums)
    if hi == lo:
        hi, lo = hi + 1, lo - 1
    pad = 4

    def xy(i, v):
        x = pad + i * (width - 2 * pad) / (len(years) - 1)
        y = height - pad - (v - lo) * (height - 2 * pad) / (hi - lo)
        return f"{x:.1f},{y:.1f}"

    k = len(values)
    obs = [xy(i, v) for i, v in enumerate(vals[:k]) if v is not None]
    proj = [xy(i, v) for i, v in enumerate(vals) if v is not None and i >= k - 1]
    thr = [xy(i, v) for i, v in enumerate(ths) if v is not None]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img">']
    if thr:
        parts.append(f'<polyline points="{" ".join(thr)}" fill="none" stroke="#999" stroke-dasharray="2,2"/>')
    if len(obs) > 1:
        parts.append(f'<polyline points="{" ".join(obs)}" fill="none" stroke="#1f5fa8" stroke-width="2"/>')
    if len(proj) > 1:
        parts.append(f'<polyline points="{" ".join(proj)}" fill="none" stroke="#c0392b" stroke-width="2" '
                     f'stroke-dasharray="5,3"/>')
    for i, v in enumerate(vals):
        if v is not None:
            x, y = xy(i, v).split(",")
            parts.append(f'<circle cx="{x}" cy="{y}" r="2" fill="{"#1f5fa8" if i < k else "#c0392b"}">'
                         f'<title>{years[i]}: {_fmt(v)}</title></circle>')
    parts.append("</svg>")
    return "".join(parts)


CSS = """body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin:0.5em 0 1.5em;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;
vertical-align:middle}th{background:#f3f3f3}.fail{color:#b00}.pass{color:#070}.note{color:#555;font-size:12px}"""


def _e(v) -> str:
    return html.escape("" if v is None else str(v))


def write_html(doc: dict, target, lang="zh") -> None:
    h = HEAD[lang]
    out = [f'<!DOCTYPE html><html lang="{"en" if lang == "en" else "zh-CN"}"><head><meta charset="utf-8">'
           f"<title>{_e(t('title', lang))}</title><style>{CSS}</style></head><body>",
           f"<h1>{_e(t('title', lang))}</h1>",
           f"<p>{_e(doc['standard'])} · {h['years']} {_e(doc['years'])} · {h['projected_years']} "
           f"{_e(doc['projected_years'])}</p>",
           "<p>" + " · ".join(f"{_e(_label(k, lang))}: {_e(v)}" for k, v in doc["summary"].items()) + "</p>",
           f'<p class="note">{_e(doc["method"]["projection"])}</p><p class="note">{_e(doc["method"]["trend"])} '
           f'{_e(doc["method"]["near"])}</p>']
    out.append(f"<h2>{_e(t('ranking', lang))}</h2><p class='note'>{_e(doc['method']['ranking'])}</p>"
               "<table><tr>" + "".join(
        f"<th>{h[c]}</th>" for c in ("rank", "county", "outcome", "failing", "ne", "school_units", "distance",
                                     "warnings", "variant")) + "</tr>")
    for r in doc["ranking"]:
        flips = _flips(r, lang)
        out.append(f"<tr><td>{r['rank']}</td><td>{_e(r['county_name'])} {_e(r['county_id'])}</td>"
                   f"<td class='{r['outcome']}'>{_e(county_outcome_text(r['outcome'], lang))}</td>"
                   f"<td>{r['failing_items']}</td><td>{r['not_evaluable_items']}</td><td>{r['failing_school_units']}</td>"
                   f"<td>{_fmt(r['distance_to_pass'], 2)}</td><td>{r['warnings']}</td><td>{_e(flips)}</td></tr>")
    out.append("</table>")
    ws = doc["warnings"]
    out.append(f"<h2>{_e(t('warnings', lang))}（{len(ws)}）</h2>")
    if len(ws) > HTML_MAX_WARNINGS:
        out.append(f'<p class="note">{"仅显示前" if lang == "zh" else "showing the first"} {HTML_MAX_WARNINGS}'
                   f'{"条；完整列表见 JSON 或 XLSX" if lang == "zh" else "; all are in the JSON and XLSX"}</p>')
    out.append("<table><tr>" + "".join(f"<th>{h[c]}</th>" for c in (
        "county", "school", "stage", "rule", "trend_chart", "values", "threshold", "rel", "fail_year", "why"))
        + "</tr>")
    for w in ws[:HTML_MAX_WARNINGS]:
        rel = f"{w['relative_margin'] * 100:.1f}%" if w["relative_margin"] is not None else "—"
        out.append(f"<tr><td>{_e(w['county_id'])}</td><td>{_e(w['school_name'])} {_e(w['school_id'])}</td>"
                   f"<td>{_e(_stage(doc, w['stage']))}</td><td>{_e(w['rule_id'])} {_e(w['rule_name'])}</td>"
                   f"<td>{svg_trend(w['values'], w['projected_values'], w['thresholds'])}</td>"
                   f"<td>{_e(_values_text(w))}</td><td>{_e(_fmt(w['threshold']))}</td><td>{rel}</td>"
                   f"<td>{_e(w['projected_fail_year'] or '')}</td><td>{_e('；'.join(w['reasons']))}</td></tr>")
    out.append("</table>")
    out.append(f"<h2>{_e(t('counties', lang))}</h2>")
    for c in doc["counties"]:
        out.append(_county_html(c, doc, lang))
    out.append(f"<h2>{_e(t('eligibility', lang))}</h2><p class='note'>{_e(doc['method']['eligibility'])}</p><table><tr>"
               + "".join(f"<th>{h[c]}</th>" for c in ("county", "cert", "earliest", "status", "monitored")) + "</tr>")
    for c in doc["counties"]:
        e = c.get("eligibility") or {}
        mon = " ".join(f"{y}:{outcome_text(o, lang)}" for y, o in (e.get("monitored_years") or {}).items())
        out.append(f"<tr><td>{_e(c['county_name'])} {_e(c['county_id'])}</td><td>{_e(e.get('certified_year'))}</td>"
                   f"<td>{_e(e.get('earliest_application_year'))}</td><td>{_e(e.get('text'))}</td><td>{_e(mon)}</td></tr>")
    out.append("</table>")
    if doc["changes"]:
        out.append(f"<h2>{_e(t('changes', lang))}（{len(doc['changes'])}）</h2><table><tr>" + "".join(
            f"<th>{h[c]}</th>" for c in ("county", "school", "kind", "year", "before", "after")) + "</tr>")
        for c in doc["changes"]:
            out.append(f"<tr><td>{_e(c['county_id'])}</td><td>{_e(c['school_name'])} {_e(c['school_id'])}</td>"
                       f"<td>{_e(_kind(c['kind'], lang))}</td><td>{c['year']}</td><td>{_e(c['before'])}</td>"
                       f"<td>{_e(c['after'])}</td></tr>")
        out.append("</table>")
    out.append("</body></html>")
    text = "\n".join(out)
    if hasattr(target, "write"):
        target.write(text)
    else:
        with open(target, "w", encoding="utf-8") as fh:
            fh.write(text)


def _county_html(c: dict, doc: dict, lang: str) -> str:
    h = HEAD[lang]
    years = doc["years"]
    proj = doc["projected_years"]
    rows = []
    cv_ids = sorted({rid for yd in c["years"].values() for rid in yd["cv"]})
    for rid in cv_ids:
        stages = sorted({st for yd in c["years"].values() for st in yd["cv"].get(rid, {})})
        for st in stages:
            vals = {str(y): c["years"][str(y)]["cv"].get(rid, {}).get(st) for y in years}
            pv = {str(y): c["years"][str(y)]["cv"].get(rid, {}).get(st) for y in proj}
            contrib = (c["cv_contributors"].get(rid) or {}).get(st) or []
            who = "；".join(f"{_e(x['school_name'])}（{_e(x['direction'])}，{x['share_of_variance'] * 100:.0f}%）"
                           for x in contrib if x.get("share_of_variance") is not None)
            rows.append(f"<tr><td>{_e(rid)}</td><td>{_e(_stage(doc, st) if st != 'all' else '')}</td>"
                        f"<td>{svg_trend(vals, pv, {}, 160, 40)}</td>"
                        f"<td>{_e(' → '.join(_fmt(v, 3) for v in vals.values()))} ⇢ "
                        f"{_e(' → '.join(_fmt(v, 3) for v in pv.values()))}</td><td>{who}</td></tr>")
    verdicts = " ".join(f"{y}{'*' if yd['projected'] else ''}:{county_outcome_text(yd['outcome'], lang)}"
                        for y, yd in c["years"].items())
    return (f"<h3>{_e(c['county_name'])} {_e(c['county_id'])}</h3><p>{_e(verdicts)}"
            f"<span class='note'>（* {_e(t('projected', lang))}）</span></p>"
            f"<table><tr><th>{h['rule']}</th><th>{h['stage']}</th><th>{h['trend_chart']}</th><th>{t('cv', lang)}</th>"
            f"<th>{_e(t('contributors', lang))}</th></tr>{''.join(rows)}</table>")


# ------------------------------------------------------------------------------------------ XLSX

class _Sheet:
    """A write-only sheet whose text cells are always string cells: a school name such as
    ``=HYPERLINK(...)`` or ``+1`` stays text, never a live formula (as in reports/xlsx_report.py)."""

    def __init__(self, wb, title):
        from openpyxl.cell import WriteOnlyCell

        self.ws = wb.create_sheet(title)
        self.cell = WriteOnlyCell

    def append(self, values):
        row = []
        for v in values:
            if isinstance(v, str) and v.startswith(("=", "+", "-", "@")):  # other text is a string cell anyway
                c = self.cell(self.ws, value=v)
                c.data_type = "s"
                c.quotePrefix = True
                row.append(c)
            else:
                row.append(v)
        self.ws.append(row)


def write_xlsx(doc: dict, path, lang="zh") -> None:
    from openpyxl import Workbook

    h = HEAD[lang]
    wb = Workbook(write_only=True)
    years, proj = doc["years"], doc["projected_years"]

    ws = _Sheet(wb, t("warnings", lang))
    ws.append([h["county"], h["school_id"], h["school"], h["stage"], h["rule"], *map(str, years),
               *(f"{y}{t('projected', lang)}" for y in proj), h["threshold"], h["margin"], h["rel"], h["trend"],
               h["fail_year"], h["why"]])
    for w in doc["warnings"]:
        ws.append([w["county_id"], w["school_id"], w["school_name"], _stage(doc, w["stage"]), w["rule_id"],
                   *w["values"].values(), *w["projected_values"].values(), w["threshold"], w["margin"],
                   w["relative_margin"], w["trend"], w["projected_fail_year"], "；".join(w["reasons"])])

    cs = _Sheet(wb, t("counties", lang))
    cs.append([h["county"], h["county_name"], h["year"], t("projected", lang), h["outcome"], h["rule"], h["stage"],
               t("cv", lang), t("contributors", lang)])
    for c in doc["counties"]:
        for y, yd in c["years"].items():
            cs.append([c["county_id"], c["county_name"], int(y), h["yes"] if yd["projected"] else "",
                       outcome_text(yd["outcome"], lang), "", "", None, ""])
            for rid, per in yd["cv"].items():
                for st, v in per.items():
                    contrib = (c["cv_contributors"].get(rid) or {}).get(st) or [] if not yd["projected"] else []
                    cs.append([c["county_id"], c["county_name"], int(y), h["yes"] if yd["projected"] else "",
                               outcome_text(yd["outcomes"].get(f"{rid}:{st}", yd["outcomes"].get(rid)), lang), rid, st,
                               v, "；".join(f"{x['school_id']} {x['school_name']}" for x in contrib)
                               if int(y) == years[-1] else ""])

    rs = _Sheet(wb, t("ranking", lang))
    rs.append([h[c] for c in ("rank", "county", "outcome", "failing", "ne", "school_units", "distance", "warnings",
                              "variant")])
    for r in doc["ranking"]:
        rs.append([r["rank"], f"{r['county_name'] or ''} {r['county_id']}", county_outcome_text(r["outcome"], lang),
                   r["failing_items"], r["not_evaluable_items"], r["failing_school_units"], r["distance_to_pass"],
                   r["warnings"],
                   _flips(r, lang)])

    es = _Sheet(wb, t("eligibility", lang))
    es.append([h[c] for c in ("county", "cert", "earliest", "status", "monitored")])
    for c in doc["counties"]:
        e = c.get("eligibility") or {}
        es.append([c["county_id"], e.get("certified_year"), e.get("earliest_application_year"), e.get("text"),
                   " ".join(f"{y}:{outcome_text(o, lang)}" for y, o in (e.get("monitored_years") or {}).items())])

    ch = _Sheet(wb, t("changes", lang))
    ch.append([h[c] for c in ("county", "school", "kind", "year", "before", "after")])
    for c in doc["changes"]:
        ch.append([c["county_id"], f"{c['school_name']} {c['school_id']}", _kind(c["kind"], lang), c["year"],
                   c["before"], c["after"]])

    if "indicators" in doc:
        it = _Sheet(wb, t("indicators", lang))
        it.append([h["county"], h["school_id"], h["school"], h["stage"], h["rule"], *map(str, years),
                   *(f"{y}{t('projected', lang)}" for y in proj), h["threshold"], h["margin"], h["rel"], h["trend"],
                   h["fail_year"], h["outcome"]])
        for w in doc["indicators"]:
            it.append([w["county_id"], w["school_id"], w["school_name"], _stage(doc, w["stage"]), w["rule_id"],
                       *w["values"].values(), *w["projected_values"].values(), w["threshold"], w["margin"],
                       w["relative_margin"], w["trend"], w["projected_fail_year"] or t("stays", lang)
                       if w["stays_passing"] else w["projected_fail_year"], outcome_text(w["outcome"], lang)])

    ms = _Sheet(wb, t("method_sheet", lang))
    for k, v in doc["method"].items():
        ms.append([_label(k, lang), str(v)])
    ms.append([h["as_of"], "；".join(f"{y}: {d}" for y, d in doc["as_of"].items())])
    wb.save(path)
