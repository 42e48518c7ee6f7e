"""The monitor's views: terminal tables, JSON, a self-contained HTML page with inline SVG trend lines,
and an Excel workbook with a sheet per view. All drawn from ``series.document``."""
from __future__ import annotations

import html
import json

from rich.table import Table

from junheng.i18n import OUTCOME_LABELS, t
from junheng.monitor.alerts import WarningTable
from junheng.monitor.jsonout import Raw

HTML_MAX_WARNINGS = 500  # the page shows this many warnings, each with its SVG trend card (the JSON and XLSX: all)
TERMINAL_ROWS = 40


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


# column headings and summary labels: name → catalogue key (junheng.messages)
HEAD_KEYS = {
    "county": "monitor.head.county", "school": "monitor.head.school", "stage": "monitor.head.stage",
    "rule": "monitor.head.rule", "values": "monitor.head.values",
    "threshold": "monitor.head.threshold", "margin": "monitor.head.margin", "rel": "monitor.head.rel",
    "trend": "monitor.head.trend", "fail_year": "monitor.head.fail_year", "why": "monitor.head.why",
    "rank": "monitor.head.rank", "outcome": "monitor.head.outcome", "failing": "monitor.head.failing",
    "ne": "monitor.head.ne", "school_units": "monitor.head.school_units", "distance": "monitor.head.distance",
    "warnings": "monitor.head.warnings", "variant": "monitor.head.variant", "cert": "monitor.head.cert",
    "earliest": "monitor.head.earliest", "status": "monitor.head.status", "monitored": "monitor.head.monitored",
    "kind": "monitor.head.kind", "year": "monitor.head.year", "before": "monitor.head.before",
    "after": "monitor.head.after", "summary": "monitor.head.summary", "years": "monitor.head.years",
    "projected_years": "monitor.head.projected_years", "trend_chart": "monitor.head.trend_chart",
    "school_id": "monitor.head.school_id", "county_name": "monitor.head.county_name",
    "yes": "monitor.head.yes", "as_of": "monitor.head.as_of", "units": "monitor.head.units",
    "passing_now": "monitor.head.passing_now", "failing_now": "monitor.head.failing_now",
    "stays_passing": "monitor.head.stays_passing", "projected_to_fail": "monitor.head.projected_to_fail",
    "near_threshold": "monitor.head.near_threshold", "relaxation": "monitor.head.relaxation",
    "projection": "monitor.head.projection", "warn_within_years": "monitor.head.warn_within_years",
    "eligibility": "monitor.head.eligibility", "ranking": "monitor.head.ranking", "near": "monitor.head.near",
}


def _heads(lang: str) -> dict:
    return {k: t(lang, key) for k, key in HEAD_KEYS.items()}


CHANGE_KEYS = {"opened": "monitor.opened", "closed": "monitor.closed", "type_changed": "monitor.type_changed"}


def outcome_text(code, lang: str = "zh") -> str:
    return OUTCOME_LABELS["en" if lang == "en" else "zh"].get(code, code or "")


def county_outcome_text(code, lang: str = "zh") -> str:
    """A county verdict: 通过 / 未通过 (无法判定 stays as it is)."""
    if code == "pass":
        return t(lang, "monitor.county_pass")
    if code == "fail":
        return t(lang, "monitor.county_fail")
    return outcome_text(code, lang)


def _label(k, lang):
    """A summary or method key as the page shows it."""
    return t(lang, HEAD_KEYS[k]) if k in HEAD_KEYS else k


def _stage(doc, st):
    return (doc.get("stage_labels") or {}).get(st, st) if st else ""


def _flips(r, lang):
    return ", ".join(f"{f['rule_id']}{'（' + f['stage'] + '）' if f.get('stage') else ''}:"
                     f"{outcome_text(f['from'], lang)}→{outcome_text(f['to'], lang)}"
                     for f in r.get("variant_flips", []))


def _kind(k, lang):
    return t(lang, CHANGE_KEYS[k]) if k in CHANGE_KEYS else k


def _warning_head(ws, n: int) -> list:
    """The first ``n`` warnings as dicts (from the columns: no dict for the others)."""
    return ws.head(n) if isinstance(ws, WarningTable) else list(ws[:n])


def _warning_cells(ws, doc: dict, lang: str):
    """Each warning's XLSX cells: from the columns, or from dicts (a document built with dicts)."""
    if isinstance(ws, WarningTable):
        return ws.sheet_rows(doc.get("stage_labels") or {}, t(lang, "sep.clause"))
    return ([w["county_id"], w["school_id"], w["school_name"], _stage(doc, w["stage"]), w["rule_id"],
             *w["values"].values(), *w["projected_values"].values(), w["threshold"], w["margin"],
             w["relative_margin"], w["trend"], w["projected_fail_year"], t(lang, "sep.clause").join(w["reasons"])]
            for w in ws)


