"""Excel report: the overall conclusion (first sheet), county summary, school-stage verdicts (conditional
formatting), CVs, rejected rows, provenance; values rounded half-up as the HTML report shows them. Chinese
labels by default; frozen header rows; column widths set.

Control characters that XML cannot hold (``\x00``-``\x1f`` except tab, LF, CR) are shown as
U+FFFD in the cell, instead of openpyxl's IllegalCharacterError.

Formula injection: every text cell is written with data_type "s" (a string), so a school name such
as ``=HYPERLINK(...)`` or ``+1`` / ``-1`` / ``@SUM(...)`` stays text and never becomes a live formula.
"""
from __future__ import annotations

import math
import re

import numpy as np

from junheng.evaluation.finite import as_float as _num
from junheng.explain.counterfactual import all_counterfactuals
from junheng.explain.dispersion import is_cv_rule
from junheng.i18n import LANGS, OUTCOME_LABELS, t as tr
from junheng.evaluation.logic import ABSENT, FAIL, NOT_EVALUABLE, PASS
from junheng.standard.provenance import run_provenance, short_text
from junheng.evaluation.logic import round_half_up
from junheng.reports.conclusion import area_label, county_conclusions
from junheng.reports.html_report import citation_text, display_decimals, table_label
from junheng.standard.provenance import source_status_label
import io
from junheng.atomic import write_bytes

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
# the characters XML 1.0 (and so openpyxl) cannot store: C0 controls except tab, line feed, CR
ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
REPLACEMENT = "\ufffd"  # visible: the cell shows where a character was dropped
# the workbook's texts, from the catalogue (junheng.messages)
_L_KEYS = {
    "county": "xlsx.county", "schools": "xlsx.schools", "cv": "xlsx.cv", "rejected": "xlsx.rejected",
    "prov": "xlsx.prov", "county_id": "xlsx.county_id", "county_name": "xlsx.county_name", "rule": "xlsx.rule",
    "name": "xlsx.name", "area": "xlsx.area", "stage": "xlsx.stage", "value": "xlsx.value", "op": "xlsx.op",
    "threshold": "xlsx.threshold", "margin": "xlsx.margin", "outcome": "xlsx.outcome", "reason": "xlsx.reason",
    "school_id": "xlsx.school_id", "school_name": "xlsx.school_name", "to_pass": "xlsx.to_pass",
    "file": "xlsx.file", "row": "xlsx.row", "id": "xlsx.id", "citation": "xlsx.citation", "status": "xlsx.status",
    "where": "xlsx.where", "key": "xlsx.key", "val": "xlsx.val", "fails": "xlsx.fails",
}
L = {lang: {k: tr(lang, key) for k, key in _L_KEYS.items()} for lang in LANGS}
FILLS = {"pass": "DAFBE1", "fail": "FFD8D3", "not_evaluable": "FFF1C2"}






def _put(ws, row, col, value):
    """Write one cell; text is always a string cell (no formula, even if it starts with = + - @)."""
    cell = ws.cell(row=row, column=col)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return cell
    if isinstance(value, (bool, np.bool_)):
        cell.value = bool(value)
    elif isinstance(value, (int, float, np.integer, np.floating)):
        f = _num(value)
        if f is not None:
            cell.value = f
    else:
        text = str(value)
        if ILLEGAL.search(text):  # control characters (a school name with \x01): shown as �, not a crash
            text = ILLEGAL.sub(REPLACEMENT, text)
        cell.value = text
        cell.data_type = "s"  # never 'f': a leading = + - @ stays literal text
        if text.startswith(DANGEROUS):
            cell.quotePrefix = True  # Excel shows it as typed text, also after editing
    return cell


