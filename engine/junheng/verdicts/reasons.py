"""Reason texts of verdicts: why a unit passed, failed or could not be judged.

Built per rule as arrow text after evaluation, from the stored arrays; ``not_evaluable`` always names
the missing or invalid inputs, or the rules / units it depends on.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from junheng.standard.checker import USABLE
from junheng.evaluation.evaluator import Evaluator, RuleResult
from junheng.i18n import msg
from junheng.messages import MESSAGES
from junheng.formatting import fmt_distinct, fmt_num
from junheng.verdicts.outofforce import out_of_force_text
from junheng.evaluation.logic import FAIL, NOT_APPLICABLE, NOT_EVALUABLE, PASS
from junheng.language import nodes as _ast
from junheng.verdicts.unknown_reasons import column_text, not_evaluable_reasons, unit_groups, units_with_codes, usable
from junheng.standard.model import exprs_have_if

ROWWISE = False  # True: not_evaluable reasons built row by row (the reference path; tests compare both)

MAX_LISTED = 5


def _labels(ev: Evaluator, lang: str):
    def label(name):
        sym = ev.t.get(name)
        fd = getattr(sym, "obj", None) if sym else None
        if sym and sym.kind == "field" and lang == "zh":
            return f"{fd.label or (list(fd.labels.values())[0] if fd.labels else name)}（{name}）" \
                if not fd.per_stage else f"{name}"
        return name
    return label


def build_reasons(ev: Evaluator, res: RuleResult, keep, invalid: dict, lang: str) -> pa.Array:
    """The reason of every kept row, as an arrow text array (built column-wise in C; only the
    not_evaluable rows, which name their own missing inputs, are built row by row)."""
    rule = res.rule
    n = len(res.outcome)
    o = res.outcome
    if rule.kind == "record":  # no limit in the standard: the value is shown, never judged
        reasons = _join(_lit("仅记录（标准不设限）：" if lang == "zh" else "recorded only (no limit in the "
                                                                "standard): "),
                        _fmt_pa(res.value))
        reasons = pc.if_else(pa.array(o == NOT_APPLICABLE), reasons, _lit(""))
    elif res.value is not None:
        v = _fmt_pa(res.value)
        t = _fmt_pa(res.threshold)
        op = rule.operator
        passed = pa.array(o == PASS)  # "v op t，达标" or "v 未满足 op t": one join for both
        mid = pc.if_else(passed, _lit(f" {op} "), _lit(msg(lang, "reason.misses", op=op)))
        tail = pc.if_else(passed, _lit(msg(lang, "reason.meets")), _lit(""))
        reasons = pc.if_else(pa.array((o == PASS) | (o == FAIL)), _join(v, mid, t, tail), _lit(""))
        reasons = _with_threshold_version(ev, res, reasons, lang)
        reasons = _with_both_branches(ev, res, reasons, lang)
    elif res.detail is not None:
        reasons = _at_least_reasons(ev, res, lang)
    else:
        # object dtype: np.where over str gives a fixed-width '<U5' array
        fail = _cond_fail(ev, res, lang) if (o == FAIL).any() else ""
        text = np.where(o == PASS, msg(lang, "cond_pass"), np.where(o == FAIL, fail, ""))
        reasons = pa.array(np.asarray(text, dtype=object), type=pa.large_string())
    reasons = _with_whole_school_note(ev, res, reasons, lang)
    reasons = _with_relaxation(res, reasons, lang)
    extra, at = [], np.arange(n)
    na = np.flatnonzero((o == NOT_APPLICABLE) & keep)
    if len(na) and rule.applies_when is not None:
        at[na] = n
        extra.append(msg(lang, "not_applicable", cond=_cond_text(ev, rule.applies_when, lang)))
    ne = np.flatnonzero((o == NOT_EVALUABLE) & keep)
    ne_texts = None
    if len(ne):
        if ROWWISE:
            at[ne] = n + len(extra) + np.arange(len(ne))
            extra.extend(_not_evaluable_reasons(ev, res, ne, invalid, lang))
        else:  # column-wise (verdicts/unknown_reasons.py): distinct texts, one code per row
            ne_texts, ne_codes = not_evaluable_reasons(ev, res, ne, invalid, lang,
                                                       _unknown_texts(rule, getattr(ev.std, "derived", None)))
            at[ne] = n + len(extra) + ne_codes
    # the texts of the special rows appended once; every kept row points at its text (dictionary-encoded:
    # a not_evaluable reason shared by thousands of rows is stored, and written to the CSV, once)
    texts = pa.concat_arrays([reasons.cast(pa.large_string()), pa.array(extra, type=pa.large_string())]
                             + ([ne_texts.cast(pa.large_string())] if ne_texts is not None else []))
    return pa.DictionaryArray.from_arrays(pa.array(at[keep].astype(np.int32)), texts)


def _with_whole_school_note(ev, res, reasons, lang):
    """A decided verdict whose stage value comes from a whole-school count split by the weighted shares
    says so ("县级及以上骨干教师数 由全校数按加权学生数拆分到学段")."""
    sp = ev.sp
    split = getattr(sp, "from_whole", None)
    if not split or res.space not in ("stage", "school"):
        return reasons
    used = [f for f in sorted(ev.c.inputs.get(res.rule.id, set())) if f in split]
    if not used:
        return reasons
    o = res.outcome
    suffix = _lit("")
    hit = np.zeros(len(o), dtype=bool)
    for f in used:
        m = split[f][sp.u_school] if res.space == "stage" else split[f]
        m = m & ((o == PASS) | (o == FAIL))
        if not m.any():
            continue
        hit |= m
        shown = f
        suffix = pc.binary_join_element_wise(suffix, pc.if_else(pa.array(m), _lit(f" {shown}"), _lit("")), _lit(""))
    if not hit.any():
        return reasons
    note = _lit("；以下数值由全校数按加权学生数拆分到学段：" if lang == "zh"
                else "; split from a whole-school count by the weighted shares:")
    return pc.if_else(pa.array(hit), pc.binary_join_element_wise(reasons.cast(pa.large_string()), note, suffix,
                                                                 _lit("")),
                      reasons.cast(pa.large_string()))


def _lit(x: str):
    return pa.scalar(x, pa.large_string())


def _area_or_id(rule, lang: str) -> str:
    """An area verdict (``area_resources`` with ``area: resources``) by the area's name (资源配置), any
    other rule by its id."""
    key = f"area.{rule.area}"
    if rule.area and rule.id == f"area_{rule.area}" and key in MESSAGES:
        return msg(lang, key)
    return rule.id


def _cond_fail(ev, res, lang):
    """Name what failed: same-level rules (area verdicts, vetoes) and, for aggregates such as
    all(G3_school), the schools of the group that failed. Built column-wise."""
    deps = sorted(ev.c.deps[res.rule.id].rules)
    n = len(res.outcome)
    joined = np.empty(n, dtype=object)
    joined.fill("")

    def add(mask, text):
        nonlocal joined
        joined = np.where(mask, np.where(joined == "", text, joined + sep + text), joined)

    finer, sep = [], msg(lang, "sep.list")
    for rid in deps:
        r = ev.results[rid]
        if r.space == res.space:
            shown = msg(lang, "reason.veto", rule=rid, name=(r.rule.name_en or r.rule.name) if lang == "en"
                        else r.rule.name) if r.rule.veto else _area_or_id(r.rule, lang)
            add(r.outcome == FAIL, shown)
        elif r.space not in USABLE[res.space]:
            finer.append(r)
    out = np.where(joined != "", (msg(lang, "reason.failed") + joined).astype(object), "")
    clause = msg(lang, "sep.clause")
    rows = np.flatnonzero(res.outcome == FAIL)
    for r in finer:  # list the failing units of each group (only for the failing rows), column-wise
        part = units_with_codes(ev, r.outcome == FAIL, r.space, res.space, rows, lang,
                                msg(lang, "reason.rule_failed", rule=r.rule.id))
        if part is None:
            continue
        codes, texts = part
        has = codes >= 0
        at, listed = rows[has], texts[codes[has]]
        before = out[at]
        out[at] = np.where(before != "", before + clause + listed, listed)
    return np.where(out != "", out, msg(lang, "cond_fail"))


def _fmt_pa(arr):
    """fmt_array as an arrow string array: each distinct number formatted once, then a C-level take."""
    arr = np.round(np.asarray(arr, dtype="float64"), 4).reshape(-1)
    inv, uniq = pd.factorize(arr, use_na_sentinel=False)  # hashing, not sorting: the order does not matter
    return fmt_distinct(np.asarray(uniq, dtype="float64")).take(pa.array(inv))


def _join(*parts):
    """Element-wise concatenation of arrow string arrays and plain strings (C level, no Python loop)."""
    return pc.binary_join_element_wise(*[p if not isinstance(p, str) else pa.scalar(p, pa.large_string())
                                         for p in parts], pa.scalar("", pa.large_string()))


def _scatter(arr, rows, values):
    """arr with arr[rows] = values (arrow has no scatter: the new values appended, one take)."""
    pos = np.arange(len(arr))
    pos[rows] = len(arr) + np.arange(len(rows))
    return pa.concat_arrays([arr, values.cast(arr.type)]).take(pa.array(pos))


def _at_least_reasons(ev, res, lang):
    """'6 项达标（要求至少 6 项）；未达标：R5=6.9（92%）；无法判定：R3', built column-wise."""
    d = res.detail
    node = res.rule.condition["*"].node
    ids = [i.id for i in node.args[1].items]
    k = ev.node_values(node.args[0], res.space)
    floor = ev.node_values(node.kwargs["rest_reach"], res.space) if "rest_reach" in node.kwargs else None
    n = len(res.outcome)
    met, req = msg(lang, "reason.at_least").split("{k}")
    sep = msg(lang, "sep.list")
    op, cp = msg(lang, "paren").split("{x}")
    out = _join(_fmt_pa(d["passes"]), met, _fmt_pa(k), req)
    empty = pa.array(np.full(n, ""), type=pa.large_string())
    fails, unknown = empty, empty
    fl = np.broadcast_to(np.asarray(floor, dtype="float64"), (n,)) if floor is not None else None
    for rid in ids:
        r = ev.results[rid]
        if r.value is None:  # a condition rule: no value to show, only whether it failed
            f = r.outcome == FAIL
            fails = np.where(f, np.where(fails == "", rid, fails + sep + rid), fails)
            u = r.outcome == NOT_EVALUABLE
            unknown = np.where(u, np.where(unknown == "", rid, unknown + sep + rid), unknown)
            continue
        rows = np.flatnonzero(r.outcome == FAIL)  # texts only for the rows that show them
        if len(rows):
            with np.errstate(invalid="ignore", divide="ignore"):
                pct = r.value[rows] / r.threshold[rows] * 100
            if fl is not None:
                low = pct < fl[rows] * 100 - 1e-9
                floor_text = _join(msg(lang, "reason.below"), _fmt_pa(fl[rows] * 100), "%")
                mark = pc.if_else(pa.array(low), floor_text, _lit(""))
            else:
                mark = _lit("")
            frag = _join(rid + "=", _fmt_pa(r.value[rows]), op, _fmt_pa(pct), "%", mark, cp)
            before = fails.take(pa.array(rows))
            fails = _scatter(fails, rows, pc.if_else(pc.equal(before, ""), frag, _join(before, sep, frag)))
        rows = np.flatnonzero(r.outcome == NOT_EVALUABLE)
        if len(rows):
            before = unknown.take(pa.array(rows))
            unknown = _scatter(unknown, rows, pc.if_else(pc.equal(before, ""), _lit(rid), _join(before, sep, rid)))
    clause = msg(lang, "sep.clause")
    out = pc.if_else(pc.not_equal(fails, ""), _join(out, clause, msg(lang, "reason.failed"), fails), out)
    out = pc.if_else(pc.not_equal(unknown, ""), _join(out, clause, msg(lang, "reason.unknown"), unknown), out)
    return out


def _missing(arr):
    return pd.isna(arr)


def _not_evaluable_reasons(ev: Evaluator, res: RuleResult, rows, invalid: dict, lang: str) -> list:
    """The reason of every not_evaluable row, row by row: the reference the column-wise
    ``unknown_reasons.not_evaluable_reasons`` is tested against."""
    rule = res.rule
    fields = sorted(ev.c.inputs.get(rule.id, set()))
    per_row: list[list[str]] = [[] for _ in rows]
    _rw_empty_groups(res, rows, per_row, lang)
    checked, n_missing = _rw_inputs(ev, res, rows, fields, invalid, per_row, lang)
    if rule.applies_when is not None:  # 2. applicability unknown
        a = ev.node_values(rule.applies_when.node, res.space)
        for j in np.flatnonzero(np.isnan(a[rows])):
            per_row[j].append(msg(lang, "applies_unknown", cond=rule.applies_when.text.strip()))
    _rw_dependencies(ev, res, rows, per_row, lang)
    _rw_finer_fields(ev, res, rows, fields, per_row, lang)
    # 5. facts the standard itself says it cannot know: unknown("why")
    # (not on a row whose every input is missing: the missing inputs are the whole reason there)
    whys = _unknown_texts(rule, getattr(ev.std, "derived", None))
    if whys:
        for k in range(len(rows)):
            if checked == 0 or n_missing[k] < checked:
                per_row[k].extend(whys)
    return _rw_join(ev, res, rows, fields, per_row, lang)


def _rw_empty_groups(res, rows, per_row, lang):
    """0. an aggregate over an empty set: a county without evaluable schools, or none it applies to."""
    for flags, key in ((res.empty_group, "no_units"), (res.empty_selection, "no_selected_units")):
        if flags is not None and flags.any():
            text = msg(lang, key)
            for j in np.flatnonzero(flags[rows]):
                per_row[j].append(text)


def _rw_inputs(ev, res, rows, fields, invalid, per_row, lang):
    """1. inputs of this row that are missing or invalid; (inputs checked, missing inputs of each row)."""
    space = res.space
    label = _labels(ev, lang)
    checked, n_missing = 0, np.zeros(len(rows), dtype=np.int64)
    for f in fields:
        sym = ev.t.get(f)
        if sym is None:
            continue
        if not usable(sym, space):
            continue
        miss = _missing(ev.field_array(f, space))[rows]
        checked += 1
        n_missing += miss
        for j in np.flatnonzero(miss):
            per_row[j].append(_field_problem(ev, sym, space, rows[j], invalid, lang, label(f)))
    return checked, n_missing


def _rw_dependencies(ev, res, rows, per_row, lang):
    """3. rules it depends on, at this level or coarser."""
    space = res.space
    for rid in sorted(ev.c.deps[res.rule.id].rules):
        r = ev.results[rid]
        if r.space in USABLE[space]:
            o = ev.broadcast(r.outcome, r.space, space)[rows]
            for j in np.flatnonzero(o == NOT_EVALUABLE):
                per_row[j].append(msg(lang, "dep_unknown", rules=rid))
        else:  # a finer level: list the units of the group that are not evaluable
            _units_not_evaluable(ev, r, space, rows, per_row, lang)


def _rw_finer_fields(ev, res, rows, fields, per_row, lang):
    """4. finer-level fields read through an aggregate (e.g. weight = students)."""
    space = res.space
    label = _labels(ev, lang)
    for f in fields:
        sym = ev.t.get(f)
        if sym is None or sym.level in USABLE[space]:
            continue
        arr = ev.field_array(f, sym.level if sym.level != "const" else space)
        _units_with(ev, _missing(arr), sym.level, space, rows, per_row, lang,
                    msg(lang, "reason.missing", name=label(f)))


def _rw_join(ev, res, rows, fields, per_row, lang):
    """Each row's parts without repeats, joined; a row without any: the out-of-force text or the inputs."""
    space = res.space
    out = []
    no_value = out_of_force_text(ev.std, res.rule, ev.as_of, lang)  # a parameter with no version on the date
    for k, i in enumerate(rows):
        parts = list(dict.fromkeys(per_row[k]))
        if not parts and no_value:
            parts = [no_value]
        if not parts:
            vals = msg(lang, "sep.list").join(f"{f}={fmt_num(_scalar(ev, f, space, i))}" for f in fields[:6]
                                              if (sym_f := ev.t.get(f)) and sym_f.level in USABLE[space])
            parts = [msg(lang, "invalid_result", inputs=vals or "—")]
        out.append(msg(lang, "sep.clause").join(parts))
    return out


