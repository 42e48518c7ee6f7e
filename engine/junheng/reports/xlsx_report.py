"""Excel report: county summary, school-stage verdicts (conditional formatting), CVs, rejected rows,
provenance. Chinese labels by default; frozen header rows; column widths set.

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


def write_xlsx(run, path, lang: str | None = None, progress=None) -> None:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    lang = lang or run.lang or "zh"
    t = L[lang]
    labels = OUTCOME_LABELS[lang]
    std = run.standard
    v = run.verdicts
    ev = run.evaluator
    sp = run.spaces
    wb = Workbook()
    if progress is not None:
        progress.start(tr(lang, "step.workbook"), total=5)

    # 1. county summary: every county-level verdict (area, county, vetoes, CVs, government, quality...)
    county = v[v.level == "county"]
    cnames = dict(zip(sp.counties["county_id"], sp.counties["county_name"])) if "county_name" in sp.counties else {}
    rows = []
    for r in county.itertuples(index=False):
        rows.append([r.county_id, cnames.get(r.county_id), r.rule_id, r.rule_name, r.area,
                     std.stage_label(r.stage, lang) if isinstance(r.stage, str) else None, _num(r.value), r.operator,
                     _num(r.threshold), _num(r.margin), labels.get(r.outcome, r.outcome), r.reason])
    # per-county count of failing school stages, after the rules
    heads = [t["county_id"], t["county_name"], t["rule"], t["name"], t["area"], t["stage"], t["value"], t["op"],
             t["threshold"], t["margin"], t["outcome"], t["reason"]]
    ws = _sheet(wb, t["county"], heads, rows, {1: 12, 2: 14, 3: 16, 4: 44, 5: 12, 6: 8, 11: 10, 12: 60}, first=True)
    if rows:
        _outcome_format(ws, f"K2:K{len(rows) + 1}", lang)
    if progress is not None:
        progress.advance()

    # 2. school stages: one row per unit, value + outcome per stage rule, smallest change
    rules = [r for r in run.compiled.rules if r.space in ("stage",)]
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
    rows = []
    for u in range(sp.sizes["stage"]):
        s = sp.u_school[u]
        row = [cids[sp.u_county[u]], sids[s], names[s], std.stage_label(sp.stages[sp.u_stage[u]], lang)]
        fails, hints = [], []
        for r in rules:
            res = ev.results[r.id]
            o = int(res.outcome[u])
            if r.kind == "threshold":
                row.append(_num(res.value[u]) if o != ABSENT else None)
            name = {PASS: "pass", FAIL: "fail", NOT_EVALUABLE: "not_evaluable"}.get(o, "not_applicable")
            row.append(None if o == ABSENT else labels[name])
            if o == FAIL:
                fails.append(r.id)
            opts = cfs.get(r.id, {}).get(u)
            if opts:
                hints.append(tr(lang, "colon", x=r.id) + opts[0]["text"])
        row += [tr(lang, "sep.list").join(fails), "\n".join(hints)]
        rows.append(row)
    widths = {1: 12, 2: 14, 3: 24, 4: 8, len(heads) - 1: 20, len(heads): 60}
    ws = _sheet(wb, t["schools"], heads, rows, widths)
    ws.freeze_panes = "E2"
    if rows:
        _outcome_format(ws, f"E2:{get_column_letter(len(heads) - 2)}{len(rows) + 1}", lang)
    if progress is not None:
        progress.advance()

    # 3. CVs
    rows = []
    for r in run.compiled.rules:
        if not (is_cv_rule(r) and r.space in ("county_stage", "county")):
            continue
        res = ev.results[r.id]
        for i in np.flatnonzero(res.outcome != ABSENT):
            c = sp.cs_county[i] if r.space == "county_stage" else i
            stage = std.stage_label(sp.stages[sp.cs_stage[i]], lang) if r.space == "county_stage" else None
            o = {PASS: "pass", FAIL: "fail", NOT_EVALUABLE: "not_evaluable"}.get(int(res.outcome[i]), "not_applicable")
            rows.append([cids[c], cnames.get(cids[c]), stage, r.id, r.name_en if lang == "en" and r.name_en else r.name,
                         _num(res.value[i]), r.operator, _num(res.threshold[i]), labels[o]])
    ws = _sheet(wb, t["cv"], [t["county_id"], t["county_name"], t["stage"], t["rule"], t["name"], t["value"], t["op"],
                              t["threshold"], t["outcome"]], rows, {1: 12, 2: 14, 4: 10, 5: 44})
    if rows:
        _outcome_format(ws, f"I2:I{len(rows) + 1}", lang)
    if progress is not None:
        progress.advance()

    # 4. rejected rows
    rows = [[r.get("file"), r.get("sheet"), r.get("row"), r.get("id"), r.get("reason")] for r in run.rejected]
    _sheet(wb, t["rejected"], [t["file"], tr(lang, "xlsx.sheet"), t["row"], t["id"], t["reason"]], rows, {1: 40, 5: 80})
    if progress is not None:
        progress.advance()

    # 5. provenance: run facts, then one row per rule
    p = run_provenance(run)
    ws = wb.create_sheet(t["prov"])
    title = (std.title_en or p["title"]) if lang == "en" else p["title"]
    facts = [("standard", title + tr(lang, "paren", x=p["standard"] + tr(lang, "sep.comma") + p["version"])),
             ("engine", f"junheng {p['engine_version']}"),
             ("as_of", p.get("as_of_text") or p["as_of"] or "—"), ("input_fingerprint", p["input_fingerprint"])]
    facts += [(f"file {f['id']}", f"{f['path']} sha256={f['sha256']}") for f in p["files"]]
    facts += [(f"input {f['table']}", f"{f['path']} rows={f['rows']} sha256={f['sha256']}") for f in run.input_summary()]
    from openpyxl.styles import Font

    _put(ws, 1, 1, t["key"]).font = Font(bold=True)
    _put(ws, 1, 2, t["val"]).font = Font(bold=True)
    for i, (k, val) in enumerate(facts, 2):
        _put(ws, i, 1, k)
        _put(ws, i, 2, val)
    start = len(facts) + 3
    heads = [t["rule"], t["citation"], t["status"], t["where"]]
    for j, h in enumerate(heads, 1):
        _put(ws, start, j, h).font = Font(bold=True)
    for i, (rid, rp) in enumerate(p["rules"].items(), start + 1):
        _put(ws, i, 1, rid)
        _put(ws, i, 2, (rp["citation"] or {}).get("text"))
        _put(ws, i, 3, rp["source_status"])
        _put(ws, i, 4, short_text(rp, lang))
    ws.freeze_panes = "A2"
    for col, w in (("A", 22), ("B", 70), ("C", 12), ("D", 120)):
        ws.column_dimensions[col].width = w
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
