"""The least-cost plan of one county as a mixed-integer second-order-cone programme, solved with HiGHS.

Variables: x[a, s] ≥ 0, units of action a at school s (integer for people and rooms), bounded by the
cost file's caps; y[u, j] ∈ {0, 1}: indicator j of stage unit u must reach its threshold.

* school rule ``at_least(k, …, rest_reach = f)``: Σ_j y[u, j] ≥ k[u] and
  v[u, j] ≥ t[u, j] · (f + (1 − f) · y[u, j]) — linear, with v = v0 + Σ_a coef[a, j, u] · x[a, school(u)];
* CV ≤ c for each county × stage and indicator: with p = w / Σw and m = pᵀv,
  ‖diag(√p) (v − m·1)‖ ≤ c·m, a second-order cone. HiGHS solves MILPs, so the cone is replaced by
  outer-approximation cuts, added where the current solution violates it: the supporting hyperplane of
  the (positively homogeneous) cone at v* is Σ_u p_u ((v*_u − m*) / ‖·‖ − c) · v_u ≤ 0. Every cut is
  valid for the true cone, so the MILP's proven dual bound is a lower bound of the true optimum; the
  loop stops when the (rounded) solution meets every cone, which makes it feasible: its cost is the
  upper bound, and gap = (upper − lower) / upper.

HiGHS (highspy, MIT licence, the open-source MILP/LP solver behind SciPy's milp) was chosen because it
installs as a small wheel on every platform, needs no licence, and is actively maintained.
"""
from __future__ import annotations

import math
import os
import sys
import time
from dataclasses import dataclass, field

import numpy as np
import highspy # a heavy optional solver library: imported when a plan is made

QUANTUM = 0.01  # continuous actions are rounded up to 1/100 of their unit
MAX_ROUNDS = 60
LP_ROUNDS = 300
ROUND_SECONDS = 2.0


@dataclass
class CountyProblem:
    units: np.ndarray  # stage-unit indices (into the run's unit space)
    u_school: np.ndarray  # school index of each unit
    xa: np.ndarray  # action of each x variable
    xs: np.ndarray  # school of each x variable
    ub: np.ndarray
    cost: np.ndarray
    integer: np.ndarray
    cones: list  # (cv rule index, unit indices (global), p, c_eff)
    extra: tuple | None = None  # government rows and with_plan caps: (rows, cols, vals, lower, upper, n)


@dataclass
class CountyResult:
    status: str  # optimal | feasible | infeasible | time_limit | nothing_to_do
    x: np.ndarray | None = None
    cost: float = 0.0
    lower_bound: float = 0.0
    rounds: int = 0
    cuts: int = 0
    relaxation: list = field(default_factory=list)  # (action, school, cap, needed)
    blocked: list = field(default_factory=list)  # (unit, indicator) no action can raise
    seconds: float = 0.0


def _highs():
    # HiGHS prints its banner from C++ when constructed, before output_flag can be set: keep it off
    # stdout (fd 1), where `junheng plan --format json` writes its answer
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            h = highspy.Highs()
            h.setOptionValue("output_flag", False)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    return h, highspy


def n_school_slots(prob: CountyProblem) -> int:
    """Length of an array indexed by school for this county: its units' schools and the schools an action is
    offered at. A government item (G3 rooms) may offer an action at a school none of whose units is planned,
    e.g. one whose units are not_evaluable in a messy file."""
    top = max(int(prob.u_school.max()) if len(prob.u_school) else 0, int(prob.xs.max()) if len(prob.xs) else 0)
    return top + 1


def _unit_rows(st, prob: CountyProblem, ny0: int):
    """Rows of the school rule for every unit and indicator (CSR pieces) and their lower bounds."""
    J = len(st.ids)
    nu = len(prob.units)
    # v0 + C x − t(1−f) y ≥ f t
    rows, cols, vals = [], [], []
    rowid = np.arange(nu * J).reshape(nu, J)
    for a in np.unique(prob.xa):
        sel = prob.xa == a
        # x var of action a at each unit's school (−1 if none)
        lookup = np.full(n_school_slots(prob), -1, dtype=np.int64)
        lookup[prob.xs[sel]] = np.flatnonzero(sel)
        var = lookup[prob.u_school]
        c = st.coef[a][:, prob.units].T  # (nu, J)
        m = (var[:, None] >= 0) & (c != 0)
        r, j = np.nonzero(m)
        rows.append(rowid[r, j])
        cols.append(var[r])
        vals.append(c[r, j])
    t = st.thresholds[:, prob.units].T
    f = st.floor[prob.units][:, None]
    v0 = st.values[:, prob.units].T
    rows.append(rowid.ravel())
    cols.append(ny0 + np.arange(nu * J))
    vals.append((-(t * (1 - f))).ravel())
    lower = (f * t - v0).ravel()
    # Σ_j y ≥ k
    rows.append(nu * J + np.repeat(np.arange(nu), J))
    cols.append(ny0 + np.arange(nu * J))
    vals.append(np.ones(nu * J))
    lower = np.concatenate([lower, st.k[prob.units]])
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(vals), lower


