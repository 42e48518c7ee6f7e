"""`junheng plan`: build the county problems, solve them, apply the plan to the records and evaluate
again with the engine. A plan is reported only with the verdicts of that second evaluation."""
from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from junheng.evaluation.logic import FAIL, NOT_EVALUABLE, PASS
from junheng.evaluation.run import Run, evaluate_records
from junheng.plan.costs import CostFile
from junheng.plan.government import OUTCOME, Collector, Government, county_rows
from junheng.plan.government import summary as government_summary
from junheng.plan.model import Structure, add_to_frame, build_structure, upper_bounds
from junheng.plan.solver import CountyProblem, CountyResult, solve_county
from junheng.records.problems import ProblemTable



@dataclass
class Plan:
    run: Run
    costs: CostFile
    structure: Structure
    items: pd.DataFrame
    total_cost: float
    lower_bound: float
    gap: float | None
    counties: list  # per county: id, status, cost, lower bound, rounds, cuts, seconds
    infeasible: list  # per blocked county: what blocks and the smallest relaxation
    excluded: list  # stage units the model could not include (missing data)
    government: Government = field(default_factory=Government)  # G3/G9/G12-like rules planned
    after: Run | None = None
    enrolment: dict | None = None  # projected enrolment of the target year (plan/enrolment.py), when given
    verified: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)


def _county_problem(st: Structure, run: Run, costs: CostFile, ub: np.ndarray, c: int, gov: Government,
                    capped_too=False):
    """The county's problem; ``capped_too``: also the actions a limit forbids (for the relaxation)."""
    sp = run.spaces
    in_c = sp.u_county == c
    units = np.flatnonzero(in_c & st.plannable)
    u_school = sp.u_school[units]
    n_s = len(sp.schools)
    gov_touch = gov.touch(len(costs.actions), n_s) & (sp.s_county == c)[None, :]
    xa_parts: list = []
    xs_parts: list = []
    for a in range(len(costs.actions)):
        eff = (st.coef[a][:, units] != 0).any(axis=0)
        touched = (np.bincount(u_school[eff], minlength=n_s) > 0) | gov_touch[a]
        ok = np.flatnonzero(touched & ((ub[a] > 0) | capped_too))
        xa_parts.append(np.full(len(ok), a))
        xs_parts.append(ok)
    xa = np.concatenate(xa_parts).astype(np.int64) if xa_parts else np.zeros(0, np.int64)
    xs = np.concatenate(xs_parts).astype(np.int64) if xs_parts else np.zeros(0, np.int64)
    cost = np.array([a.cost for a in costs.actions])[xa]
    integer = np.array([a.integer for a in costs.actions], dtype=bool)[xa]
    cones, skipped = [], []
    for g in np.unique(sp.u_cs[in_c]):
        members = np.flatnonzero(sp.u_cs == g)
        for ci, cv in enumerate(st.cvs):
            w = cv.weight[members]
            if not st.plannable[members].all() or not np.isfinite(w).all() or w.sum() <= 0 \
                    or not math.isfinite(cv.effective[g]):
                skipped.append((cv.id, int(g)))
                continue
            cones.append((ci, members, w / w.sum(), float(cv.effective[g])))
    xpos = np.full((len(costs.actions), n_s), -1, dtype=np.int64)
    xpos[xa, xs] = np.arange(len(xa))
    prob = CountyProblem(units, u_school, xa, xs, ub[xa, xs], cost, integer, cones,
                         county_rows(gov, c, sp.s_county, xpos))
    return prob, skipped


def _diagnose(st, run, costs, ub, c, gov, time_limit) -> dict:
    """Why a county has no plan: indicators no action in the cost file can raise (whatever the caps), or
    the caps and limits; then the smallest relaxation of the caps (least total units above the caps)."""
    sp = run.spaces
    prob, _ = _county_problem(st, run, costs, ub, c, gov, capped_too=True)
    out: dict = {"blocked_indicators": [], "relaxation": []}
    # an indicator below its floor that no available action raises at that unit
    t, f, v0 = st.thresholds[:, prob.units], st.floor[prob.units], st.values[:, prob.units]
    raise_ok = np.zeros_like(v0, dtype=bool)
    for a in np.unique(prob.xa):
        s_has = np.zeros(len(sp.schools), dtype=bool)
        s_has[prob.xs[prob.xa == a]] = True
        raise_ok |= (st.coef[a][:, prob.units] > 0) & s_has[prob.u_school][None, :]
    short_floor = (v0 < f * t * (1 - 1e-9)) & ~raise_ok
    short_thr = (v0 < t * (1 - 1e-9)) & ~raise_ok
    J = len(st.ids)
    hopeless = short_floor.any(axis=0) | (J - short_thr.sum(axis=0) < st.k[prob.units])
    for j, u in zip(*np.nonzero(short_thr & hopeless[None, :])):
        out["blocked_indicators"].append({"unit": int(prob.units[u]), "rule": st.ids[j]})
    if hopeless.any():
        return out
    el = solve_county(st, prob, time_limit=min(time_limit, 30.0), mip_gap=1e-4, elastic=True)
    if el.status in ("optimal", "feasible"):
        for i, cap, need in el.relaxation:
            out["relaxation"].append({"action": int(prob.xa[i]), "school": int(prob.xs[i]), "cap": cap,
                                      "needed": need})
    else:
        out["relaxation_status"] = el.status  # the relaxation search itself ran out of time
    return out


