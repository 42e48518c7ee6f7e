"""Government items with school-level quantities as planned targets (政府保障程度: G3 music and art
rooms, G9 training, G12 certification in the national standard; a province's rules of the same shapes
plan too).

The rules are read from the standard (area ``government``, threshold rules ``>=`` / ``>`` of the
school or county space) and each action's effect is measured with the engine, on the same one-unit
evaluations as the resource indicators (model.build_structure):

* **share rules** ``N / D [* k] >= θ`` (G12_school: ``certified_teachers / sum(teachers) * 100``, G9:
  ``sum(trained_360h_teachers) / sum(teachers) * 100`` over the county): ``N − (θ/k)·D ≥ 0``, linear in
  the actions. N and D are evaluated per school with and without one unit of each action; a county
  rule's N and D must be the sums of its schools' values (checked on the records), else it is not
  planned.
* **step rules** (G3_music_school: the area band that the rooms a school has reach, against the rooms
  its classes need): for each school that fails, the fewest units of one action that make the rule pass,
  found by evaluating the records with 1, 2, … units added (every school at once), at most ``MAX_STEP``.
  When several actions can, the plan requires the one of least cost within its caps (not a mix).

A rule is planned at a school (a county) only where an action of the cost file raises N − (θ/k)·D (a
step rule: makes it pass; a hire that adds a certified teacher does not raise G12's share), and where
it is evaluable and applies; elsewhere a plan that breaks it is reported by the verification
(``regressions``). Where it passes already it is planned too, so that the plan keeps it
(a teacher the plan hires counts in G9's and G12's denominators).

Caps marked ``with_plan`` (costs.py) are rows as well: ``x[a,s] ≤ room0[s] + Σ_b Δroom[b]·x[b,s]`` over
the other actions b, so a teacher hired by the plan can be trained or certified by it.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from junheng.evaluation.evaluator import Evaluator
from junheng.evaluation.logic import FAIL, NOT_APPLICABLE, NOT_EVALUABLE, PASS
from junheng.language import nodes as ast
from junheng.plan.costs import CostFile
from junheng.plan.model import add_to_frame, cap_room

OUTCOME = {PASS: "pass", FAIL: "fail", NOT_EVALUABLE: "not_evaluable", NOT_APPLICABLE: "not_applicable"}
MAX_STEP = 12  # units of one action tried for a step rule (G3: rooms a school needs, ceil(classes / 12))


@dataclass
class GovRule:
    id: str
    kind: str  # share | step
    space: str  # school | county
    coef: np.ndarray  # (A, S): change of the row's left side per unit of action a at school s
    row_of: np.ndarray  # (S,) row of each school (−1: none); a county rule: its county's row
    lower: np.ndarray  # per row: the left side must reach this
    row_county: np.ndarray  # per row: county index
    not_reached: list = field(default_factory=list)  # schools a step rule cannot pass within MAX_STEP units


@dataclass
class Government:
    rules: list = field(default_factory=list)  # GovRule
    caps: list = field(default_factory=list)  # (action, Δroom per unit of every action (A,), room0 (S,))
    skipped: list = field(default_factory=list)  # (rule id, reason)

    def touch(self, n_actions: int, n_schools: int) -> np.ndarray:
        """(A, S): action a at school s enters a government row (so it gets a variable)."""
        out = np.zeros((n_actions, n_schools), dtype=bool)
        for g in self.rules:
            out |= (g.coef != 0) & (g.row_of >= 0)[None, :]
        return out


def _ratio(node):
    """(N, D, k) of ``N / D * k`` (or ``k * N / D``, ``N / D``); None for any other shape."""
    k = 1.0
    if isinstance(node, ast.BinOp) and node.op == "*":
        if isinstance(node.right, ast.Number):
            k, node = float(node.right.value), node.left
        elif isinstance(node.left, ast.Number):
            k, node = float(node.left.value), node.right
    if isinstance(node, ast.BinOp) and node.op == "/" and k > 0:
        return node.left, node.right, k
    return None


def _candidates(std):
    for r in std.rules.values():
        if r.kind == "threshold" and r.area == "government" and r.space in ("school", "county") \
                and r.operator in (">=", ">") and "*" in r.value:
            yield r


def _values(res, n):
    v = res.raw_value if getattr(res, "raw_value", None) is not None else res.value
    try:
        return np.asarray(v, dtype=float) * np.ones(n)
    except (TypeError, ValueError):
        return np.full(n, np.nan)


def school_values(ev, node) -> np.ndarray:
    """A county rule's ``sum(x)`` per school: the node at the school space, or for a ``sum`` the engine
    does not group into schools, its argument at the school space (or at the stage space summed per
    school). Raises ValueError when neither works."""
    n = ev.n("school")
    try:
        return _as_array(ev.node_values(node, "school"), n)
    except ValueError:
        if not (isinstance(node, ast.Call) and node.func == "sum" and len(node.args) == 1 and not node.kwargs):
            raise
    try:
        return _as_array(ev.node_values(node.args[0], "school"), n)
    except ValueError:
        v = _as_array(ev.node_values(node.args[0], "stage"), ev.n("stage"))
        u_school = ev.sp.u_school
        total = np.bincount(u_school, weights=np.nan_to_num(v), minlength=n)
        known = np.bincount(u_school, weights=np.isfinite(v), minlength=n) > 0
        return np.where(known, total, np.nan)


def _as_array(x, n):
    return np.asarray(x, dtype=float) * np.ones(n)


class Collector:
    """Measures the government rules on the planner's one-unit evaluations (``see``), then builds
    their rows (``finish``)."""

    def __init__(self, run, costs: CostFile):
        self.run, self.costs = run, costs
        ev = run.evaluator
        self.n_s = ev.n("school")
        self.share, self.step, self.skipped = [], [], []
        for r in _candidates(run.standard):
            parts = _ratio(r.value["*"].node)
            if parts is not None:
                try:
                    n0, d0 = school_values(ev, parts[0]), school_values(ev, parts[1])
                except ValueError:
                    self.skipped.append((r.id, "its numerator or denominator has no value per school"))
                    continue
                self.share.append({"rule": r, "N": parts[0], "D": parts[1], "k": parts[2], "n0": n0, "d0": d0,
                                   "dn": np.zeros((len(costs.actions), self.n_s)),
                                   "dd": np.zeros((len(costs.actions), self.n_s))})
            elif r.space == "school":
                res = ev.results[r.id]
                self.step.append({"rule": r, "out0": np.asarray(res.outcome), "val0": _values(res, self.n_s),
                                  "moves": np.zeros((len(costs.actions), self.n_s), dtype=bool),
                                  "touches": np.zeros(len(costs.actions), dtype=bool)})

    def see(self, a: int, ev2) -> None:
        for sh in self.share:
            dn = school_values(ev2, sh["N"]) - sh["n0"]
            dd = school_values(ev2, sh["D"]) - sh["d0"]
            sh["dn"][a] = np.where(np.isfinite(dn), dn, 0.0)
            sh["dd"][a] = np.where(np.isfinite(dd), dd, 0.0)
        for stp in self.step:
            res = ev2.results[stp["rule"].id]
            stp["moves"][a] = (np.asarray(res.outcome) == PASS) & (stp["out0"] == FAIL)
            v, v0 = _values(res, self.n_s), stp["val0"]
            stp["touches"][a] = bool((~np.isclose(v, v0, equal_nan=True)).any() or stp["moves"][a].any())

    # ------------------------------------------------------------------ rows
    def finish(self, ub: np.ndarray) -> Government:
        gov = Government(skipped=self.skipped)
        for sh in self.share:
            g = self._share_rule(sh)
            if g is not None:
                gov.rules.append(g)
        gov.rules += self._step_rules(ub)
        gov.rules = [g for g in gov.rules if len(g.lower) or g.not_reached]  # planned somewhere
        gov.caps = self._caps()
        return gov

    def _share_rule(self, sh) -> GovRule | None:
        r, run = sh["rule"], self.run
        ev, sp = run.evaluator, run.spaces
        res = ev.results[r.id]
        theta = _as_array(res.threshold, ev.n(r.space)) / sh["k"]
        coef_rate = theta[sp.s_county] if r.space == "county" else theta
        coef = sh["dn"] - coef_rate[None, :] * sh["dd"]
        raises = (coef > 0).any(axis=0)  # per school: some action raises N − (θ/k)·D there
        ok = np.asarray(res.outcome) != NOT_APPLICABLE
        if r.space == "school":
            d0, n0 = sh["d0"], sh["n0"]
            keep = ok & raises & np.isfinite(theta) & np.isfinite(n0) & np.isfinite(d0) & (d0 > 0)
            rows = np.flatnonzero(keep)
            row_of = np.full(self.n_s, -1, dtype=np.int64)
            row_of[rows] = np.arange(len(rows))
            return GovRule(r.id, "share", "school", coef, row_of, (theta * d0 - n0)[rows], sp.s_county[rows])
        # a county rule: N and D of the county must be the sums of its schools' values
        n_c = ev.n("county")
        nc = _as_array(ev.node_values(sh["N"], "county"), n_c)
        dc = _as_array(ev.node_values(sh["D"], "county"), n_c)
        sums_n = np.bincount(sp.s_county, weights=np.nan_to_num(sh["n0"]), minlength=n_c)
        sums_d = np.bincount(sp.s_county, weights=np.nan_to_num(sh["d0"]), minlength=n_c)
        same = np.isclose(nc, sums_n, rtol=1e-9, atol=1e-9) & np.isclose(dc, sums_d, rtol=1e-9, atol=1e-9)
        any_raise = np.bincount(sp.s_county, weights=raises, minlength=n_c) > 0
        keep = ok & any_raise & np.isfinite(theta) & np.isfinite(nc) & np.isfinite(dc) & (dc > 0) & same
        if (ok & any_raise & np.isfinite(nc) & ~same).any():
            self.skipped.append((r.id, "county sums are not the sums of the schools' values"))
        rows = np.flatnonzero(keep)
        row_of_county = np.full(n_c, -1, dtype=np.int64)
        row_of_county[rows] = np.arange(len(rows))
        return GovRule(r.id, "share", "county", coef, row_of_county[sp.s_county], (theta * dc - nc)[rows], rows)

    def _evaluate_with(self, actions: list, k: int):
        """The records with k units of each of ``actions`` added at every school, evaluated."""
        run = self.run
        sp = run.spaces
        frame = sp.schools.copy(deep=False)
        rows = np.arange(len(sp.schools))
        for a in actions:
            for f, amt in self.costs.actions[a].adds.items():
                frame = add_to_frame(frame, rows, f, np.full(len(rows), amt * k))
        return Evaluator(run.compiled, dataclasses.replace(sp, schools=frame), run.as_of).run()

    @staticmethod
    def _moves_any(ev2, rules) -> bool:
        return any(((np.asarray(ev2.results[s["rule"].id].outcome) == PASS) & (s["out0"] == FAIL)).any()
                   for s in rules)

    def _step_needs(self, a: int, rules: list) -> np.ndarray:
        """(R, S): the fewest units of action a that make each step rule pass at each failing school
        (inf: not within MAX_STEP); one evaluation per number of units, every school at once."""
        need = np.full((len(rules), self.n_s), np.inf)
        for i, stp in enumerate(rules):
            need[i, stp["moves"][a]] = 1.0
        pending = np.stack([stp["out0"] == FAIL for stp in rules]) & ~np.isfinite(need)
        if pending.any():  # only the schools that MAX_STEP units make pass are searched
            top = self._evaluate_with([a], MAX_STEP)
            for i, stp in enumerate(rules):
                pending[i] &= np.asarray(top.results[stp["rule"].id].outcome) == PASS
        for k in range(2, MAX_STEP + 1):
            if not pending.any():
                break
            ev2 = self._evaluate_with([a], k)
            for i, stp in enumerate(rules):
                hit = pending[i] & (np.asarray(ev2.results[stp["rule"].id].outcome) == PASS)
                need[i, hit] = k
                pending[i] &= ~hit
        return need

    def _step_rules(self, ub: np.ndarray) -> list:
        failing = [s for s in self.step if (s["out0"] == FAIL).any()]
        if not failing:
            return []
        # an action that changes nothing with one unit may still make a school pass with more (a school
        # that needs two rooms): one evaluation with MAX_STEP units of each such action
        # (first all of them at once: the rules are monotone in what is added, so when that moves
        # nothing, none of them alone does)
        rest = [a for a in range(len(self.costs.actions)) if not any(s["touches"][a] for s in failing)]
        if rest and self._moves_any(self._evaluate_with(rest, MAX_STEP), failing):
            for a in rest:
                ev2 = self._evaluate_with([a], MAX_STEP)
                for stp in failing:
                    stp["touches"][a] = self._moves_any(ev2, [stp])
        movers = [a for a in range(len(self.costs.actions)) if any(s["touches"][a] for s in failing)]
        live = [s for s in failing if any(s["touches"][a] for a in movers)]
        if not live:
            return []
        # a school may need 2+ units where one unit moves nothing: try every action that moves the rule
        # anywhere (the rooms a school needs depend on its classes)
        needs = np.stack([self._step_needs(a, live) for a in movers])  # (M, R, S)
        cost = np.array([self.costs.actions[a].cost for a in movers])
        within = needs <= ub[movers][:, None, :]
        price = np.where(within, needs * cost[:, None, None], np.inf)
        some = np.asarray(np.isfinite(price).any(axis=0))[None]  # some action within its caps: the cheapest
        price = np.where(some, price, needs * cost[:, None, None])  # of those, else of all (a relaxation)
        best = np.argmin(np.where(np.isfinite(price), price, np.inf), axis=0)  # (R, S) index into movers
        out, sp = [], self.run.spaces
        for i, stp in enumerate(live):
            need = np.take_along_axis(needs[:, i, :], best[i][None], axis=0)[0]
            rows = np.flatnonzero(np.isfinite(need))
            coef = np.zeros((len(self.costs.actions), self.n_s))
            coef[np.asarray(movers)[best[i, rows]], rows] = 1.0
            row_of = np.full(self.n_s, -1, dtype=np.int64)
            row_of[rows] = np.arange(len(rows))
            unreached = np.flatnonzero((stp["out0"] == FAIL) & ~np.isfinite(need))
            out.append(GovRule(stp["rule"].id, "step", "school", coef, row_of, need[rows], sp.s_county[rows],
                               unreached.tolist()))
        return out

    def _caps(self) -> list:
        acts, sf = self.costs.actions, self.run.spaces.schools
        out = []
        for a, act in enumerate(acts):
            if not (act.cap and act.cap.get("with_plan")):
                continue
            delta = np.array([sum(b.adds.get(f, 0.0) for f in act.cap["field"]) - b.adds.get(act.cap["minus"], 0.0)
                              if b is not act else 0.0 for b in acts])
            room0 = np.nan_to_num(cap_room(sf, act.cap), nan=0.0)
            out.append((a, delta, np.maximum(room0, 0.0)))
        return out


def county_rows(gov: Government, c: int, s_county: np.ndarray, xpos: np.ndarray):
    """The government rows of county c over its x variables (``xpos[a, s]``, −1 when none):
    CSR pieces (rows, cols, vals) and the rows' lower and upper bounds."""
    rows, cols, vals, lo, hi = [], [], [], [], []
    n = 0
    for g in gov.rules:
        mine = np.flatnonzero(g.row_county == c)
        if not len(mine):
            continue
        schools = np.flatnonzero(np.isin(g.row_of, mine) & (s_county == c))
        a, k = np.nonzero(g.coef[:, schools] != 0)
        s = schools[k]
        var = xpos[a, s]
        ok = var >= 0
        local = np.searchsorted(mine, g.row_of[s[ok]])
        rows.append(n + local)
        cols.append(var[ok])
        vals.append(g.coef[a[ok], s[ok]])
        lo.append(g.lower[mine])
        hi.append(np.full(len(mine), np.inf))
        n += len(mine)
    for a, delta, room0 in gov.caps:
        schools = np.flatnonzero((s_county == c) & (xpos[a] >= 0))
        if not len(schools):
            continue
        local = np.arange(len(schools))
        others = np.flatnonzero(delta != 0)
        var = xpos[others][:, schools]  # (B, n)
        b, k = np.nonzero(var >= 0)
        rows += [n + local, n + k]
        cols += [xpos[a, schools], var[b, k]]
        vals += [np.ones(len(schools)), -delta[others][b]]
        lo.append(np.full(len(schools), -np.inf))
        hi.append(room0[schools])
        n += len(schools)
    if not n:
        return None
    return (np.concatenate(rows).astype(np.int64), np.concatenate(cols).astype(np.int64), np.concatenate(vals),
            np.concatenate(lo), np.concatenate(hi), n)


def summary(gov: Government, before, after) -> list:
    """Per planned rule: how many verdicts of each outcome before and after the plan."""
    out = []
    for g in gov.rules:
        b = np.asarray(before.evaluator.results[g.id].outcome)
        a = np.asarray(after.evaluator.results[g.id].outcome) if after is not None else b
        count = {name: (int((b == code).sum()), int((a == code).sum())) for code, name in OUTCOME.items()}
        out.append({"rule": g.id, "kind": g.kind, "space": g.space, "planned_rows": len(g.lower),
                    "fail_before": count["fail"][0], "fail_after": count["fail"][1],
                    "pass_before": count["pass"][0], "pass_after": count["pass"][1],
                    "not_reached": len(g.not_reached)})
    return out