def _add_rows(h, rows, cols, vals, lower, upper, n_rows):
    order = np.lexsort((cols, rows))
    rows, cols, vals = rows[order], cols[order], vals[order]
    starts = np.searchsorted(rows, np.arange(n_rows)).astype(np.int32)
    h.addRows(n_rows, lower.astype(float), upper.astype(float), len(vals), starts, cols.astype(np.int32),
              vals.astype(float))


def unit_values(st, prob: CountyProblem, x: np.ndarray) -> np.ndarray:
    """(J, U) indicator values of every unit of the run after adding x (only the county's units change)."""
    v = st.values.copy()
    add = np.zeros_like(v)
    for a in np.unique(prob.xa):
        sel = prob.xa == a
        per_school = np.zeros(n_school_slots(prob))
        per_school[prob.xs[sel]] = x[sel]
        add[:, prob.units] += st.coef[a][:, prob.units] * per_school[prob.u_school][None, :]
    return v + add


def cone_cv(v: np.ndarray, units: np.ndarray, p: np.ndarray):
    vv = v[units]
    m = float(p @ vv)
    n = float(math.sqrt(max(p @ (vv - m) ** 2, 0.0)))
    return m, n, (n / m if m > 0 else math.inf)


class Cone:
    """One CV constraint, disaggregated (Vielma, Dunning, Huchette, Lubin 2017): with r_u = √p_u (v_u − m)
    and t = c·m, ‖r‖ ≤ t ⇔ Σ_u z_u ≤ t and r_u² ≤ z_u·t for every unit. Each small cone r² ≤ z·t, i.e.
    ‖(2r, z − t)‖ ≤ z + t, is outer-approximated by its tangent planes, which are sparse (the unit's own
    actions, m and z_u) and converge in few rounds, where a cut on the whole ‖r‖ ≤ t needs hundreds."""

    def __init__(self, st, prob, cone, xpos, m_var, z0):
        ci, units, p, c = cone
        self.ci, self.units, self.p, self.c_eff = ci, units, p, c
        self.c = c - 1e-6  # the model keeps a hair inside the limit the check uses
        self.j = st.cvs[ci].indicator
        self.m_var, self.z_vars = m_var, z0 + np.arange(len(units))
        self.v0 = st.values[self.j, units]
        pos = np.searchsorted(prob.units, units)
        sch = prob.u_school[pos]
        rows, cols, vals = [], [], []
        for a in np.unique(prob.xa):
            var = xpos[a][sch]
            cf = st.coef[a, self.j, units]
            ok = (var >= 0) & (cf != 0)
            rows.append(np.flatnonzero(ok))
            cols.append(var[ok])
            vals.append(cf[ok])
        r = np.concatenate(rows) if rows else np.zeros(0, np.int64)
        order = np.argsort(r, kind="stable")
        self.V_rows = r[order]
        self.V_cols = (np.concatenate(cols) if cols else np.zeros(0, np.int64))[order]
        self.V_vals = (np.concatenate(vals) if vals else np.zeros(0))[order]
        self.indptr = np.searchsorted(self.V_rows, np.arange(len(units) + 1))

    def definition_rows(self):
        """m − Σ_u p_u Σ coef·x = Σ p_u v0_u  and  Σ z_u − c·m ≤ 0."""
        k = len(self.V_rows)
        r1 = (np.zeros(k + 1, np.int64), np.concatenate([self.V_cols, [self.m_var]]),
              np.concatenate([-self.p[self.V_rows] * self.V_vals, [1.0]]), float(self.p @ self.v0))
        r2 = (np.zeros(len(self.units) + 1, np.int64), np.concatenate([self.z_vars, [self.m_var]]),
              np.concatenate([np.ones(len(self.units)), [-self.c]]))
        return r1, r2

    def state(self, v_all, z):
        v = v_all[self.j, self.units]
        m = float(self.p @ v)
        r = np.sqrt(self.p) * (v - m)
        return m, r, z, self.c * m

    def cv(self, v_all):
        return cone_cv(v_all[self.j], self.units, self.p)[2]

    def cuts(self, sel, r, z, t):
        """Tangent planes of r_u² ≤ z_u·t at (r, z, t) for the units ``sel`` (CSR pieces, upper bounds)."""
        a, b = 2 * r, z - t
        N = np.sqrt(a * a + b * b)
        keep = N > 1e-12
        sel, a, b, N = sel[keep], a[keep], b[keep], N[keep]
        if not len(sel):
            return None
        alpha = 2 * a * np.sqrt(self.p[sel]) / N  # coefficient of (v_u − m)
        beta = b / N - 1  # of z_u
        gamma = -(b / N + 1) * self.c  # of m (through t = c·m)
        lens = self.indptr[sel + 1] - self.indptr[sel]
        k = np.repeat(np.arange(len(sel)), lens)
        starts = np.repeat(self.indptr[sel], lens)
        idx = starts + (np.arange(lens.sum()) - np.repeat(np.cumsum(lens) - lens, lens))
        rows = np.concatenate([k, np.arange(len(sel)), np.arange(len(sel))])
        cols = np.concatenate([self.V_cols[idx], np.full(len(sel), self.m_var), self.z_vars[sel]])
        vals = np.concatenate([alpha[k] * self.V_vals[idx], -alpha + gamma, beta])
        upper = -alpha * self.v0[sel]
        return rows, cols, vals, upper