def _sheet(wb, title, headers, rows, widths=None, first=False):
    from openpyxl.styles import Alignment, Font, PatternFill

    ws = wb.active if first else wb.create_sheet()
    ws.title = title
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="F6F8FA")
    for j, h in enumerate(headers, 1):
        c = _put(ws, 1, j, h)
        c.font = bold
        c.fill = fill
        c.alignment = Alignment(vertical="center", wrap_text=True)
    for i, r in enumerate(rows, 2):
        for j, v in enumerate(r, 1):
            _put(ws, i, j, v)
    ws.freeze_panes = "A2"
    for j, h in enumerate(headers, 1):
        from openpyxl.utils import get_column_letter

        w = (widths or {}).get(j) or min(max(len(str(h)) * 2 + 2, 10), 60)
        ws.column_dimensions[get_column_letter(j)].width = w
    if rows:
        from openpyxl.utils import get_column_letter

        ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"
    return ws


def _outcome_format(ws, ref, lang):
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import Font, PatternFill

    for key, color in FILLS.items():
        label = OUTCOME_LABELS[lang][key].replace('"', '""')
        ws.conditional_formatting.add(ref, CellIsRule(operator="equal", formula=[f'"{label}"'],
                                                      fill=PatternFill("solid", fgColor=color),
                                                      font=Font(bold=(key == "fail"))))


def _outcome_name(o: int) -> str:
    return {PASS: "pass", FAIL: "fail", NOT_EVALUABLE: "not_evaluable"}.get(int(o), "not_applicable")


def _rounded(value, places: int):
    """A value as the report shows it: half-up to ``places`` decimals (what the HTML table displays)."""
    f = _num(value)
    return None if f is None else float(round_half_up(f, places))


def _conclusion_sheet(wb, run, lang, t):
    """First sheet: the overall conclusion per county, in words (areas by name, vetoes fired, eligibility)."""
    concl = county_conclusions(run, lang)
    if not concl:
        return False
    labels = OUTCOME_LABELS[lang]
    areas = list(dict.fromkeys(a for c in concl for a, _ in c["areas"]))
    heads = [t["county_id"], t["county_name"], tr(lang, "col.verdict"), *areas, tr(lang, "col.vetoes"),
             tr(lang, "col.eligibility"), t["reason"]]
    rows = []
    for c in concl:
        by = dict(c["areas"])
        elig = tr(lang, "sep.clause").join(f"{n} {labels.get(o, o)}" for n, o in c["eligibility"])
        rows.append([c["county_id"], c["county_name"], c["word"], *[labels.get(by.get(a), None) for a in areas],
                     tr(lang, "sep.list").join(c["vetoes"]) or tr(lang, "summary.none"), elig or None, c["text"]])
    widths = {1: 12, 2: 16, 3: 10, len(heads) - 1: 30, len(heads): 80}
    ws = _sheet(wb, tr(lang, "summary.conclusion"), heads, rows, widths, first=True)
    _outcome_format(ws, f"D2:{_col(3 + len(areas))}{len(rows) + 1}", lang)
    return True


