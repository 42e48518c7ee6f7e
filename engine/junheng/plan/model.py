"""What the plan must achieve, read from the standard and the evaluated records, and what each action
does to every stage unit, measured with the engine itself.

* The school rule is the stage rule whose condition is ``at_least(k, [R1, …], rest_reach = f)``: k and
  the floor f are evaluated by the engine per unit (a province's variant plans with its own numbers).
* The CV rules are the county per-stage rules ``weighted_cv(value(Rj), weight = w) <= limit``; the limit
  is evaluated per county × stage and widened to what the rule's declared rounding still passes
  (``round: 3``: a CV below limit + 0.0005 rounds to the limit).
* Effects: one evaluation per action with one unit of the action added to every school's record
  (whole-school stocks of combined schools are split by the engine's own shares, evaluation/units.py);
  the change of each indicator value per stage unit is the action's coefficient. The indicators are
  linear in the stocks at fixed enrolment, so one evaluation per action is exact; the final verification
  re-evaluates the plan anyway.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from junheng.evaluation.evaluator import Evaluator
from junheng.language import nodes as ast
from junheng.plan.costs import CostFile


class PlanModelError(Exception):
    """The standard has no rule shape the planner understands."""


@dataclass
class CvRule:
    id: str
    indicator: int  # index into Structure.ids
    weight: np.ndarray  # per stage unit
    limit: np.ndarray  # per county_stage, as written in the standard
    effective: np.ndarray  # per county_stage: the largest CV that still passes after the rule's rounding
    before: np.ndarray  # per county_stage: the CV now (raw)


@dataclass
class Structure:
    school_rule: str
    ids: list  # indicator rule ids (R1..R7)
    k: np.ndarray  # per unit
    floor: np.ndarray  # per unit
    values: np.ndarray  # (J, U) raw indicator values
    thresholds: np.ndarray  # (J, U)
    cvs: list  # CvRule
    coef: np.ndarray  # (A, J, U): change of indicator j at unit u for one unit of action a at u's school
    plannable: np.ndarray  # per unit: every number the model needs is known


def _at_least_rule(std):
    for r in std.rules.values():
        if r.kind != "condition" or r.space != "stage" or r.condition is None or "*" not in r.condition:
            continue
        node = r.condition["*"].node
        if isinstance(node, ast.Call) and node.func == "at_least":
            return r, node
    raise PlanModelError("标准中没有 at_least(...) 形式的校级资源配置规则 / the standard has no stage rule "
                         "at_least(k, [rules], rest_reach = f)")


def _cv_rules(std, ids):
    out = []
    for r in std.rules.values():
        if r.kind != "threshold" or r.space != "county_stage" or r.operator not in ("<=", "<"):
            continue
        if "*" not in r.value:
            continue
        node = r.value["*"].node
        if not (isinstance(node, ast.Call) and node.func == "weighted_cv" and node.args):
            continue
        arg = node.args[0]
        if isinstance(arg, ast.Call) and arg.func == "value" and arg.args and isinstance(arg.args[0], ast.Name) \
                and arg.args[0].id in ids and "weight" in node.kwargs and "where" not in node.kwargs:
            out.append((r, ids.index(arg.args[0].id), node.kwargs["weight"]))
    return out


def _raw(res):
    return np.asarray(res.raw_value if res.raw_value is not None else res.value, dtype=float)


def effective_limit(limit: np.ndarray, digits) -> np.ndarray:
    """The largest CV that passes ``round(cv, digits) <= limit`` (a hair below the half-up point)."""
    if digits is None:
        return limit.astype(float)
    return limit + 0.5 * 10.0 ** (-digits) - 1e-9


def indicator_values(ev: Evaluator, ids) -> np.ndarray:
    return np.stack([_raw(ev.results[i]) for i in ids]) if ids else np.zeros((0, ev.n("stage")))


def add_to_frame(frame: pd.DataFrame, school_rows: np.ndarray, field: str, amount: np.ndarray) -> pd.DataFrame:
    """A copy-on-write change of one column: ``amount`` added at ``school_rows`` (a missing cell stays missing)."""
    if field not in frame.columns:
        return frame
    col = pd.to_numeric(frame[field], errors="coerce").to_numpy(dtype="float64", na_value=np.nan).copy()
    np.add.at(col, school_rows, amount)
    frame[field] = col
    return frame


def build_structure(run, costs: CostFile, on_action=None) -> Structure:
    """``on_action(a, evaluator)``: called with each action's evaluation (one unit at every school), so
    that other parts of the model (government.py) measure their effects on the same evaluations."""
    std, ev, sp = run.standard, run.evaluator, run.spaces
    rule, node = _at_least_rule(std)
    ids = [i.id for i in node.args[1].items]
    for rid in ids:
        r = std.rules[rid]
        if r.kind != "threshold" or r.operator not in (">=", ">") or r.space != "stage":
            raise PlanModelError(f"{rid}: 规划只支持“值 >= 阈值”的学段指标 / only stage rules `value >= threshold` "
                                 "can be planned")
    k = np.asarray(ev.node_values(node.args[0], "stage"), dtype=float) * np.ones(ev.n("stage"))
    floor = (np.asarray(ev.node_values(node.kwargs["rest_reach"], "stage"), dtype=float) * np.ones(ev.n("stage"))
             if "rest_reach" in node.kwargs else np.zeros(ev.n("stage")))
    values = indicator_values(ev, ids)
    thr = np.stack([np.asarray(ev.results[i].threshold, dtype=float) for i in ids])
    cvs = []
    for r, j, wnode in _cv_rules(std, ids):
        res = ev.results[r.id]
        w = np.asarray(ev.node_values(wnode, "stage"), dtype=float) * np.ones(ev.n("stage"))
        lim = np.asarray(res.threshold, dtype=float)
        cvs.append(CvRule(r.id, j, w, lim, effective_limit(lim, r.round), _raw(res)))
    # one evaluation per action: one unit added to every school
    n_u = ev.n("stage")
    coef = np.zeros((len(costs.actions), len(ids), n_u))
    rows = np.arange(len(sp.schools))
    for a, act in enumerate(costs.actions):
        frame = sp.schools.copy(deep=False)
        for f, amt in act.adds.items():
            frame = add_to_frame(frame, rows, f, np.full(len(rows), amt))
        ev2 = Evaluator(run.compiled, dataclasses.replace(sp, schools=frame), run.as_of).run()
        if on_action is not None:
            on_action(a, ev2)
        d = indicator_values(ev2, ids) - values
        coef[a] = np.where(np.isfinite(d), d, 0.0)
        coef[a][np.abs(coef[a]) < 1e-12 * np.maximum(1.0, np.abs(values))] = 0.0
    plannable = np.isfinite(values).all(axis=0) & np.isfinite(thr).all(axis=0) & np.isfinite(k) & np.isfinite(floor)
    return Structure(rule.id, ids, k, floor, values, thr, cvs, coef, plannable)


def _column(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def cap_room(sf: pd.DataFrame, cap: dict) -> np.ndarray:
    """Per school: the sum of the cap's columns (a blank one counts 0, all blank: unknown) minus its
    ``minus`` column (blank counts 0)."""
    cols = np.stack([_column(sf, f) for f in cap["field"]])
    top = np.where(np.isfinite(cols).any(axis=0), np.nansum(np.where(np.isfinite(cols), cols, 0.0), axis=0), np.nan)
    if cap.get("minus"):
        top = top - np.nan_to_num(_column(sf, cap["minus"]))
    return top


def upper_bounds(run, costs: CostFile) -> np.ndarray:
    """(A, S): the most units of each action a school may take (max_per_school, cap, per-school limits)."""
    sf = run.spaces.schools
    n_s = len(sf)
    ub = np.full((len(costs.actions), n_s), math.inf)
    ids = sf["school_id"].astype(str).to_numpy() if "school_id" in sf else np.full(n_s, "")
    index = pd.Index(ids)
    for a, act in enumerate(costs.actions):
        ub[a] = act.max_per_school
        if act.cap and not act.cap.get("with_plan"):  # with_plan: a row of the model (government.cap_rows)
            top = cap_room(sf, act.cap)
            ub[a] = np.minimum(ub[a], np.where(np.isfinite(top), np.maximum(top, 0.0), 0.0))
    if costs.limits:  # per-school limits, applied as arrays
        keys = list(costs.limits)
        a_of = {act.id: i for i, act in enumerate(costs.actions)}
        a_idx = np.array([a_of[aid] for _, aid in keys], dtype=np.int64)
        pos = index.get_indexer([sid for sid, _ in keys])
        mx = np.array(list(costs.limits.values()), dtype=float)
        ok = pos >= 0
        np.minimum.at(ub, (a_idx[ok], pos[ok]), mx[ok])
    return ub
