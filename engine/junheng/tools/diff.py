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

from junheng.i18n import OUTCOME_LABELS, t as tr
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
LEVEL_KEYS = {"stage": "level.stage", "school": "level.school", "county": "level.county"}


def _level(level, lang):
    return tr(lang, LEVEL_KEYS[level]) if level in LEVEL_KEYS else level


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
        key = {"added": "diff.param_added", "removed": "diff.param_removed", "changed": "diff.param_changed",
               "ended": "diff.param_ended", "started": "diff.param_started"}[change]
        words = tr(lang, key, id=pid, name=_pname(p, lang), a=ta, b=tb, wa=wa, wb=wb)
        if used_by:
            words += tr(lang, "diff.used_by", rules=tuple(used_by))
        if cit and change != "removed":
            words += tr(lang, "diff.source", citation=cit)
        out.append({"id": pid, "change": change, "a": ja, "b": jb, "unit": unit, "used_by": used_by,
                    "set_at_b": rel(vb.origin) if vb is not None else None,
                    "source_status_b": vb.source_status if vb is not None else None, "words": words})
    return out


_ATTRS = ("level", "per_stage", "stages", "area", "test", "applies_when", "round", "veto")
_ATTR_KEYS = {"level": "diff.attr_level", "per_stage": "diff.attr_per_stage", "stages": "diff.attr_stages",
              "area": "diff.attr_area", "test": "diff.attr_test", "applies_when": "diff.attr_applies_when",
              "round": "diff.attr_round", "veto": "diff.attr_veto"}


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
            words = tr(lang, "diff.rule_added", id=rid, name=_rname(y, lang), level=_level(y.level, lang),
                       test=rule_text(y), citation=str(y.citation))
            out.append({"id": rid, "change": "added", "what": [], "b": _rule_facts(y), "set_at_b": rel(y.origin),
                        "words": words})
            continue
        if y is None:
            why = removed_reason.get(rid)
            words = tr(lang, "diff.rule_removed", id=rid, name=_rname(x, lang))
            words += tr(lang, "diff.removed_why", reason=why["reason"], citation=str(why["citation"])) if why \
                else tr(lang, "diff.not_in_force_then")
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
            parts.append(tr(lang, "colon", x=tr(lang, _ATTR_KEYS[k]))
                         + f"{show_value(fa[k], lang)} → {show_value(fb[k], lang)}")
        for pid in via:
            p = changed_params[pid]
            parts.append(tr(lang, "diff.rule_param", id=pid, a=fmt_json(p["a"], p["unit"], lang),
                            b=fmt_json(p["b"], p["unit"], lang)))
        words = tr(lang, "diff.rule_changed", id=rid, name=_rname(y, lang)) + tr(lang, "sep.clause").join(parts)
        out.append({"id": rid, "change": "changed", "what": what, "via_parameters": via, "a": fa, "b": fb,
                    "set_at_b": rel(y.origin), "words": words})
    return out


def fmt_json(v, unit="", lang="zh"):
    if v is None:
        return tr(lang, "diff.not_in_force")
    if isinstance(v, dict):
        return ", ".join(f"{s} {x:g}" for s, x in v.items()) + (f" {unit}" if unit else "")
    return f"{v:g}" + (f" {unit}" if unit else "")


def semantic_diff(ref_a, day_a, ref_b, day_b, dirs=(), lang="zh") -> dict:
    a, b = load_standard(ref_a, dirs), load_standard(ref_b, dirs)
    params = param_changes(a, day_a, b, day_b, lang)
    rules = rule_changes(a, day_a, b, day_b, params, lang)
    notes = []
    if a.path and b.path and Path(a.path).resolve() == Path(b.path).resolve() and day_a == day_b:
        notes.append(tr(lang, "diff.same_file", path=a.path))
    for std, day, side in ((a, day_a, "A"), (b, day_b, "B")):
        if day is not None and not std.window.contains(day):
            notes.append(tr(lang, "diff.std_not_in_force", side=side, id=std.id, day=day, window=std.window))
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
    _render_changes(doc, console, lang)
    imp = doc.get("impact")
    if imp is None:
        return
    console.print(tr(lang, "diff.impact", a=imp["rows_compared"]["a"], b=imp["rows_compared"]["b"],
                     n=len(imp["changed"])))
    render_moves(imp, console, lang == "zh", max_rows)
    if not imp["changed"]:
        console.print("  " + tr(lang, "diff.no_verdict_changes"))
        return
    ol = dict(OUTCOME_LABELS[lang], absent=tr(lang, "diff.absent"))
    _render_per_rule(imp, console, lang)
    _render_county_changes(imp, console, lang, ol)
    _render_every_change(imp, console, lang, ol, max_rows)