def _scalar(ev, f, space, i):
    sym = ev.t.get(f)
    if sym is None or not usable(sym, space):
        return None
    try:
        v = ev.field_array(f, space)[i]
        return float(v) if v is not None else None
    except (TypeError, ValueError, IndexError):
        return None


def _field_problem(ev, sym, space, row, invalid, lang, shown):
    """'students_primary 缺失' or 'students_primary 无效：「abc」不是数字'."""
    sp = ev.sp
    fd = sym.obj
    cols = []
    if space == "stage" and sym.kind == "field" and fd.table == "school":
        school = sp.u_school[row]
        stage = sp.stages[sp.u_stage[row]]
        if fd.per_stage:
            cols = [(f"{fd.id}_{stage}", school)]
        elif fd.split:
            cols = [(f"{fd.id}_{stage}", school), (fd.id, school)]
            cols += [(f"students_{s}", school) for s in ev.std.school_types.get(sp.schools["school_type"].iloc[school],
                                                                                [])]
        else:
            cols = [(fd.id, school)]
    elif sym.kind == "field" and fd.table == "school":
        cols = [(fd.id, row if space == "school" else None)]
    for col, r in cols:
        if r is not None and r in invalid.get(col, {}):
            return msg(lang, "reason.invalid_field", col=col, why=invalid[col][r])
    name = column_text(ev, cols[0][0] if cols else sym.name, lang)
    if fd is not None and getattr(fd, "split", False) and space == "stage":
        return msg(lang, "reason.missing_split", name=name)
    return msg(lang, "reason.missing", name=name)