def _values_text(w):
    obs = " → ".join(_fmt(v, 3) for v in w["values"].values())
    proj = " → ".join(_fmt(v, 3) for v in w["projected_values"].values())
    return f"{obs} ⇢ {proj}" if proj else obs


# ------------------------------------------------------------------------------------------ terminal

def print_table(doc: dict, console, lang="zh", max_rows=TERMINAL_ROWS) -> None:
    h = _heads(lang)
    s = doc["summary"]
    console.print(f"[bold]{t(lang, 'monitor.title')}[/] {doc['standard']}  {h['years']} {doc['years']}  "
                  f"{h['projected_years']} {doc['projected_years']}", highlight=False)
    console.print(" ".join(f"{_label(k, lang)}={v}" for k, v in s.items()), highlight=False)
    rt = Table(title=t(lang, "monitor.ranking"))
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
    wt = Table(title=f"{t(lang, 'monitor.warnings')}（{len(doc['warnings'])}）")
    for c in ("county", "school", "stage", "rule", "values", "threshold", "rel", "fail_year", "why"):
        wt.add_column(h[c])
    for w in _warning_head(doc["warnings"], max_rows):
        wt.add_row(w["county_id"], f"{w['school_name'] or ''} {w['school_id'] or ''}".strip(), _stage(doc, w["stage"]),
                   f"{w['rule_id']} {w.get('rule_name') or ''}".strip(), _values_text(w), _fmt(w["threshold"]),
                   f"{w['relative_margin'] * 100:.1f}%" if w["relative_margin"] is not None else "—",
                   str(w["projected_fail_year"] or ""), "；".join(w["reasons"]))
    console.print(wt)
    et = Table(title=t(lang, "monitor.eligibility"))
    for c in ("county", "cert", "earliest", "status", "monitored"):
        et.add_column(h[c])
    for c in doc["counties"][:max_rows]:
        e = c.get("eligibility") or {}
        et.add_row(c["county_id"], str(e.get("certified_year") or "—"), str(e.get("earliest_application_year") or "—"),
                   e.get("text", ""), " ".join(f"{y}:{outcome_text(o, lang)}"
                                               for y, o in (e.get("monitored_years") or {}).items()))
    console.print(et)
    if doc["changes"]:
        ct = Table(title=f"{t(lang, 'monitor.changes')}（{len(doc['changes'])}）")
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
    h = _heads(lang)
    out = [f'<!DOCTYPE html><html lang="{"en" if lang == "en" else "zh-CN"}"><head><meta charset="utf-8">'
           f"<title>{_e(t(lang, 'monitor.title'))}</title><style>{CSS}</style></head><body>",
           f"<h1>{_e(t(lang, 'monitor.title'))}</h1>",
           f"<p>{_e(doc['standard'])} · {h['years']} {_e(doc['years'])} · {h['projected_years']} "
           f"{_e(doc['projected_years'])}</p>",
           "<p>" + " · ".join(f"{_e(_label(k, lang))}: {_e(v)}" for k, v in doc["summary"].items()) + "</p>",
           f'<p class="note">{_e(doc["method"]["projection"])}</p><p class="note">{_e(doc["method"]["trend"])} '
           f'{_e(doc["method"]["near"])}</p>']
    out.append(f"<h2>{_e(t(lang, 'monitor.ranking'))}</h2><p class='note'>{_e(doc['method']['ranking'])}</p>"
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
    out.append(f"<h2>{_e(t(lang, 'monitor.warnings'))}（{len(ws)}）</h2>")
    if len(ws) > HTML_MAX_WARNINGS:
        note = t(lang, "monitor.html_first", n=HTML_MAX_WARNINGS, rest=len(ws) - HTML_MAX_WARNINGS)
        out.append(f'<p class="note">{_e(note)}</p>')
    out.append("<table><tr>" + "".join(f"<th>{h[c]}</th>" for c in (
        "county", "school", "stage", "rule", "trend_chart", "values", "threshold", "rel", "fail_year", "why"))
        + "</tr>")
    for w in _warning_head(ws, HTML_MAX_WARNINGS):
        rel = f"{w['relative_margin'] * 100:.1f}%" if w["relative_margin"] is not None else "—"
        out.append(f"<tr><td>{_e(w['county_id'])}</td><td>{_e(w['school_name'])} {_e(w['school_id'])}</td>"
                   f"<td>{_e(_stage(doc, w['stage']))}</td><td>{_e(w['rule_id'])} {_e(w['rule_name'])}</td>"
                   f"<td>{svg_trend(w['values'], w['projected_values'], w['thresholds'])}</td>"
                   f"<td>{_e(_values_text(w))}</td><td>{_e(_fmt(w['threshold']))}</td><td>{rel}</td>"
                   f"<td>{_e(w['projected_fail_year'] or '')}</td><td>{_e('；'.join(w['reasons']))}</td></tr>")
    out.append("</table>")
    out.append(f"<h2>{_e(t(lang, 'monitor.counties'))}</h2>")
    for c in doc["counties"]:
        out.append(_county_html(c, doc, lang))
    out.append(f"<h2>{_e(t(lang, 'monitor.eligibility'))}</h2>"
               f"<p class='note'>{_e(doc['method']['eligibility'])}</p><table><tr>"
               + "".join(f"<th>{h[c]}</th>" for c in ("county", "cert", "earliest", "status", "monitored")) + "</tr>")
    for c in doc["counties"]:
        e = c.get("eligibility") or {}
        mon = " ".join(f"{y}:{outcome_text(o, lang)}" for y, o in (e.get("monitored_years") or {}).items())
        out.append(f"<tr><td>{_e(c['county_name'])} {_e(c['county_id'])}</td><td>{_e(e.get('certified_year'))}</td>"
                   f"<td>{_e(e.get('earliest_application_year'))}</td><td>{_e(e.get('text'))}</td><td>{_e(mon)}</td></tr>")
    out.append("</table>")
    if doc["changes"]:
        out.append(f"<h2>{_e(t(lang, 'monitor.changes'))}（{len(doc['changes'])}）</h2><table><tr>" + "".join(
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
    h = _heads(lang)
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
            f"<span class='note'>（* {_e(t(lang, 'monitor.projected'))}）</span></p>"
            f"<table><tr><th>{h['rule']}</th><th>{h['stage']}</th><th>{h['trend_chart']}</th>"
            f"<th>{t(lang, 'monitor.cv')}</th>"
            f"<th>{_e(t(lang, 'monitor.contributors'))}</th></tr>{''.join(rows)}</table>")


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

    h = _heads(lang)
    wb = Workbook(write_only=True)
    years, proj = doc["years"], doc["projected_years"]

    ws = _Sheet(wb, t(lang, "monitor.warnings"))
    ws.append([h["county"], h["school_id"], h["school"], h["stage"], h["rule"], *map(str, years),
               *(f"{y}{t(lang, 'monitor.projected')}" for y in proj), h["threshold"], h["margin"], h["rel"], h["trend"],
               h["fail_year"], h["why"]])
    for cells in _warning_cells(doc["warnings"], doc, lang):
        ws.append(cells)

    cs = _Sheet(wb, t(lang, "monitor.counties"))
    cs.append([h["county"], h["county_name"], h["year"], t(lang, "monitor.projected"), h["outcome"], h["rule"],
               h["stage"], t(lang, "monitor.cv"), t(lang, "monitor.contributors")])
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

    rs = _Sheet(wb, t(lang, "monitor.ranking"))
    rs.append([h[c] for c in ("rank", "county", "outcome", "failing", "ne", "school_units", "distance", "warnings",
                              "variant")])
    for r in doc["ranking"]:
        rs.append([r["rank"], f"{r['county_name'] or ''} {r['county_id']}", county_outcome_text(r["outcome"], lang),
                   r["failing_items"], r["not_evaluable_items"], r["failing_school_units"], r["distance_to_pass"],
                   r["warnings"],
                   _flips(r, lang)])

    es = _Sheet(wb, t(lang, "monitor.eligibility"))
    es.append([h[c] for c in ("county", "cert", "earliest", "status", "monitored")])
    for c in doc["counties"]:
        e = c.get("eligibility") or {}
        es.append([c["county_id"], e.get("certified_year"), e.get("earliest_application_year"), e.get("text"),
                   " ".join(f"{y}:{outcome_text(o, lang)}" for y, o in (e.get("monitored_years") or {}).items())])

    ch = _Sheet(wb, t(lang, "monitor.changes"))
    ch.append([h[c] for c in ("county", "school", "kind", "year", "before", "after")])
    for c in doc["changes"]:
        ch.append([c["county_id"], f"{c['school_name']} {c['school_id']}", _kind(c["kind"], lang), c["year"],
                   c["before"], c["after"]])

    if "indicators" in doc:
        it = _Sheet(wb, t(lang, "monitor.indicators"))
        it.append([h["county"], h["school_id"], h["school"], h["stage"], h["rule"], *map(str, years),
                   *(f"{y}{t(lang, 'monitor.projected')}" for y in proj), h["threshold"], h["margin"], h["rel"],
                   h["trend"],
                   h["fail_year"], h["outcome"]])
        for w in doc["indicators"]:
            it.append([w["county_id"], w["school_id"], w["school_name"], _stage(doc, w["stage"]), w["rule_id"],
                       *w["values"].values(), *w["projected_values"].values(), w["threshold"], w["margin"],
                       w["relative_margin"], w["trend"], w["projected_fail_year"] or t(lang, "monitor.stays")
                       if w["stays_passing"] else w["projected_fail_year"], outcome_text(w["outcome"], lang)])

    ms = _Sheet(wb, t(lang, "monitor.method_sheet"))
    for k, v in doc["method"].items():
        ms.append([_label(k, lang), str(v)])
    ms.append([h["as_of"], "；".join(f"{y}: {d}" for y, d in doc["as_of"].items())])
    wb.save(path)