def _col(j: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(j)


def _county_names(sp) -> dict:
    """county_id → county_name ({} when the county file has no names)."""
    return dict(zip(sp.counties["county_id"], sp.counties["county_name"])) if "county_name" in sp.counties else {}


def _county_sheet(wb, run, lang, t, first):
    """Every county-level verdict, the overall one first, then areas, then the rest in the standard's order."""
    labels = OUTCOME_LABELS[lang]
    std = run.standard
    v = run.verdicts
    sp = run.spaces
    county = v[v.level == "county"]
    order = np.where(county.rule_id == "county", 0, np.where(county.rule_id.str.startswith("area_"), 1, 2))
    county = county.iloc[np.argsort(order, kind="stable")]
    rules = {r.id: r for r in run.compiled.rules}
    cnames = _county_names(sp)
    rows = []
    for r in county.itertuples(index=False):
        places = display_decimals(rules.get(r.rule_id), 4)
        rows.append([r.county_id, cnames.get(r.county_id), r.rule_id, r.rule_name, area_label(r.area, lang) or None,
                     std.stage_label(r.stage, lang) if isinstance(r.stage, str) else None,
                     _rounded(r.value, places), r.operator, _rounded(r.threshold, places), _rounded(r.margin, places),
                     labels.get(r.outcome, r.outcome), r.reason])
    heads = [t["county_id"], t["county_name"], t["rule"], t["name"], t["area"], t["stage"], t["value"], t["op"],
             t["threshold"], t["margin"], t["outcome"], t["reason"]]
    ws = _sheet(wb, t["county"], heads, rows, {1: 12, 2: 14, 3: 16, 4: 44, 5: 12, 6: 8, 11: 10, 12: 60}, first=first)
    if rows:
        _outcome_format(ws, f"K2:K{len(rows) + 1}", lang)


def _school_sheet(wb, run, lang, t):
    """One row per school stage: value (rounded as displayed) and outcome per stage rule, smallest change."""
    labels = OUTCOME_LABELS[lang]
    std = run.standard
    ev = run.evaluator
    sp = run.spaces
    rules = [r for r in run.compiled.rules if r.space == "stage"]
    cfs = all_counterfactuals(run, lang)
    sids = sp.schools["school_id"].to_numpy(dtype=object)
    names = sp.schools["school_name"].to_numpy(dtype=object) if "school_name" in sp.schools else sids
    cids = sp.counties["county_id"].to_numpy(dtype=object)
    heads = [t["county_id"], t["school_id"], t["school_name"], t["stage"]]
    for r in rules:
        if r.kind == "threshold":
            heads.append(f"{r.id} {t['value']}")
        heads.append(f"{r.id} {t['outcome']}")
    heads += [t["fails"], t["to_pass"]]
    # per rule, read once as Python lists: the outcome codes, the values rounded half-up as the report
    # shows them (threshold rules; None for the others), the smallest changes
    per_rule = [(r.id, ev.results[r.id].outcome.tolist(),
                 round_half_up(ev.results[r.id].value.astype(float), display_decimals(r)).tolist()
                 if r.kind == "threshold" else None, cfs.get(r.id, {})) for r in rules]
    stage_labels = [std.stage_label(st, lang) for st in sp.stages]
    sep = tr(lang, "sep.list")
    rows = []
    for u, (s, c, st) in enumerate(zip(sp.u_school.tolist(), sp.u_county.tolist(), sp.u_stage.tolist())):
        row = [cids[c], sids[s], names[s], stage_labels[st]]
        fails, hints = [], []
        for rid, outcomes, values, rule_cfs in per_rule:
            o = outcomes[u]
            if values is not None:
                row.append(_num(values[u]) if o != ABSENT else None)
            row.append(None if o == ABSENT else labels[_outcome_name(o)])
            if o == FAIL:
                fails.append(rid)
            opts = rule_cfs.get(u)
            if opts:
                hints.append(tr(lang, "colon", x=rid) + opts[0]["text"])
        row += [sep.join(fails), "\n".join(hints)]
        rows.append(row)
    widths = {1: 12, 2: 14, 3: 24, 4: 8, len(heads) - 1: 20, len(heads): 60}
    ws = _sheet(wb, t["schools"], heads, rows, widths)
    ws.freeze_panes = "E2"
    if rows:
        _outcome_format(ws, f"E2:{_col(len(heads) - 2)}{len(rows) + 1}", lang)


def _cv_sheet(wb, run, lang, t):
    labels = OUTCOME_LABELS[lang]
    std = run.standard
    ev = run.evaluator
    sp = run.spaces
    cids = sp.counties["county_id"].to_numpy(dtype=object)
    cnames = _county_names(sp)
    rows = []
    for r in run.compiled.rules:
        if not (is_cv_rule(r) and r.space in ("county_stage", "county")):
            continue
        res = ev.results[r.id]
        places = display_decimals(r, 4)
        for i in np.flatnonzero(res.outcome != ABSENT):
            c = sp.cs_county[i] if r.space == "county_stage" else i
            stage = std.stage_label(sp.stages[sp.cs_stage[i]], lang) if r.space == "county_stage" else None
            rows.append([cids[c], cnames.get(cids[c]), stage, r.id, r.name_en if lang == "en" and r.name_en else r.name,
                         _rounded(res.value[i], places), r.operator, _rounded(res.threshold[i], places),
                         labels[_outcome_name(res.outcome[i])]])
    ws = _sheet(wb, t["cv"], [t["county_id"], t["county_name"], t["stage"], t["rule"], t["name"], t["value"], t["op"],
                              t["threshold"], t["outcome"]], rows, {1: 12, 2: 14, 4: 10, 5: 44})
    if rows:
        _outcome_format(ws, f"I2:I{len(rows) + 1}", lang)


def _provenance_sheet(wb, run, lang, t):
    """Run facts (Chinese keys in Chinese), then one row per rule with its citation and source status."""
    from openpyxl.styles import Font

    std = run.standard
    p = run_provenance(run)
    ws = wb.create_sheet(t["prov"])
    title = (std.title_en or p["title"]) if lang == "en" else p["title"]
    comma = tr(lang, "sep.comma")
    facts = [(tr(lang, "xlsx.k_standard"), title + tr(lang, "paren", x=p["standard"] + comma + p["version"])),
             (tr(lang, "xlsx.k_engine"), f"junheng {p['engine_version']}"),
             (tr(lang, "xlsx.k_as_of"), p.get("as_of_text") or p["as_of"] or "—"),
             (tr(lang, "xlsx.k_fingerprint"), p["input_fingerprint"])]
    facts += [(tr(lang, "xlsx.k_file", id=f["id"]), tr(lang, "xlsx.v_file", path=f["path"], sha=f["sha256"]))
              for f in p["files"]]
    facts += [(tr(lang, "xlsx.k_input", table=table_label(f["table"], lang)),
               tr(lang, "xlsx.v_input", path=f["path"], rows=f["rows"], sha=f["sha256"])) for f in run.input_summary()]
    _put(ws, 1, 1, t["key"]).font = Font(bold=True)
    _put(ws, 1, 2, t["val"]).font = Font(bold=True)
    for i, (k, val) in enumerate(facts, 2):
        _put(ws, i, 1, k)
        _put(ws, i, 2, val)
    start = len(facts) + 3
    for j, h in enumerate([t["rule"], t["citation"], t["status"], t["where"]], 1):
        _put(ws, start, j, h).font = Font(bold=True)
    for i, (rid, rp) in enumerate(p["rules"].items(), start + 1):
        _put(ws, i, 1, rid)
        _put(ws, i, 2, citation_text(rp["citation"]) or None)
        _put(ws, i, 3, source_status_label(rp["source_status"], lang))
        _put(ws, i, 4, short_text(rp, lang))
    ws.freeze_panes = "A2"
    for col, w in (("A", 22), ("B", 70), ("C", 12), ("D", 120)):
        ws.column_dimensions[col].width = w


def write_xlsx(run, path, lang: str | None = None, progress=None) -> None:
    """The workbook: the overall conclusion first, then county verdicts, school stages, CVs, rejected rows,
    provenance (one helper per sheet)."""
    from openpyxl import Workbook

    lang = lang or run.lang or "zh"
    t = L[lang]
    wb = Workbook()
    if progress is not None:
        progress.start(tr(lang, "step.workbook"), total=5)
    has_conclusion = _conclusion_sheet(wb, run, lang, t)
    steps = (lambda: _county_sheet(wb, run, lang, t, first=not has_conclusion),
             lambda: _school_sheet(wb, run, lang, t), lambda: _cv_sheet(wb, run, lang, t),
             lambda: _sheet(wb, t["rejected"], [t["file"], tr(lang, "xlsx.sheet"), t["row"], t["id"], t["reason"]],
                            [[r.get("file"), r.get("sheet"), r.get("row"), r.get("id"), r.get("reason")]
                             for r in run.rejected], {1: 40, 5: 80}),
             lambda: _provenance_sheet(wb, run, lang, t))
    for step in steps:
        step()
        if progress is not None:
            progress.advance()
    if hasattr(path, "write"):
        wb.save(path)
    else:
        buf = io.BytesIO()  # built in memory (openpyxl's zip writer is not ours to clean up if interrupted)
        wb.save(buf)
        write_bytes(path, buf.getvalue())  # temp file + fsync + rename: never half a workbook


def write_xlsx_report(run, target, lang: str = "zh", progress=None) -> None:
    """The output-format table's writer (reports/formats.py)."""
    write_xlsx(run, target, lang, progress=progress)
