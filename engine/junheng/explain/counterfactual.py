"""Counterfactuals: the smallest change of ONE input that would flip a failing threshold verdict.

For each failing threshold rule and each input field it reads (``Compiled.inputs``), the rule's
value and threshold expressions are re-evaluated over the whole row space with that field's column
shifted by a per-row delta (a ``_Probe`` evaluator over the same spaces, sharing the base caches).
All failing rows of a rule are solved at once:

1. the slope from one probe evaluation gives a linear guess (exact for inputs that enter the value
   linearly, e.g. teachers or area in a numerator);
2. rows where the guess does not pass (a denominator such as ``students``) are doubled until they
   do, then bracketed with the Illinois (regula falsi) method, a fixed number of vectorised steps;
3. the delta is rounded away from zero to the input's quantum (1 for counts, 1 m² for areas,
   100 yuan for money, 0.01 otherwise) and *verified* by another evaluation; a row that still
   fails gets one more quantum (at most a few times), a row that cannot pass gets no answer.

Split (whole-school) stocks of combined schools are perturbed on the whole-school total: the stage
unit receives its weighted share of the change, and the text says so. Inputs that enter one
derived sum (pe + music + fine art + art teachers) and need the same change are reported once,
under the derived field's name. County coefficient-of-variation rules get the schools that
contribute most to the dispersion instead (``dispersion.cv_contributions``).

No Python loop runs over units: loops are over rules, fields and a bounded number of iterations.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np

from junheng.evaluation.finite import as_float as _clean
from junheng.language import nodes as ast
from junheng.standard.checker import USABLE
from junheng.evaluation.evaluator import Evaluator
from junheng.evaluation.units import Spaces
from junheng.explain.dispersion import cv_contributions, is_cv_rule
from junheng.i18n import t as tr
from junheng.formatting import fmt_num
from junheng.evaluation.logic import FAIL, NOT_EVALUABLE, PASS, compare, round_half_up

WEIGHTING_FIELDS = {"students"}  # the split of whole-school stocks is weighted by enrolment (units.py)
ITERATIONS = 40
EXPAND = 12
VERIFY_STEPS = 3
UNIT_EN = {"人": "", "平方米": "m²", "元": "yuan", "间": "rooms", "台": "computers", "册": "books", "个": ""}


class _ProbeCache(dict):
    """A probe's cache: its own entries first, then the base evaluator's, except the values of ``if``
    conditions (``Evaluator._cond``), which may read the shifted field (G3's room-size bands)."""

    def __init__(self, base: dict):
        super().__init__()
        self._base = base

    def get(self, key, default=None):
        if key in self:
            return self[key]
        if isinstance(key, tuple) and key and key[0] == "cond":
            return default
        return self._base.get(key, default)


class _Probe(Evaluator):
    """An evaluator over the same spaces whose column ``field`` (in ``space``) is shifted by ``delta``."""

    def __init__(self, base: Evaluator, field: str, space: str, delta: np.ndarray, carried: bool = False):
        self.__dict__.update(base.__dict__)
        self._base = base
        self._pf, self._ps, self._pd = field, space, delta
        self._carried = carried  # delta per county row, carried by one unit of that county (county sums)
        self._dcache: dict = {}
        self.cache = _ProbeCache(base.cache)

    def field_array(self, name, space):
        arr = Evaluator.field_array(self._base, name, space)
        if name != self._pf:
            return arr
        if self._carried and space != self._ps:
            first = carriers(self._base, space, self._ps)
            shift = np.zeros(len(arr))
            ok = first >= 0
            shift[first[ok]] = self._pd[ok]
            return arr + shift
        if space == self._ps:
            return arr + self._pd
        return arr

    def derived_array(self, name, space):
        d = self.std.derived[name]
        if self._pf in self.c.inputs.get(name, ()) and d.level == self._ps:
            hit = self._dcache.get(name)
            if hit is None:
                hit = self._dcache[name] = self.eval_stage_exprs(d.expr, d.level)
            return self.broadcast(hit, d.level, space)
        return Evaluator.derived_array(self._base, name, space)


def carriers(ev: Evaluator, src: str, dst: str) -> np.ndarray:
    """Per row of ``dst`` (county, county_stage): the first row of ``src`` in it, -1 where none.
    A change of a county sum is put on that one unit: the sum moves by exactly the change."""
    key = ("carriers", src, dst)
    hit = ev.cache.get(key)
    if hit is None:
        g = ev.group(src, dst)
        hit = np.full(ev.n(dst), -1, dtype=np.int64)
        order = np.arange(len(g))[::-1]
        hit[g[order]] = order  # the last write wins: the smallest index of each group
        ev.cache[key] = hit
    return hit


def only_in_sums(exprs: dict, name: str) -> bool:
    """Whether ``name`` occurs in the expressions, and only inside ``sum(...)`` (a county total)."""
    seen = inside = 0
    for e in (exprs or {}).values():
        seen += sum(1 for n in e.node.walk() if isinstance(n, ast.Name) and n.id == name)
        for call in e.node.walk():
            if isinstance(call, ast.Call) and call.func == "sum":
                inside += sum(1 for n in call.walk() if isinstance(n, ast.Name) and n.id == name)
    return seen > 0 and inside == seen


@dataclass
class FieldInfo:
    name: str
    label: str
    unit: str
    quantum: float
    whole_school: np.ndarray  # per row: the change is on the whole-school total (split stock)
    scale: np.ndarray  # d(column seen by the rule) / d(input)
    current: np.ndarray  # the input's current value (whole-school total where split)
    derived: str | None = None  # the derived sum it enters, if any
    action: str = ""  # the kind of change (fields.yaml ``action``)
    label_en: str = ""
    county_total: bool = False  # a school field summed over the county: the change is the county's total


def _quantum(fd) -> float:
    if fd.type == "count":
        return 1.0
    if fd.type == "money":
        return 100.0
    if fd.unit in ("平方米", "m2", "m²"):
        return 1.0
    if fd.type == "percent":
        return 0.1
    return 0.01


def _short_label(fd, stage_hint=None) -> str:
    label = fd.label or ""
    if not label and fd.labels:
        label = next(iter(fd.labels.values()))
    for suffix in ("（小学）", "（初中）", "（高中）"):
        label = label.replace(suffix, "")
    for prefix in ("小学", "初中"):
        if label.startswith(prefix) and label.endswith("学生人数"):
            label = "在校学生"
    if label.endswith("）") and "（" in label:
        label = label[: label.rindex("（")]
    for tail in ("人数", "间数", "台数", "册数", "师数"):
        if label.endswith(tail):
            label = label[: -len(tail)] + ("师" if tail == "师数" else "")
            break
    return label or fd.id


def _field_infos(ev: Evaluator, rule, space: str) -> list[FieldInfo]:
    """The inputs of ``rule`` a county can change (``action`` in the field catalogue), with how a change
    of each reaches the rule's rows. A field a county rule sums over its schools (G9's trained teachers)
    is changed on the county's total."""
    out = []
    derived_of: dict = {}
    for d in sorted(ev.c.deps[rule.id].derived):
        for f in ev.c.inputs.get(d, ()):
            derived_of.setdefault(f, d)
    for name in sorted(ev.c.inputs.get(rule.id, ())):
        sym = ev.t.get(name)
        if sym is None or sym.kind not in ("field", "column") or sym.vkind != "num":
            continue
        fd = sym.obj if sym.kind == "field" else sym.obj.field
        if not fd.action:
            continue  # enrolment, population, plan totals: not the county's to change
        if space in ("county", "county_stage") and sym.level in ("school", "stage"):
            info = _county_total_info(ev, rule, space, name, sym, fd)
            if info is not None:
                out.append(info)
            continue
        if sym.level not in USABLE[space] or (sym.needs_stage and space not in ("stage", "county_stage")):
            continue
        # only the unit's own inputs: a county figure is not the school's to change
        if space in ("stage", "school") and sym.level in ("county", "county_stage"):
            continue
        out.append(_unit_info(ev, space, name, sym, fd, derived_of.get(name)))
    return out


def _unit_info(ev: Evaluator, space: str, name: str, sym, fd, derived) -> FieldInfo:
    sp = ev.sp
    n = ev.n(space)
    whole = np.zeros(n, dtype=bool)
    scale = np.ones(n)
    current = ev.field_array(name, space)
    if sym.kind == "field" and fd.split and space == "stage":
        total = ev._frame_col("school", fd.id, "num")[sp.u_school]
        mat = ev._stage_matrix("school", fd, "num")
        given = mat[sp.u_school, sp.u_stage]
        whole = np.isnan(given) & (sp.u_share < 1)
        scale = np.where(whole, sp.u_share, 1.0)
        current = np.where(whole, total, given)
    return FieldInfo(name, _short_label(fd), fd.unit, _quantum(fd), whole, scale, current, derived, fd.action,
                     fd.label_en)


def _county_total_info(ev: Evaluator, rule, space: str, name: str, sym, fd) -> FieldInfo | None:
    """A school (or stage) field that a county rule reads only through ``sum(...)``: its county total."""
    if not only_in_sums(rule.value, name):
        return None
    if any(isinstance(nd, ast.Name) and nd.id == name for e in (rule.threshold or {}).values()
           for nd in e.node.walk()):
        return None
    src = sym.level
    try:
        g = ev.group(src, space)
    except ValueError:
        return None  # a school total cannot be told apart by stage
    n = ev.n(space)
    arr = np.asarray(ev.field_array(name, src), dtype=float)
    seen = np.bincount(g, weights=np.isfinite(arr).astype(float), minlength=n)
    total = np.where(seen > 0, np.bincount(g, weights=np.nan_to_num(arr), minlength=n), np.nan)
    return FieldInfo(name, _short_label(fd), fd.unit, _quantum(fd), np.zeros(n, dtype=bool), np.ones(n), total,
                     None, fd.action, fd.label_en, county_total=True)


def _passes(ev: Evaluator, rule, space: str, field: str, delta_col: np.ndarray, carried: bool = False):
    probe = _Probe(ev, field, space, delta_col, carried)
    raw = probe.eval_stage_exprs(rule.value, space)
    val = round_half_up(raw, rule.round) if rule.round is not None else raw
    thr = probe.eval_stage_exprs(rule.threshold, space)
    ok = compare(rule.operator, val, thr, ev.tol)
    with np.errstate(invalid="ignore"):
        gap = (val - thr) if rule.operator in (">=", ">") else (thr - val)
    return ok, gap


def solve_field(ev: Evaluator, rule, space: str, info: FieldInfo, rows: np.ndarray):
    """Smallest verified change of ``info`` (in input units) that makes each of ``rows`` pass, or NaN."""
    n = ev.n(space)
    k = len(rows)
    result = np.full(k, np.nan)
    if not k:
        return result

    def evaluate(d_rows):
        col = np.zeros(n)
        col[rows] = np.nan_to_num(d_rows) * info.scale[rows]
        ok, gap = _passes(ev, rule, space, info.name, col, info.county_total)
        return ok[rows], gap[rows]

    _, g0 = evaluate(np.zeros(k))
    h = np.maximum(info.quantum, np.abs(np.nan_to_num(info.current[rows])) * 1e-3)
    _, gh = evaluate(h)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = (gh - g0) / h
        guess = -g0 / slope
    live = np.isfinite(guess) & (slope != 0) & np.isfinite(g0)
    # a step (rooms of a size band, a count that must reach a number): no slope at one quantum, so
    # start an increase from one quantum and let the doubling below find the step
    flat = np.isfinite(g0) & ~live
    guess = np.where(live, guess, np.where(flat, info.quantum, 0.0))
    live |= flat
    direction = np.sign(guess)
    # 1. linear guess, expanded until it passes (bounded)
    hi = guess.copy()
    ok_hi, g_hi = evaluate(hi)
    for _ in range(EXPAND):
        need = live & ~(ok_hi == 1)
        if not need.any():
            break
        hi = np.where(need, hi * 2, hi)
        ok_hi, g_hi = evaluate(hi)
    live &= ok_hi == 1
    # 2. refine on [0 (fails), hi (passes)] where the guess overshoots (non-linear inputs)
    lo, g_lo = np.zeros(k), g0.copy()
    slack = np.abs(g_hi) > 1e-9 * np.maximum(1.0, np.abs(g0))
    refine = live & slack
    if refine.any():
        side = np.zeros(k)
        for _ in range(ITERATIONS):
            with np.errstate(divide="ignore", invalid="ignore"):
                mid = np.where(refine, (lo * g_hi - hi * g_lo) / (g_hi - g_lo), hi)
            bad = ~np.isfinite(mid) | (np.abs(mid - lo) <= 0) | (np.abs(hi - mid) <= 0)
            mid = np.where(bad, (lo + hi) / 2, mid)
            ok_m, g_m = evaluate(mid)
            good = refine & (ok_m == 1)
            fail = refine & ~(ok_m == 1)
            hi = np.where(good, mid, hi)
            g_hi = np.where(good, g_m, g_hi)
            lo = np.where(fail, mid, lo)
            g_lo = np.where(fail, g_m, g_lo)
            # Illinois: halve the stale end's gap so the bracket keeps shrinking from both sides
            g_lo = np.where(good & (side == 1), g_lo / 2, g_lo)
            g_hi = np.where(fail & (side == -1), g_hi / 2, g_hi)
            side = np.where(good, 1, np.where(fail, -1, side))
            if (np.abs(hi - lo) <= info.quantum * 1e-3).all():
                break
    # 3. round away from zero to the quantum, verify, step up if needed
    q = info.quantum
    steps = np.where(live, np.ceil(np.round(np.abs(hi) / q, 6)), np.nan)
    for _ in range(VERIFY_STEPS + 1):
        d = direction * steps * q
        ok, _ = evaluate(np.where(live, d, 0.0))
        done = live & (ok == 1) & np.isnan(result)
        result = np.where(done, d, result)
        pending = live & np.isnan(result)
        if not pending.any():
            break
        steps = np.where(pending, steps + 1, steps)
    # the bracket stops within a thousandth of a quantum: one quantum less may still pass
    for _ in range(2):
        smaller = result - direction * q
        cand = np.isfinite(result) & (np.abs(smaller) > 0) & (np.sign(smaller) == direction)
        if not cand.any():
            break
        ok, _ = evaluate(np.where(cand, smaller, 0.0))
        take = cand & (ok == 1)
        if not take.any():
            break
        result = np.where(take, smaller, result)
    # the input cannot go below zero (nor a denominator to zero)
    after = np.nan_to_num(info.current[rows]) + np.nan_to_num(result)
    result = np.where(after < 0, np.nan, result)
    result = np.where((after == 0) & (result < 0), np.nan, result)
    return result


def fmt_amount(delta: float, unit: str, lang: str = "zh") -> str:
    a = abs(delta)
    if unit == "元" and a >= 10000:
        w = math.floor(a / 100 + 1e-9) / 100
        # 万元 (10,000 yuan) in Chinese, as officials write large sums; whole yuan in English
        return tr(lang, "cf.wan_yuan", amount=fmt_num(w if lang == "zh" else w * 10000))
    u = unit if lang == "zh" else UNIT_EN.get(unit, unit)
    return f"{fmt_num(a)} {u}".rstrip()


def phrase(label: str, delta: float, unit: str, lang: str, whole_school: bool, alternatives=None) -> str:
    text = tr(lang, "cf.up" if delta > 0 else "cf.down", label=label, amount=fmt_amount(delta, unit, lang))
    if alternatives:
        text += tr(lang, "cf.alternatives", alternatives=alternatives)
    if whole_school:
        text += tr(lang, "cf.whole_school")
    return text


def _failing_rows(res, only_rows=None) -> np.ndarray:
    """The rows where the rule fails, limited to ``only_rows`` when given (one school's explain)."""
    rows = np.flatnonzero(res.outcome == FAIL)
    if only_rows is not None:
        rows = np.intersect1d(rows, np.asarray(only_rows, dtype=np.int64))
    return rows


def rule_counterfactuals(ev: Evaluator, rule, lang: str = "zh", only_rows=None) -> dict:
    """row index (in the rule's space) -> list of options, each a dict (smallest first per kind).
    ``only_rows`` limits the work to those rows (explain of one school after a national run)."""
    res = ev.results[rule.id]
    if rule.kind != "threshold" or rule.operator not in (">=", ">", "<=", "<") or res.value is None:
        return {}
    space = res.space
    rows = _failing_rows(res, only_rows)
    if not len(rows):
        return {}
    if space in ("county_stage", "county") and any(
            e.text and "weighted_cv" in e.text for e in (rule.value or {}).values()):
        return {}  # dispersion: see cv_contributions
    return _options(ev, rule, space, rows, lang)


def _options(ev: Evaluator, rule, space: str, rows: np.ndarray, lang: str) -> dict:
    """row -> the options that make it pass, for failing ``rows`` of a threshold rule."""
    infos = _field_infos(ev, rule, space)
    if not infos:
        return {}
    solved = [(info, solve_field(ev, rule, space, info, rows)) for info in infos]
    std = ev.std
    out: dict = {}
    for j, row in enumerate(rows):
        opts = []
        # group inputs of one derived sum that need the same change
        groups: dict = {}
        split_here = any(bool(i.whole_school[row]) for i, _ in solved)
        for info, deltas in solved:
            d = deltas[j]
            if not d > 0:
                continue  # no answer, or fewer resources: never a way to meet a standard
            if split_here and info.name in WEIGHTING_FIELDS:
                continue  # enrolment also moves the split shares: one input no longer changes alone
            key = (info.derived, d, bool(info.whole_school[row])) if info.derived else (info.name,)
            groups.setdefault(key, []).append((info, d))
        for members in groups.values():
            info, d = members[0]
            whole = bool(info.whole_school[row])
            names = [m[0].name for m in members]
            alternatives = None
            label = info.label
            if info.derived and len(members) > 1:
                dd = std.derived[info.derived]
                # inputs of the same sum that could also be changed here but need a different amount
                others = [i.name for i, ds in solved if i.derived == info.derived and i.name not in names
                          and not np.isnan(ds[j])]
                dname = (dd.name_en if lang == "en" and dd.name_en else dd.name) or info.derived
                label = dname[:-1] if lang == "zh" and dname.endswith("数") else dname
                if others:
                    alternatives = tr(lang, "sep.list").join(
                        m[0].label if lang == "zh" else m[0].name.replace("_", " ") for m in members)
            elif lang == "en":
                label = info.label_en or info.name.replace("_", " ")
            text = phrase(label, float(d), info.unit, lang, whole, alternatives)
            if info.county_total:
                text += tr(lang, "cf.county_total")
            opts.append({"fields": names, "delta": float(d), "unit": info.unit, "whole_school": whole,
                         "action": info.action, "county_total": info.county_total,
                         "from": _clean(info.current[row]), "to": _clean(info.current[row] + d), "text": text})
        # the smallest relative change first
        opts.sort(key=lambda o: 0 if o["from"] in (None, 0) else abs(o["delta"]) / abs(o["from"]))
        if opts:
            out[int(row)] = opts
    return out




def at_least_node(rule):
    """The ``at_least(k, [rules], rest_reach = f)`` call of a condition rule, or None."""
    if rule.kind != "condition" or not rule.condition:
        return None
    nodes = [e.node for e in rule.condition.values()]
    if len(nodes) == 1 and isinstance(nodes[0], ast.Call) and nodes[0].func == "at_least":
        return nodes[0]
    return None


def _floor_rule(rule, floor):
    """``rule`` with its threshold times ``floor`` (the ``rest_reach`` expression: the 85 % a not-passing
    item must still reach), as the engine's ``at_least`` compares it."""
    thr = {k: SimpleNamespace(node=ast.BinOp(op="*", left=floor, right=e.node), text=e.text)
           for k, e in rule.threshold.items()}
    return SimpleNamespace(id=rule.id, kind=rule.kind, operator=rule.operator, round=rule.round, value=rule.value,
                           threshold=thr)


def at_least_counterfactuals(ev: Evaluator, rule, lang: str, item_cfs: dict, only_rows=None) -> dict:
    """For a failing ``at_least(k, items, rest_reach = f)`` row: the smallest set of items to fix.

    Items below f × threshold must all be raised (to the floor); if fewer than k items pass, the
    missing ones are taken among the failing items, those already below the floor first (they need
    work anyway), then the closest to their threshold. ``item_cfs``: rule id -> {row -> options}."""
    node = at_least_node(rule)
    res = ev.results[rule.id]
    if node is None:
        return {}
    space = res.space
    rows = _failing_rows(res, only_rows)
    if not len(rows):
        return {}
    ids = [i.id for i in node.args[1].items]
    k = ev.node_values(node.args[0], space)[rows]
    floor = ev.node_values(node.kwargs["rest_reach"], space)[rows] if "rest_reach" in node.kwargs else None
    out_m = np.stack([ev.results[i].outcome[rows] for i in ids], axis=1)
    ratio = np.stack([_closeness(ev.std.rules[i], ev.results[i], rows) for i in ids], axis=1)
    fail = out_m == FAIL
    below = np.zeros_like(fail)
    if floor is not None:  # as the engine decides it (Evaluator.at_least_parts)
        with np.errstate(invalid="ignore"):
            below = fail & np.stack([compare(">=", ev.results[i].value[rows], floor * ev.results[i].threshold[rows],
                                             ev.tol) == 0 for i in ids], axis=1)
    need = np.maximum(k - (out_m == PASS).sum(axis=1), 0).astype(int)
    key = np.where(fail, np.where(below, 0.0, 1.0) + (1 - np.clip(np.nan_to_num(ratio), 0, 1)) / 2, np.inf)
    rank = np.argsort(np.argsort(key, axis=1, kind="stable"), axis=1)
    to_pass = fail & (rank < need[:, None])
    to_floor = below & ~to_pass
    # more items missing than failing: the undecided ones must be decided (their data completed) too
    to_check = (out_m == NOT_EVALUABLE) & (need > fail.sum(axis=1))[:, None]
    floors = {}
    for j, rid in enumerate(ids):  # the amount to reach the floor, for the items that need only that
        if to_floor[:, j].any():
            fr = _floor_rule(ev.std.rules[rid], node.kwargs["rest_reach"])
            floors[rid] = _options(ev, fr, ev.results[rid].space, rows[to_floor[:, j]], lang)
    out = {}
    sep = tr(lang, "sep.list")
    for i, row in enumerate(rows):
        fix = [ids[j] for j in np.flatnonzero(to_pass[i])]
        lift = [ids[j] for j in np.flatnonzero(to_floor[i])]
        parts = [tr(lang, "cf.item", rule=rid, text=_first_text(item_cfs.get(rid, {}).get(int(row)), lang))
                 for rid in fix]
        parts += [tr(lang, "cf.item_floor", rule=rid, floor=fmt_num(float(floor[i]) * 100),
                     text=_first_text(floors.get(rid, {}).get(int(row)), lang)) for rid in lift]
        check = [ids[j] for j in np.flatnonzero(to_check[i])]
        parts += [tr(lang, "cf.item_unknown", rule=rid) for rid in check]
        text = tr(lang, "cf.at_least", items=sep.join(fix + lift + check), n=len(fix) + len(lift) + len(check)) + \
            tr(lang, "sep.clause").join(parts)
        out[int(row)] = [{"fields": [], "items": fix, "items_to_floor": lift, "items_to_decide": check,
                          "delta": None, "unit": "",
                          "whole_school": False, "action": "", "county_total": False, "from": None, "to": None,
                          "text": text}]
    return out


def _closeness(rule, res, rows) -> np.ndarray:
    """How close each row's value is to its threshold (1 = on it), whichever way the rule compares."""
    v, thr = res.value[rows], res.threshold[rows]
    with np.errstate(invalid="ignore", divide="ignore"):
        return v / thr if rule.operator in (">=", ">") else thr / v


def _first_text(opts, lang: str) -> str:
    return opts[0]["text"] if opts else tr(lang, "cf.no_single_change")


LOCAL_MIN_UNITS = 20000  # from this many stage units on, one row is solved on its county alone


def row_counterfactuals(ev: Evaluator, rule, row: int, lang: str = "zh", local_min_units: int = LOCAL_MIN_UNITS):
    """The options of one row (None when there are none): explain of one school.

    Every value of a unit depends only on its own county (aggregates never cross counties), so for a
    large run the row is solved on an evaluator over its county's units alone (built once per county,
    from the run's own spaces: same shares, same order, same numbers) instead of probing every unit
    of the country: the same options, in a few milliseconds instead of half a second."""
    row = int(row)
    if ev.results[rule.id].outcome[row] != FAIL:  # options are for failing rows only: no county evaluator
        return None
    if ev.n("stage") >= local_min_units:
        ev, row = _county_evaluator(ev, ev.results[rule.id].space, row)
    node = at_least_node(rule)
    if node is not None:
        items = {i.id: rule_counterfactuals(ev, ev.std.rules[i.id], lang, only_rows=[row])
                 for i in node.args[1].items}
        return at_least_counterfactuals(ev, rule, lang, items, only_rows=[row]).get(row)
    return rule_counterfactuals(ev, rule, lang, only_rows=[row]).get(row)


def _county_evaluator(ev: Evaluator, space: str, row: int):
    """(evaluator over the county of ``row`` alone, the row's index there)."""
    sp = ev.sp
    c = int({"stage": sp.u_county, "school": sp.s_county, "county_stage": sp.cs_county}[space][row]
            if space != "county" else row)
    cache = ev.cache.setdefault("county_evaluators", {})
    if c not in cache:
        rows = np.flatnonzero(sp.s_county == c)
        units = np.flatnonzero(sp.u_county == c)
        cs = np.flatnonzero(sp.cs_county == c)
        sub = Spaces(sp.stages, sp.schools.take(rows).reset_index(drop=True),
                     sp.counties.take([c]).reset_index(drop=True),
                     np.searchsorted(rows, sp.u_school[units]).astype(np.int64), sp.u_stage[units],
                     np.zeros(len(units), dtype=np.int64), np.searchsorted(cs, sp.u_cs[units]).astype(np.int64),
                     sp.u_share[units], np.zeros(len(rows), dtype=np.int64), np.zeros(len(cs), dtype=np.int64),
                     sp.cs_stage[cs])
        sub.sizes = {"stage": len(units), "school": len(rows), "county_stage": len(cs), "county": 1}
        if len(cache) >= 16:
            cache.pop(next(iter(cache)))
        cache[c] = (Evaluator(ev.c, sub, ev.as_of).run(mark_relaxed=False),  # verification only: no relaxation marks
                    {"stage": units, "school": rows, "county_stage": cs})
    sub_ev, index = cache[c]
    sub_row = 0 if space == "county" else int(np.searchsorted(index[space], row))
    return sub_ev, sub_row


def all_counterfactuals(run, lang: str | None = None, progress=None) -> dict:
    """rule id -> {row -> [options]} for every failing threshold rule; cached on the run."""
    lang = lang or run.lang
    cache = run.cache.setdefault("counterfactuals", {})
    if lang in cache:
        return cache[lang]
    out = {}
    rules = [r for r in run.compiled.rules if r.kind == "threshold"]
    for rule in rules:
        cf = rule_counterfactuals(run.evaluator, rule, lang)
        if cf:
            out[rule.id] = cf
        if progress:
            progress(rule.id)
    for rule in run.compiled.rules:  # k-of-n rules: which items to fix, with the amounts found above
        if at_least_node(rule) is not None:
            cf = at_least_counterfactuals(run.evaluator, rule, lang, out)
            if cf:
                out[rule.id] = cf
    cache[lang] = out
    return out


def verdict_counterfactuals(run, lang: str | None = None) -> list:
    """For each verdict row (same order as run.verdicts): the options or None."""
    cfs = all_counterfactuals(run, lang)
    out = []
    for rule in run.compiled.rules:
        res = run.evaluator.results[rule.id]
        keep = np.flatnonzero(res.outcome != -1)
        cf = cfs.get(rule.id, {})
        out.extend(cf.get(int(i)) for i in keep)
    return out


def verdict_extras(run, lang: str | None = None, top: int = 5) -> list:
    """Per verdict row (run.verdicts order): {} or {"counterfactual": [...]} / {"dispersion": [...]}.

    Only failing rows get anything, so the JSON of a big run stays small."""
    lang = lang or run.lang
    cfs = all_counterfactuals(run, lang)
    out = []
    for rule in run.compiled.rules:
        res = run.evaluator.results[rule.id]
        keep = np.flatnonzero(res.outcome != -1)
        cf = cfs.get(rule.id, {})
        cv = is_cv_rule(rule) and res.space in ("county_stage", "county")
        for i in keep:
            extra = {}
            opts = cf.get(int(i))
            if opts:
                extra["counterfactual"] = opts
            if cv and res.outcome[i] == FAIL:
                extra["dispersion"] = cv_contributions(run, rule, int(i), lang, top)
            out.append(extra)
    return out