def _units_not_evaluable(ev, r: RuleResult, space, rows, per_row, lang):
    _units_with(ev, r.outcome == NOT_EVALUABLE, r.space, space, rows, per_row, lang,
                msg(lang, "reason.rule_unknown", rule=r.rule.id))


def _units_with(ev, mask, src, space, rows, per_row, lang, what):
    sp = ev.sp
    groups = unit_groups(ev, src, space, rows)
    if groups is None:
        return
    g, target = groups
    bad = np.flatnonzero(mask)
    if not len(bad):
        return
    sids = sp.schools["school_id"].to_numpy(dtype=object)
    names = sp.schools["school_name"].to_numpy(dtype=object) if "school_name" in sp.schools else sids
    school_of = sp.u_school if src == "stage" else (np.arange(len(sids)) if src == "school" else None)
    gb = g[bad]
    order = np.argsort(gb, kind="stable")  # units of each group together, in unit order
    sb, sg = bad[order], gb[order]
    target = np.asarray(target)
    lo, hi = np.searchsorted(sg, target, "left"), np.searchsorted(sg, target, "right")
    for j in np.flatnonzero(hi > lo):
        hits = sb[lo[j]:hi[j]]
        if school_of is not None:
            listed = [f"{names[school_of[h]] or sids[school_of[h]]}" for h in hits[:MAX_LISTED]]
        else:
            listed = [str(h) for h in hits[:MAX_LISTED]]
        more = msg(lang, "reason.more", n=len(hits)) if len(hits) > MAX_LISTED else ""
        per_row[j].append(msg(lang, "colon", x=what) + msg(lang, "sep.list").join(listed) + more)