ITEM_COLUMNS = ["school_id", "school_name", "stage", "action", "action_name", "units", "unit", "field", "add",
                "cost", "school_pos"]


def _items(prob: CountyProblem, x: np.ndarray) -> tuple:
    """A county's plan as arrays: the action and school of every x > 0, and its units."""
    take = np.flatnonzero(x > 0)
    return prob.xa[take], prob.xs[take], x[take]


def _item_frame(run: Run, costs: CostFile, parts: list) -> pd.DataFrame:
    """One item per school and field an action changes, built once for every county (arrays indexed by
    a table of the (action, field) pairs; no loop over schools)."""
    if not parts:
        return pd.DataFrame(columns=ITEM_COLUMNS)
    a = np.concatenate([p[0] for p in parts]).astype(np.int64)
    s = np.concatenate([p[1] for p in parts]).astype(np.int64)
    units = np.concatenate([p[2] for p in parts]).astype(float)
    # the (action, field) pairs: one row per field of each action, the cost on its first field
    pa, pf, amt, first = [], [], [], []
    for k, act in enumerate(costs.actions):
        for n, (fid, v) in enumerate(act.adds.items()):
            pa.append(k)
            pf.append(fid)
            amt.append(v)
            first.append(n == 0)
    pa_arr = np.asarray(pa, dtype=np.int64)
    starts = np.searchsorted(pa_arr, a)  # pairs are grouped by action, in action order
    counts = np.bincount(pa_arr, minlength=len(costs.actions))[a]
    rep = np.repeat(np.arange(len(a)), counts)
    pair = np.repeat(starts, counts) + (np.arange(len(rep)) - np.repeat(np.cumsum(counts) - counts, counts))
    sf, stages = run.spaces.schools, run.spaces.stages
    ids = sf["school_id"].to_numpy(dtype=object) if "school_id" in sf else np.full(len(sf), None)
    names = sf["school_name"].to_numpy(dtype=object) if "school_name" in sf else np.full(len(sf), None)
    field_stage = np.array([next((st for st in stages if f.endswith("_" + st)), None) for f in pf], dtype=object)
    act_ids = np.array([x.id for x in costs.actions], dtype=object)
    act_names = np.array([x.name for x in costs.actions], dtype=object)
    act_units = np.array([x.unit for x in costs.actions], dtype=object)
    act_cost = np.array([x.cost for x in costs.actions], dtype=float)
    ai, si, u = a[rep], s[rep], units[rep]
    return pd.DataFrame({
        "school_id": ids[si], "school_name": names[si], "stage": field_stage[pair], "action": act_ids[ai],
        "action_name": act_names[ai], "units": u, "unit": act_units[ai],
        "field": np.asarray(pf, dtype=object)[pair], "add": u * np.asarray(amt, dtype=float)[pair],
        "cost": np.where(np.asarray(first)[pair], u * act_cost[ai], 0.0), "school_pos": si})


def apply_plan(run: Run, items: pd.DataFrame) -> Run:
    """The records with the plan added, evaluated again by the engine (evaluate_records)."""
    frame = run.spaces.schools.copy()
    if len(items):
        for fid, part in items.groupby("field", sort=False):
            frame = add_to_frame(frame, part["school_pos"].to_numpy(dtype=np.int64), str(fid),
                                 part["add"].to_numpy(dtype=float))
    # validated=False: the cross-field checks (degrees ≤ teachers, …) run again on the changed records
    srs = dataclasses.replace(run.schools, frame=frame, problems=ProblemTable(), rejected=[],
                              invalid=dict(run.schools.invalid), validated=False)
    crs = dataclasses.replace(run.counties, frame=run.counties.frame.copy(), problems=ProblemTable(), rejected=[],
                              invalid=dict(run.counties.invalid), validated=False)
    return evaluate_records(run.standard, run.compiled, srs, crs, run.as_of, county_file_given=True, lang=run.lang)


def _regressions(before: Run, after: Run) -> dict:
    """Any rule of the standard (not only the resource rules) with verdicts that passed before the plan
    and do not pass after it: rule id → how many."""
    out = {}
    for rid, r in before.evaluator.results.items():
        a = after.evaluator.results.get(rid)
        if a is None or len(a.outcome) != len(r.outcome):
            continue
        n = int(((r.outcome == PASS) & (a.outcome != PASS)).sum())
        if n:
            out[rid] = n
    return out