def _round(x, prob):
    return np.where(prob.integer, np.round(x), np.ceil(x / QUANTUM - 1e-6) * QUANTUM)


class _Session:
    """One HiGHS model of a county: variables x (actions), y (indicators that reach the threshold),
    slacks (elastic mode only), then per cone m and z; rows of the school rule and the cone definitions."""

    def __init__(self, st, prob: CountyProblem, mip_gap: float, elastic: bool):
        self.st, self.prob, self.elastic = st, prob, elastic
        self.h, hs = _highs()
        self.hs = hs
        h = self.h
        nx, nu = len(prob.xa), len(prob.units)
        ny = nu * len(st.ids)
        self.nx, self.ub = nx, prob.ub.copy()
        cost, nslack = prob.cost.copy(), 0
        self.finite = np.zeros(0, dtype=np.int64)
        if elastic:
            # x ≤ ub + s: the relaxation of the caps whose units above the caps cost least (Σ cost·s), the
            # cost within the caps as a tie-break; s continuous (the units needed are read from x)
            self.finite = np.flatnonzero(np.isfinite(self.ub))
            nslack = len(self.finite)
            cost = cost * 1e-6
        self.n = n = nx + ny + nslack
        hi = np.concatenate([np.where(elastic, np.inf, self.ub), np.ones(ny), np.full(nslack, np.inf)])
        h.addVars(n, np.zeros(n), hi)
        slack_cost = np.maximum(prob.cost[self.finite], 1e-6)
        h.changeColsCost(n, np.arange(n, dtype=np.int32), np.concatenate([cost, np.zeros(ny), slack_cost]))
        self.ints = np.concatenate([np.flatnonzero(prob.integer), nx + np.arange(ny)]).astype(np.int32)
        self._integrality(hs.HighsVarType.kInteger)
        if nu:
            r, c, v, lower = _unit_rows(st, prob, nx)
            _add_rows(h, r, c, v, lower, np.full(len(lower), np.inf), len(lower))
        if prob.extra is not None:  # government items (government.county_rows), over the x variables
            er, ec, ev, elo, ehi, en = prob.extra
            _add_rows(h, er, ec, ev, elo, ehi, en)
        if nslack:
            rr = np.repeat(np.arange(nslack), 2)
            cc = np.ravel(np.column_stack([self.finite, nx + ny + np.arange(nslack)]))
            _add_rows(h, rr, cc, np.tile([1.0, -1.0], nslack), np.full(nslack, -np.inf), self.ub[self.finite],
                      nslack)
        h.setOptionValue("mip_rel_gap", mip_gap)
        n_s = n_school_slots(prob)
        xpos = np.full((st.coef.shape[0], n_s), -1, dtype=np.int64)  # x variable of (action, school)
        xpos[prob.xa, prob.xs] = np.arange(nx)
        self.res = CountyResult("optimal")
        self.cones, col = [], n
        for cone in prob.cones:  # per cone one m variable and one z per unit
            self.cones.append(Cone(st, prob, cone, xpos, col, col + 1))
            col += 1 + len(cone[1])
        if self.cones:
            h.addVars(col - n, np.zeros(col - n), np.full(col - n, np.inf))
            for cn in self.cones:
                (r1, c1, v1, rhs1), (r2, c2, v2) = cn.definition_rows()
                _add_rows(h, r1, c1, v1, np.array([rhs1]), np.array([rhs1]), 1)
                _add_rows(h, r2, c2, v2, np.array([-np.inf]), np.array([0.0]), 1)

    def _integrality(self, kind):
        if len(self.ints):
            self.h.changeColsIntegrality(len(self.ints), self.ints, np.array([kind] * len(self.ints)))

    def add_cuts(self, cn, sel, r, z, t):
        got = cn.cuts(sel, r, z, t)
        if got is None:
            return
        rows, cc, vv, upper = got
        _add_rows(self.h, rows, cc, vv, np.full(len(upper), -np.inf), upper, len(upper))
        self.res.cuts += len(upper)

    def separate(self, x, sol, slack=0.0) -> bool:
        """Cuts where the solution breaks a cone; True when every cone holds (actual CV ≤ limit)."""
        v_all = unit_values(self.st, self.prob, x)
        ok = True
        for cn in self.cones:
            if cn.cv(v_all) <= cn.c_eff + slack:
                continue
            ok = False
            m, r, _, t = cn.state(v_all, None)
            z = sol[cn.z_vars]
            bad = np.flatnonzero(r * r > z * t * (1 + 1e-9) + 1e-12)
            if not len(bad):  # within the solver's tolerances: tangent planes at the boundary
                bad = np.arange(len(r))
                z = r * r / max(t, 1e-12)
            self.add_cuts(cn, bad, r[bad], z[bad], t)
        return ok

    def initial_cuts(self):
        """Tangent planes at the records as they are (on the boundary of each small cone), for the cones
        the records break; the others get cuts only when a solution breaks them (most never bind)."""
        for cn in self.cones:
            m, r, _, t = cn.state(self.st.values, None)
            if t > 0 and cn.cv(self.st.values) > cn.c_eff:
                self.add_cuts(cn, np.arange(len(r)), r, r * r / t, t)

    def lp_phase(self, deadline):
        """The continuous relaxation, cut until its solutions meet every cone: cheap warm-started LPs."""
        if not self.cones or not len(self.ints):
            return
        h = self.h
        self._integrality(self.hs.HighsVarType.kContinuous)
        for _ in range(LP_ROUNDS):
            if time.perf_counter() > deadline:
                break
            h.run()
            if h.modelStatusToString(h.getModelStatus()) != "Optimal":
                break
            sol = np.asarray(h.getSolution().col_value)
            if self.separate(sol[:self.nx], sol, 1e-6):
                break
        self._integrality(self.hs.HighsVarType.kInteger)

    def _take(self, sol, rounds):
        res, prob = self.res, self.prob
        x = _round(sol[:self.nx], prob)
        res.x, res.cost, res.rounds = x, float(prob.cost @ x), rounds
        if self.elastic:
            f, ub = self.finite, self.ub
            res.relaxation = [(int(i), float(ub[i]), float(x[i])) for i in f[x[f] > ub[f] + 1e-9]]
        return x

    def milp_rounds(self, t0, time_limit) -> float:
        """MILP, cut, MILP … until a solution meets every cone. A round may stop at its share of the time
        with an incumbent: if that meets every cone it is a plan (its gap says how far it may be from the
        optimum), else its cuts tighten the next round. Returns the best proven lower bound."""
        h, res = self.h, self.res
        lower_bound, share = 0.0, max(ROUND_SECONDS, time_limit / 8)
        for rounds in range(1, MAX_ROUNDS + 1):
            left = time_limit - (time.perf_counter() - t0)
            if left <= 0:
                res.status = "time_limit"
                return lower_bound
            h.setOptionValue("time_limit", float(min(left, share)))
            h.run()
            status = h.modelStatusToString(h.getModelStatus())
            info = h.getInfo()
            if status == "Infeasible":
                res.status = "infeasible"
                return lower_bound
            if status not in ("Optimal", "Time limit reached"):
                res.status = "error: " + status
                return lower_bound
            lower_bound = max(lower_bound, float(info.mip_dual_bound))
            sol = np.asarray(h.getSolution().col_value)
            if len(sol) < self.n or (status != "Optimal" and int(info.primal_solution_status) != 2):
                res.status = "time_limit"  # no incumbent within its share: the next round gets all the time
                share = math.inf
                continue
            x = self._take(sol, rounds)
            if self.separate(x, sol):
                res.status = "optimal" if status == "Optimal" else "feasible"
                return lower_bound
        res.status = "not_converged"  # the last solution still violates a cone: not a plan
        return lower_bound


def solve_county(st, prob: CountyProblem, time_limit: float = 60.0, mip_gap: float = 1e-6,
                 elastic: bool = False) -> CountyResult:
    t0 = time.perf_counter()
    ses = _Session(st, prob, mip_gap, elastic)
    ses.initial_cuts()
    ses.lp_phase(t0 + time_limit / 4)
    lower_bound = ses.milp_rounds(t0, time_limit)
    res = ses.res
    res.lower_bound = min(lower_bound, res.cost) if res.status in ("optimal", "feasible") else lower_bound
    res.seconds = time.perf_counter() - t0
    return res