def _unknown_texts(rule, derived: dict | None = None) -> list:
    """The texts of ``unknown("why")`` calls in a rule's expressions and in the derived values they use."""
    out, seen = [], set()
    stack = [e.node for _part, _stage, e in rule.exprs()]
    while stack:
        n = stack.pop()
        if isinstance(n, _ast.Call) and n.func == "unknown" and n.args and isinstance(n.args[0], _ast.String):
            out.append(n.args[0].value)
        if derived and isinstance(n, _ast.Name) and n.id in derived and n.id not in seen:
            seen.add(n.id)
            stack.extend(e.node for e in derived[n.id].expr.values())
        stack.extend(n.children())
    return out


def _with_threshold_version(ev, res, reasons, lang):
    """For a threshold chosen by ``if ... then P1 else P2``: say which parameter (version) was used and why."""
    if res.threshold_param is None or not exprs_have_if(res.rule.threshold):
        return reasons
    rows = np.flatnonzero(pd.notna(res.threshold_param) & ((res.outcome == PASS) | (res.outcome == FAIL)))
    if not len(rows):
        return reasons
    codes, pids = pd.factorize(np.asarray(res.threshold_param, dtype=object)[rows])
    cache = {}
    for pid in pids:
        if pid not in cache:
            p = ev.std.parameters.get(pid)
            v = p.in_force(ev.as_of) if p is not None else None
            name = (p.name_en or p.name) if (p is not None and lang == "en") else (p.name if p is not None else "")
            win = msg(lang, "reason.in_force", window=v.window) \
                if (v is not None and (v.window.start or v.window.end)) else ""
            cache[pid] = msg(lang, "sep.clause") + msg(lang, "threshold_from", param=pid) + \
                (msg(lang, "paren", x=f"{name}{win}") if name or win else "")
    suffix = np.full(len(res.outcome), "", dtype=object)
    suffix[rows] = np.asarray([cache[p] for p in pids], dtype=object)[codes]
    return _join(reasons, pa.array(suffix, type=pa.large_string()))


