"""``junheng diff A B``: what differs between two standards, or two dates of one standard, and
(with data) which verdicts change.

A side is ``ID`` or ``ID@DATE`` (``national/quality-2017@2020-09-01``); ``--as-of DATE`` is the date of
every side that does not carry its own ``@DATE``. The comparison is of the *resolved* standards at those
dates: the parameter values in force, the rules in force and their tests.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from junheng.i18n import OUTCOME_LABELS
from junheng.standard.loader import load_standard, names_in
from junheng.tools.show import fmt_values, rel, rule_text, value_json
from junheng.tools.changes import citation_changes, derived_changes, field_changes, show_value
from junheng.tools.moves import records, value_moves
from junheng.standard.model import Standard, parse_date
from junheng.evaluation.run import evaluate_files
from rich.table import Table
import json
from rich.console import Console

from junheng.atomic import atomic_open
from junheng.atomic import write_text

_REF_RE = re.compile(r"^(?P<ref>.+?)@(?P<date>\d{4}(-\d{2}(-\d{2})?)?)$")
KEY = ["level", "county_id", "school_id", "stage", "rule_id"]
LEVEL_ZH = {"stage": "学段", "school": "学校", "county": "区县"}


def parse_side(text: str, default_as_of=None):
    """``ID@DATE`` → (ID, date); a side without ``@DATE`` takes ``default_as_of``."""
    m = _REF_RE.match(text)
    if m:
        return m.group("ref"), parse_date(m.group("date"))
    day = parse_date(default_as_of) if isinstance(default_as_of, str) else default_as_of
    return text, day


def _label(ref, day):
    return f"{ref}@{day.isoformat()}" if day else ref


# ------------------------------------------------------------------ semantic diff

def _pname(p, lang):
    return (p.name_en if lang == "en" and p.name_en else p.name) or p.id


def _rname(r, lang):
    return (r.name_en if lang == "en" and r.name_en else r.name) or r.id


def _with_unit(text, unit):
    return f"{text} {unit}".strip() if unit and text != "—" else text


def param_changes(a: Standard, day_a, b: Standard, day_b, lang="zh") -> list:
    out = []
    ids = list(a.parameters) + [p for p in b.parameters if p not in a.parameters]
    for pid in ids:
        pa, pb = a.parameters.get(pid), b.parameters.get(pid)
        va = pa.in_force(day_a) if pa else None
        vb = pb.in_force(day_b) if pb else None
        ja, jb = value_json(va), value_json(vb)
        if ja == jb and (pa is None) == (pb is None):
            continue
        p = pb or pa
        unit = p.unit
        used_by = sorted({r.id for s in (a, b) for r in s.rules.values() if pid in names_in(r)})
        if pa is None:
            change = "added"
        elif pb is None:
            change = "removed"
        elif vb is None:
            change = "ended"
        elif va is None:
            change = "started"
        else:
            change = "changed"
        ta, tb = _with_unit(fmt_values(va), unit), _with_unit(fmt_values(vb), unit)
        wa = str(va.window) if va is not None else ""
        wb = str(vb.window) if vb is not None else ""
        cit = str(vb.citation) if vb is not None and vb.citation else ""
        if lang == "zh":
            words = {"added": f"新增参数 {pid}（{_pname(p, lang)}）= {tb}",
                     "removed": f"删除参数 {pid}（{_pname(p, lang)}），原为 {ta}",
                     "changed": f"阈值参数 {pid}（{_pname(p, lang)}）由 {ta} 改为 {tb}",
                     "ended": f"参数 {pid}（{_pname(p, lang)}）在 B 的日期不生效（A 为 {ta}，生效期 {wa}）",
                     "started": f"参数 {pid}（{_pname(p, lang)}）在 B 的日期生效：{tb}（生效期 {wb}），A 的日期不生效"}[change]
            if used_by:
                words += f"；用于规则 {'、'.join(used_by)}"
            if cit and change != "removed":
                words += f"；出处：{cit}"
        else:
            words = {"added": f"new parameter {pid} ({_pname(p, lang)}) = {tb}",
                     "removed": f"parameter {pid} ({_pname(p, lang)}) removed, was {ta}",
                     "changed": f"threshold parameter {pid} ({_pname(p, lang)}) changed from {ta} to {tb}",
                     "ended": f"parameter {pid} ({_pname(p, lang)}) not in force at B's date (A: {ta}, in force {wa})",
                     "started": f"parameter {pid} ({_pname(p, lang)}) in force at B's date: {tb} (in force {wb}), "
                                f"not at A's"}[change]
            if used_by:
                words += f"; used by {', '.join(used_by)}"
            if cit and change != "removed":
                words += f"; source: {cit}"
        out.append({"id": pid, "change": change, "a": ja, "b": jb, "unit": unit, "used_by": used_by,
                    "set_at_b": rel(vb.origin) if vb is not None else None,
                    "source_status_b": vb.source_status if vb is not None else None, "words": words})
    return out


_ATTRS = ("level", "per_stage", "stages", "area", "test", "applies_when", "round", "veto")
_ATTR_ZH = {"level": "层级", "per_stage": "分学段", "stages": "适用学段", "area": "领域", "test": "判定式",
            "applies_when": "适用条件", "round": "取整位数", "veto": "一票否决"}


def _rule_facts(r):
    return {"level": r.level, "per_stage": r.per_stage, "stages": r.stages, "area": r.area, "test": rule_text(r),
            "applies_when": " ".join(r.applies_when.text.split()) if r.applies_when else None, "round": r.round,
            "veto": r.veto}


def rule_changes(a: Standard, day_a, b: Standard, day_b, params: list, lang="zh") -> list:
    ra = {r.id: r for r in (a.rules_in_force(day_a) if day_a else a.rules.values())}
    rb = {r.id: r for r in (b.rules_in_force(day_b) if day_b else b.rules.values())}
    changed_params = {p["id"]: p for p in params}
    removed_reason = {d["id"]: d for d in b.removed}
    out = []
    for rid in list(ra) + [r for r in rb if r not in ra]:
        x, y = ra.get(rid), rb.get(rid)
        if x is None:
            words = (f"新增规则 {rid}（{_rname(y, lang)}，{LEVEL_ZH.get(y.level, y.level)}级）：{rule_text(y)}；出处：{y.citation}"
                     if lang == "zh" else f"new rule {rid} ({_rname(y, lang)}, {y.level} level): {rule_text(y)}; "
                                          f"source: {y.citation}")
            out.append({"id": rid, "change": "added", "what": [], "b": _rule_facts(y), "set_at_b": rel(y.origin),
                        "words": words})
            continue
        if y is None:
            why = removed_reason.get(rid)
            if lang == "zh":
                words = f"删除规则 {rid}（{_rname(x, lang)}）"
                words += f"；理由：{why['reason']}；出处：{why['citation']}" if why else "（在该日期不生效）"
            else:
                words = f"rule {rid} ({_rname(x, lang)}) removed"
                words += f"; reason: {why['reason']}; source: {why['citation']}" if why else " (not in force then)"
            out.append({"id": rid, "change": "removed", "what": [], "a": _rule_facts(x), "words": words,
                        "set_at_b": rel(why["origin"]) if why else None})
            continue
        fa, fb = _rule_facts(x), _rule_facts(y)
        what = [k for k in _ATTRS if fa[k] != fb[k]]
        via = sorted(p for p in names_in(y) if p in changed_params) if fa["test"] == fb["test"] else []
        if not what and not via:
            continue
        parts = []
        for k in what:
            parts.append(f"{_ATTR_ZH[k]}：{show_value(fa[k], lang)} → {show_value(fb[k], lang)}" if lang == "zh"
                         else f"{k}: {show_value(fa[k], lang)} → {show_value(fb[k], lang)}")
        for pid in via:
            p = changed_params[pid]
            parts.append(f"阈值参数 {pid} 由 {fmt_json(p['a'], p['unit'])} 改为 {fmt_json(p['b'], p['unit'])}"
                         if lang == "zh" else f"threshold parameter {pid}: {fmt_json(p['a'], p['unit'])} → "
                                              f"{fmt_json(p['b'], p['unit'])}")
        words = (f"规则 {rid}（{_rname(y, lang)}）：" if lang == "zh" else f"rule {rid} ({_rname(y, lang)}): ") + \
            ("；" if lang == "zh" else "; ").join(parts)
        out.append({"id": rid, "change": "changed", "what": what, "via_parameters": via, "a": fa, "b": fb,
                    "set_at_b": rel(y.origin), "words": words})
    return out


def fmt_json(v, unit=""):
    if v is None:
        return "不生效 / not in force"
    if isinstance(v, dict):
        return ", ".join(f"{s} {x:g}" for s, x in v.items()) + (f" {unit}" if unit else "")
    return f"{v:g}" + (f" {unit}" if unit else "")


def semantic_diff(ref_a, day_a, ref_b, day_b, dirs=(), lang="zh") -> dict:
    a, b = load_standard(ref_a, dirs), load_standard(ref_b, dirs)
    params = param_changes(a, day_a, b, day_b, lang)
    rules = rule_changes(a, day_a, b, day_b, params, lang)
    notes = []
    if a.path and b.path and Path(a.path).resolve() == Path(b.path).resolve() and day_a == day_b:
        notes.append(f"A 与 B 是同一个文件（{a.path}）/ A and B are the same file")
    for std, day, side in ((a, day_a, "A"), (b, day_b, "B")):
        if day is not None and not std.window.contains(day):
            notes.append(f"{side}: 标准 {std.id} 在 {day} 不生效（生效期 {std.window}）" if lang == "zh" else
                         f"{side}: standard {std.id} is not in force on {day} (in force {std.window})")
    fields, derived = field_changes(a, b, lang), derived_changes(a, b, lang)
    return {"fields": fields, "derived": derived, "citations": citation_changes(a, day_a, b, day_b, lang),
            "a": {"ref": _label(ref_a, day_a), "id": a.id, "as_of": day_a.isoformat() if day_a else None,
                  "chain": [c.id for c in a.chain]},
            "b": {"ref": _label(ref_b, day_b), "id": b.id, "as_of": day_b.isoformat() if day_b else None,
                  "chain": [c.id for c in b.chain]},
            "parameters": params, "rules": rules, "notes": notes}


# ------------------------------------------------------------------ verdict impact

def _top_rules(std: Standard, day) -> set:
    """Rules no other rule in force uses: the verdicts a reader looks at (e.g. the county verdict)."""
    rules = std.rules_in_force(day) if day else list(std.rules.values())
    used = set()
    for r in rules:
        used |= names_in(r)
    return {r.id for r in rules if r.id not in used}


def compare_verdicts(va: pd.DataFrame, vb: pd.DataFrame) -> pd.DataFrame:
    """Outer join of two verdict tables on (level, county, school, stage, rule); rows whose outcome differs."""
    cols = KEY + ["rule_name", "outcome", "value", "threshold"]
    a = va[cols].copy()
    b = vb[cols].copy()
    for df in (a, b):
        for k in KEY:
            df[k] = df[k].astype(object).where(df[k].notna(), "")
    m = a.merge(b, on=KEY, how="outer", suffixes=("_a", "_b"), indicator=False)
    m["outcome_a"] = m["outcome_a"].fillna("absent")
    m["outcome_b"] = m["outcome_b"].fillna("absent")
    m["rule_name"] = m["rule_name_b"].fillna(m["rule_name_a"])
    ch = m[m["outcome_a"] != m["outcome_b"]].copy()
    ch = ch.drop(columns=["rule_name_a", "rule_name_b"])
    return ch.sort_values(["rule_id", "county_id", "school_id", "stage"]).reset_index(drop=True)


def verdict_impact(ref_a, day_a, ref_b, day_b, schools, counties=None, dirs=(), moved=0.0) -> dict:
    ra = evaluate_files(ref_a, schools, counties, day_a, dirs)
    rb = evaluate_files(ref_b, schools, counties, day_b, dirs)
    imp = impact_of(ra, rb)
    imp["moved_threshold"] = float(moved)
    imp["moved"] = records(value_moves(ra.verdicts, rb.verdicts, KEY, moved))  # same outcome, value moved
    return imp


def impact_of(ra, rb) -> dict:
    """What changes between two runs on the same records: per rule, per county verdict, per school."""
    ch = compare_verdicts(ra.verdicts, rb.verdicts)
    top = _top_rules(ra.standard, ra.as_of) | _top_rules(rb.standard, rb.as_of)
    per_rule = []
    for rid, g in ch.groupby("rule_id", sort=False):
        per_rule.append({
            "rule_id": rid, "rule_name": g["rule_name"].iloc[0], "level": g["level"].iloc[0], "changed": int(len(g)),
            "pass_to_fail": int(((g.outcome_a == "pass") & (g.outcome_b == "fail")).sum()),
            "fail_to_pass": int(((g.outcome_a == "fail") & (g.outcome_b == "pass")).sum()),
            "other": int(len(g) - ((g.outcome_a == "pass") & (g.outcome_b == "fail")).sum()
                         - ((g.outcome_a == "fail") & (g.outcome_b == "pass")).sum()),
            "verdict_rule": rid in top})
    counties_changed = ch[(ch["level"] == "county") & ch["rule_id"].isin(top)]
    county_verdicts = [{"county_id": r.county_id, "rule_id": r.rule_id, "rule_name": r.rule_name,
                        "stage": r.stage or None, "a": r.outcome_a, "b": r.outcome_b}
                       for r in counties_changed.itertuples()]
    schools_changed = ch[ch["level"].isin(["stage", "school"])]
    school_list = [{"school_id": sid, "county_id": g["county_id"].iloc[0],
                    "rules": sorted(set(g["rule_id"]))} for sid, g in schools_changed.groupby("school_id")]
    rows = []
    for r in ch.itertuples():
        rows.append({k: (None if (isinstance(v, float) and np.isnan(v)) or v == "" else v)
                     for k, v in r._asdict().items() if k != "Index"})
    return {"rows_compared": {"a": int(len(ra.verdicts)), "b": int(len(rb.verdicts))},
            "changed": rows, "per_rule": per_rule, "counties": county_verdicts,
            "counties_any_change": sorted(set(ch.loc[ch["level"] == "county", "county_id"])),
            "schools": school_list, "verdict_rules": sorted(top)}


def run_diff(side_a, side_b, as_of=None, schools=None, counties=None, dirs=(), lang="zh", moved=0.0) -> dict:
    ref_a, day_a = parse_side(side_a, as_of)
    ref_b, day_b = parse_side(side_b, as_of)
    doc = semantic_diff(ref_a, day_a, ref_b, day_b, dirs, lang)
    if schools:
        doc["impact"] = verdict_impact(ref_a, day_a, ref_b, day_b, schools, counties, dirs, moved)
    return doc


# ------------------------------------------------------------------ rendering

def render(doc: dict, console, lang="zh", max_rows=200) -> None:
    zh = lang == "zh"
    ol = dict(OUTCOME_LABELS[lang], absent="（无此判定）" if zh else "(absent)")
    console.print(f"[bold]A[/] = {doc['a']['ref']}  ({' → '.join(doc['a']['chain'])})", highlight=False)
    console.print(f"[bold]B[/] = {doc['b']['ref']}  ({' → '.join(doc['b']['chain'])})", highlight=False)
    for n in doc["notes"]:
        console.print(f"[yellow]{n}[/]", highlight=False)
    if not doc["parameters"] and not doc["rules"] and not doc.get("fields") and not doc.get("derived"):
        console.print(("两者的参数、规则、派生值和字段的取值与写法相同" + ("（只有出处不同，见下）" if doc.get("citations")
                                                                else "") + " / no semantic difference") if zh else
                      "no difference in parameters, rules, derived values or fields" +
                      (" (citations differ, below)" if doc.get("citations") else ""))
    if doc["parameters"]:
        console.print("[bold]阈值与参数变化[/]" if zh else "[bold]Thresholds and parameters[/]")
        for p in doc["parameters"]:
            console.print(f"  • {p['words']}", highlight=False)
    if doc.get("fields"):
        console.print("[bold]数据字段变化[/]" if zh else "[bold]Fields[/]")
        for f in doc["fields"]:
            console.print(f"  • {f['words']}", highlight=False)
    if doc.get("derived"):
        console.print("[bold]派生值变化[/]" if zh else "[bold]Derived values[/]")
        for d in doc["derived"]:
            console.print(f"  • {d['words']}", highlight=False)
    if doc["rules"]:
        console.print("[bold]规则变化[/]" if zh else "[bold]Rules[/]")
        for r in doc["rules"]:
            console.print(f"  • {r['words']}", highlight=False)
    if doc.get("citations"):
        console.print("[bold]出处变化（取值与写法不变）[/]" if zh else "[bold]Citations (same values and wording)[/]")
        for c in doc["citations"]:
            console.print(f"  • {c['words']}", highlight=False)
    imp = doc.get("impact")
    if imp is None:
        return
    console.print(("[bold]判定影响[/]（A {a} 条判定，B {b} 条判定，变化 {n} 条）" if zh else
                   "[bold]Verdict impact[/] (A {a} verdicts, B {b}, {n} changed)").format(
        a=imp["rows_compared"]["a"], b=imp["rows_compared"]["b"], n=len(imp["changed"])))
    render_moves(imp, console, zh, max_rows)
    if not imp["changed"]:
        console.print("  没有任何判定的结论发生变化 / no verdict outcome changes" if zh else "  no verdict outcome changes")
        return
    t = Table(title="按规则 / per rule" if zh else "per rule")
    for col in (("规则", "rule"), ("名称", "name"), ("层级", "level"), ("变化数", "changed"),
                ("达标→不达标", "pass→fail"), ("不达标→达标", "fail→pass"), ("其他（含新增、删除的判定）", "other (incl. added/removed)")):
        t.add_column(col[0] if zh else col[1])
    for r in imp["per_rule"]:
        t.add_row(r["rule_id"] + (" ★" if r["verdict_rule"] else ""), r["rule_name"],
                  LEVEL_ZH.get(r["level"], r["level"]) if zh else r["level"], str(r["changed"]),
                  str(r["pass_to_fail"]), str(r["fail_to_pass"]), str(r["other"]))
    console.print(t)
    if not imp["counties"]:
        console.print("没有区县的结论发生变化（★ 结论性规则未变）/ no county verdict changes" if zh else
                      "no county verdict changes")
    if imp["counties"]:
        ct = Table(title="结论变化的区县（★ 结论性规则）/ counties whose verdict changes" if zh else
                   "counties whose verdict changes")
        for col in (("区县", "county"), ("规则", "rule"), ("学段", "stage"), ("A", "A"), ("B", "B")):
            ct.add_column(col[0] if zh else col[1])
        for c in imp["counties"]:
            ct.add_row(c["county_id"], f"{c['rule_id']} {c['rule_name']}", c["stage"] or "",
                       ol.get(c["a"], c["a"]), ol.get(c["b"], c["b"]))
        console.print(ct)
    dt_ = Table(title="全部变化的判定 / every changed verdict" if zh else "every changed verdict")
    for col in (("规则", "rule"), ("层级", "level"), ("区县", "county"), ("学校", "school"), ("学段", "stage"),
                ("A 值", "A value"), ("A 阈值", "A threshold"), ("A", "A"), ("B 值", "B value"),
                ("B 阈值", "B threshold"), ("B", "B")):
        dt_.add_column(col[0] if zh else col[1])

    def num(v):
        return "" if v is None else f"{v:g}" if isinstance(v, float) else str(v)
    for r in imp["changed"][:max_rows]:
        dt_.add_row(r["rule_id"], LEVEL_ZH.get(r["level"], r["level"]) if zh else r["level"], r["county_id"] or "",
                    r["school_id"] or "", r["stage"] or "", num(r["value_a"]), num(r["threshold_a"]),
                    ol.get(r["outcome_a"], r["outcome_a"]), num(r["value_b"]), num(r["threshold_b"]),
                    ol.get(r["outcome_b"], r["outcome_b"]))
    console.print(dt_)
    if len(imp["changed"]) > max_rows:
        console.print(f"（只显示前 {max_rows} 条，共 {len(imp['changed'])} 条；完整结果用 --format json）" if zh else
                      f"(first {max_rows} of {len(imp['changed'])}; use --format json for all)")


def render_moves(imp: dict, console, zh: bool, max_rows: int = 200) -> None:
    """Values that moved with the outcome unchanged, closest to the limit first, with the margin on each side."""
    moves = imp.get("moved") or []
    thr = imp.get("moved_threshold", 0.0)
    if not moves:
        console.print((f"  结论未变的判定中没有数值变化超过 {thr:g} / no value moved by more than {thr:g}" if zh else
                       f"  no value moved by more than {thr:g} with the outcome unchanged"), highlight=False)
        return
    ol = OUTCOME_LABELS["zh" if zh else "en"]
    t = Table(title=(f"数值变化（结论未变，变化超过 {thr:g}；离限值近的在前）/ values that moved" if zh else
                     f"values that moved, outcome unchanged (by more than {thr:g}; closest to the limit first)"))
    for col in (("规则", "rule"), ("区县", "county"), ("学校", "school"), ("学段", "stage"), ("A 值", "A value"),
                ("B 值", "B value"), ("变化", "change"), ("B 阈值", "B threshold"), ("A 余量", "A margin"),
                ("B 余量", "B margin"), ("结论", "outcome")):
        t.add_column(col[0] if zh else col[1])

    def num(v):
        return "" if v is None else f"{v:.6g}" if isinstance(v, float) else str(v)
    for r in moves[:max_rows]:
        t.add_row(r["rule_id"], r["county_id"] or "", r["school_id"] or "", r["stage"] or "", num(r["value_a"]),
                  num(r["value_b"]), f"{r['change']:+.6g}", num(r["threshold_b"]), num(r["margin_a"]),
                  num(r["margin_b"]), ol.get(r["outcome"], r["outcome"]))
    console.print(t)
    if len(moves) > max_rows:
        console.print(f"（只显示前 {max_rows} 条，共 {len(moves)} 条）" if zh else f"(first {max_rows} of {len(moves)})")


def cli(out, err, args, dirs, lang) -> int:
    if args.counties and not args.schools:
        err.print("[red]--counties 需要同时给出 --schools / --counties needs --schools[/]")
        return 2
    doc = run_diff(args.a, args.b, args.as_of, args.schools, args.counties, dirs, lang, getattr(args, "moved", 0.0))
    if args.format == "json":
        text = json.dumps(doc, ensure_ascii=False, indent=2, default=str)
        if args.out:
            write_text(args.out, text + "\n", newline=None)
        else:
            print(text)
    elif args.out:
        with atomic_open(args.out, "w", encoding="utf-8") as fh:
            render(doc, Console(file=fh, width=200, soft_wrap=True), lang)
    else:
        render(doc, out, lang)
    return 0