def _new_problems(before: Run, after: Run) -> list:
    """Cross-field problems the changed records have that the original records did not."""
    def keys(problems) -> pd.MultiIndex:
        return pd.MultiIndex.from_arrays([problems.column("row"), problems.column("column").astype(str),
                                          problems.column("rule").astype(str)])

    was = before.schools.problems + before.counties.problems
    now = after.schools.problems + after.counties.problems
    new = np.flatnonzero(~keys(now).isin(keys(was))) if len(now) else np.zeros(0, dtype=np.int64)
    return [str(p) for p in now.take(new)]  # texts of the new ones only (a plan adds few, usually none)


def _outcome_names(codes: np.ndarray) -> np.ndarray:
    """Outcome codes as their names (object array): one look-up per distinct code."""
    uniq, inverse = np.unique(codes, return_inverse=True)
    return np.array([OUTCOME.get(int(c), str(c)) for c in uniq], dtype=object)[inverse]


def _verdict_summary(run: Run, st: Structure) -> dict:
    ev, sp = run.evaluator, run.spaces
    sf = sp.schools
    school = ev.results[st.school_rule].outcome
    out: dict = {"school_rule": st.school_rule, "units": []}
    ids = sf["school_id"].to_numpy(dtype=object)[sp.u_school]
    names = sf["school_name"].to_numpy(dtype=object)[sp.u_school] if "school_name" in sf else ids
    stage = np.asarray(sp.stages, dtype=object)[sp.u_stage]
    out["units"] = pd.DataFrame({"school_id": ids, "school_name": names, "stage": stage,
                                 "outcome": _outcome_names(school)}).to_dict(orient="records")
    cid = sp.counties["county_id"].to_numpy(dtype=object)[sp.cs_county]
    cst = np.asarray(sp.stages, dtype=object)[sp.cs_stage]
    cvs = []
    for cv in st.cvs:
        r = ev.results[cv.id]
        cvs.append(pd.DataFrame({"rule": cv.id, "county_id": cid, "stage": cst, "value": r.value,
                                 "limit": r.threshold, "outcome": _outcome_names(r.outcome)}))
    out["cv"] = pd.concat(cvs, ignore_index=True).to_dict(orient="records") if cvs else []
    n_fail = int((school == FAIL).sum()) + sum(int((ev.results[cv.id].outcome == FAIL).sum()) for cv in st.cvs)
    n_unk = int((school == NOT_EVALUABLE).sum()) + sum(int((ev.results[cv.id].outcome == NOT_EVALUABLE).sum())
                                                        for cv in st.cvs)
    out["failing"], out["not_evaluable"] = n_fail, n_unk
    out["all_pass"] = n_fail == 0 and n_unk == 0 and len(school) > 0
    return out


def make_plan(run: Run, costs: CostFile, time_limit: float = 120.0) -> Plan:
    t0 = time.perf_counter()
    collector = Collector(run, costs)
    st = build_structure(run, costs, on_action=collector.see)
    ub = upper_bounds(run, costs)
    gov = collector.finish(ub)
    t1 = time.perf_counter()
    sp = run.spaces
    items, counties, infeasible, excluded = [], [], [], []
    total, lower = 0.0, 0.0
    county_ids = sp.counties["county_id"].to_numpy(dtype=object)
    for c in np.unique(sp.u_county):  # one problem per county (counties are independent)
        prob, skipped = _county_problem(st, run, costs, ub, int(c), gov)
        for u in np.flatnonzero((sp.u_county == c) & ~st.plannable):
            excluded.append(int(u))
        res: CountyResult = solve_county(st, prob, time_limit=time_limit)
        row = {"county_id": county_ids[c], "status": res.status, "cost": res.cost, "lower_bound": res.lower_bound,
               "rounds": res.rounds, "cuts": res.cuts, "seconds": round(res.seconds, 3),
               "cv_not_planned": [{"rule": r, "stage": sp.stages[sp.cs_stage[g]]} for r, g in skipped]}
        counties.append(row)
        if res.status in ("optimal", "feasible"):
            assert res.x is not None  # a solution comes with its values
            items.append(_items(prob, res.x))
            total += res.cost
            lower += res.lower_bound
        else:
            d = _diagnose(st, run, costs, ub, int(c), gov, time_limit) if res.status == "infeasible" else {}
            infeasible.append({"county_id": county_ids[c], "status": res.status, **d})
    t2 = time.perf_counter()
    frame = _item_frame(run, costs, items).sort_values(["school_pos", "action"], kind="stable") \
        .reset_index(drop=True)
    gap = (total - lower) / total if total > 0 else (0.0 if not infeasible else None)
    plan = Plan(run, costs, st, frame, total, lower, gap, counties, infeasible, excluded, government=gov)
    plan.after = apply_plan(run, frame)
    plan.verified = _verdict_summary(plan.after, st)
    plan.verified["government"] = government_summary(gov, run, plan.after)
    plan.verified["government_not_planned"] = [{"rule": r, "reason": why} for r, why in gov.skipped]
    plan.verified["new_data_problems"] = _new_problems(run, plan.after)
    plan.verified["regressions"] = _regressions(run, plan.after)
    plan.verified["rows_rejected_after"] = len(plan.after.rejected)
    plan.seconds = {"model": t1 - t0, "solve": t2 - t1, "verify": time.perf_counter() - t2}
    return plan