def _render_changes(doc: dict, console, lang: str) -> None:
    """The two sides, the notes and the part-by-part changes of the standard."""
    zh = lang == "zh"
    console.print(f"[bold]A[/] = {doc['a']['ref']}  ({' → '.join(doc['a']['chain'])})", highlight=False)
    console.print(f"[bold]B[/] = {doc['b']['ref']}  ({' → '.join(doc['b']['chain'])})", highlight=False)
    for n in doc["notes"]:
        console.print(f"[yellow]{n}[/]", highlight=False)
    if not doc["parameters"] and not doc["rules"] and not doc.get("fields") and not doc.get("derived"):
        console.print(tr(lang, "diff.no_difference") + (("（派生值和字段也相同；只有出处不同，见下）" if zh else
                                                         " (nor in derived values or fields; citations differ, below)")
                                                        if doc.get("citations") else ""))
    sections = (("parameters", f"[bold]{tr(lang, 'diff.params_title')}[/]"),
                ("fields", "[bold]数据字段变化[/]" if zh else "[bold]Fields[/]"),
                ("derived", "[bold]派生值变化[/]" if zh else "[bold]Derived values[/]"),
                ("rules", f"[bold]{tr(lang, 'diff.rules_title')}[/]"),
                ("citations",
                 "[bold]出处变化（取值与写法不变）[/]" if zh else "[bold]Citations (same values and wording)[/]"))
    for key, title in sections:
        if doc.get(key):
            console.print(title)
            for item in doc[key]:
                console.print(f"  • {item['words']}", highlight=False)


def _render_per_rule(imp: dict, console, lang: str) -> None:
    t = Table(title=tr(lang, "diff.per_rule"))
    for col in ("col.rule", "col.name", "diff.col_level", "diff.col_changed", "diff.col_pass_fail",
                "diff.col_fail_pass", "diff.col_other"):
        t.add_column(tr(lang, col))
    for r in imp["per_rule"]:
        t.add_row(r["rule_id"] + (" ★" if r["verdict_rule"] else ""), r["rule_name"],
                  _level(r["level"], lang), str(r["changed"]),
                  str(r["pass_to_fail"]), str(r["fail_to_pass"]), str(r["other"]))
    console.print(t)


def _render_county_changes(imp: dict, console, lang: str, ol: dict) -> None:
    if not imp["counties"]:
        console.print(tr(lang, "diff.no_county_changes"))
        return
    ct = Table(title=tr(lang, "diff.county_changes"))
    for col in (tr(lang, "col.county"), tr(lang, "col.rule"), tr(lang, "col.stage"), "A", "B"):
        ct.add_column(col)
    for c in imp["counties"]:
        ct.add_row(c["county_id"], f"{c['rule_id']} {c['rule_name']}", c["stage"] or "",
                   ol.get(c["a"], c["a"]), ol.get(c["b"], c["b"]))
    console.print(ct)


def _render_every_change(imp: dict, console, lang: str, ol: dict, max_rows: int) -> None:
    dt_ = Table(title=tr(lang, "diff.every_change"))
    for col in (tr(lang, "col.rule"), tr(lang, "diff.col_level"), tr(lang, "col.county"), tr(lang, "level.school"),
                tr(lang, "col.stage"), tr(lang, "diff.col_value", side="A"), tr(lang, "diff.col_threshold", side="A"),
                "A",
                tr(lang, "diff.col_value", side="B"), tr(lang, "diff.col_threshold", side="B"), "B"):
        dt_.add_column(col)

    def num(v):
        return "" if v is None else f"{v:g}" if isinstance(v, float) else str(v)
    for r in imp["changed"][:max_rows]:
        dt_.add_row(r["rule_id"], _level(r["level"], lang), r["county_id"] or "",
                    r["school_id"] or "", r["stage"] or "", num(r["value_a"]), num(r["threshold_a"]),
                    ol.get(r["outcome_a"], r["outcome_a"]), num(r["value_b"]), num(r["threshold_b"]),
                    ol.get(r["outcome_b"], r["outcome_b"]))
    console.print(dt_)
    if len(imp["changed"]) > max_rows:
        console.print(tr(lang, "diff.first_rows", n=max_rows, total=len(imp["changed"])))


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
        console.print(f"（只显示前 {max_rows} 条，共 {len(moves)} 条）" if zh
                      else f"(first {max_rows} of {len(moves)})")


def cli(out, err, args, dirs, lang) -> int:
    if args.counties and not args.schools:
        err.print(f"[red]{tr(lang, 'diff.counties_needs_schools')}[/]")
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