def _with_both_branches(ev, res, reasons, lang):
    """Rows decided although an ``if`` condition is unknown (both cases give the same verdict): say so and
    name the missing inputs behind the unknown condition."""
    rows = np.flatnonzero(res.decided_by_bounds) if res.decided_by_bounds is not None else []
    if not len(rows):
        return reasons
    missing = np.full(len(rows), "", dtype=object)
    for f in sorted(ev.c.inputs.get(res.rule.id, set())):
        sym = ev.t.get(f)
        if sym is None or sym.level not in USABLE[res.space] or \
                (sym.needs_stage and res.space not in ("stage", "county_stage")):
            continue
        miss = _missing(ev.field_array(f, res.space))[rows]
        missing = np.where(miss, np.where(missing == "", f"{f} 缺失" if lang == "zh" else f"{f} missing",
                                          missing + "、" + f), missing)
    texts = np.asarray(["；" + msg(lang, "both_branches", cond=m or "—") for m in missing], dtype=object)
    before = reasons.take(pa.array(rows))
    return _scatter(reasons, rows, _join(before, pa.array(texts, type=pa.large_string())))


def _cond_text(ev, expr, lang):
    """The text of an applies_when; a bare derived condition is shown by its name (e.g. the resource scope)."""
    node = expr.node
    if isinstance(node, _ast.Name) and node.id in ev.std.derived:
        d = ev.std.derived[node.id]
        name = (d.name_en or d.name) if lang == "en" else d.name
        if name:
            return f"{name}（{node.id}）" if lang == "zh" else f"{name} ({node.id})"
    return expr.text.strip()


def _with_relaxation(res, reasons, lang):
    """A pass that holds only because a dated relaxation is in force says so, with the window."""
    if res.relaxed is None:
        return reasons
    rows = np.flatnonzero(res.relaxed)
    code, sets = res.relaxed_keys
    code = code[rows]
    suffix = np.empty(len(rows), dtype=object)
    for k, key in enumerate(sets):  # a handful of distinct parameter sets
        by_window = {}
        for pid in key:
            by_window.setdefault(str(res.relaxed_by[pid]), []).append(pid)
        suffix[code == k] = "；" + "；".join(msg(lang, "relaxed", params="、".join(pids), window=w)
                                            for w, pids in by_window.items())
    before = reasons.take(pa.array(rows))
    return _scatter(reasons, rows, _join(before, pa.array(suffix, type=pa.large_string())))
