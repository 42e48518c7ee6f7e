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

QUANTUM = 0.01  # continuous actions are rounded up to 1/100 of their unit
MAX_ROUNDS = 60


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
    import highspy  # a heavy optional solver library: imported when a plan is made

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


def _unit_rows(st, prob: CountyProblem, xidx: dict, ny0: int):
    """Rows of the school rule for every unit and indicator (CSR pieces) and their lower bounds."""
    J = len(st.ids)
    nu = len(prob.units)
    # v0 + C x − t(1−f) y ≥ f t
    rows, cols, vals = [], [], []
    rowid = np.arange(nu * J).reshape(nu, J)
    for a in np.unique(prob.xa):
        sel = prob.xa == a
        # x var of action a at each unit's school (−1 if none)
        lookup = np.full(int(prob.u_school.max()) + 1 if nu else 1, -1, dtype=np.int64)
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
    lower = np.concatenate([lower, prob.k if hasattr(prob, "k") else st.k[prob.units]])
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
        per_school = np.zeros(int(prob.u_school.max()) + 1 if len(prob.u_school) else 1)
        per_school[prob.xs[sel]] = x[sel]
        add[:, prob.units] += st.coef[a][:, prob.units] * per_school[prob.u_school][None, :]
    return v + add


def cone_cv(v: np.ndarray, units: np.ndarray, p: np.ndarray):
    vv = v[units]
    m = float(p @ vv)
    n = float(math.sqrt(max(p @ (vv - m) ** 2, 0.0)))
    return m, n, (n / m if m > 0 else math.inf)


def _cut(st, prob, cone, v_all, xpos):
    """The supporting hyperplane of a cone at the current values, as a row over the x variables."""
    ci, units, p, c = cone
    j = st.cvs[ci].indicator
    v = v_all[j]
    m, n, _ = cone_cv(v, units, p)
    if n <= 0:
        return None
    g = p * ((v[units] - m) / n - c)  # Σ_u g_u v_u ≤ 0
    rhs = -float(g @ st.values[j, units])
    # coefficient of x[a, s] = Σ_{u of s in cone} g_u coef[a, j, u]
    pos = np.searchsorted(prob.units, units)
    sch = prob.u_school[pos]
    cols, vals = [], []
    for a in np.unique(prob.xa):
        contrib = g * st.coef[a, j, units]
        nz = contrib != 0
        if not nz.any():
            continue
        var = xpos[a][sch[nz]]
        ok = var >= 0
        acc = np.bincount(var[ok], weights=contrib[nz][ok], minlength=len(prob.xa))
        hit = np.flatnonzero(acc)
        cols.append(hit)
        vals.append(acc[hit])
    if not cols:
        return np.zeros(0, dtype=np.int64), np.zeros(0), rhs
    return np.concatenate(cols), np.concatenate(vals), rhs


def _round(x, prob):
    return np.where(prob.integer, np.round(x), np.ceil(x / QUANTUM - 1e-6) * QUANTUM)


def solve_county(st, prob: CountyProblem, time_limit: float = 60.0, mip_gap: float = 1e-6,
                 elastic: bool = False) -> CountyResult:
    t0 = time.perf_counter()
    h, hs = _highs()
    nx = len(prob.xa)
    J = len(st.ids)
    nu = len(prob.units)
    ny = nu * J
    ub = prob.ub.copy()
    cost = prob.cost.copy()
    nslack = 0
    if elastic:  # x ≤ ub + s, minimise Σ s (the smallest relaxation of the caps, in action units)
        finite = np.flatnonzero(np.isfinite(ub))
        nslack = len(finite)
        cost = np.zeros(nx)
    n = nx + ny + nslack
    lb = np.zeros(n)
    hi = np.concatenate([np.where(elastic, np.inf, ub), np.ones(ny), np.full(nslack, np.inf)])
    h.addVars(n, lb, hi)
    obj = np.concatenate([cost, np.zeros(ny), np.ones(nslack)])
    h.changeColsCost(n, np.arange(n, dtype=np.int32), obj)
    ints = np.concatenate([np.flatnonzero(prob.integer), nx + np.arange(ny),
                           nx + ny + np.flatnonzero(prob.integer[finite]) if elastic else np.zeros(0, dtype=int)])
    if len(ints):
        h.changeColsIntegrality(len(ints), ints.astype(np.int32),
                                np.array([hs.HighsVarType.kInteger] * len(ints)))
    if nu:
        r, c, v, lower = _unit_rows(st, prob, {}, nx)
        _add_rows(h, r, c, v, lower, np.full(len(lower), np.inf), len(lower))
    if elastic and nslack:
        rr = np.repeat(np.arange(nslack), 2)
        cc = np.ravel(np.column_stack([finite, nx + ny + np.arange(nslack)]))
        vv = np.tile([1.0, -1.0], nslack)
        _add_rows(h, rr, cc, vv, np.full(nslack, -np.inf), ub[finite], nslack)
    h.setOptionValue("mip_rel_gap", mip_gap)
    # x variable of (action, school)
    n_s = int(prob.u_school.max()) + 1 if nu else 1
    xpos = np.full((st.coef.shape[0], n_s), -1, dtype=np.int64)
    xpos[prob.xa, prob.xs] = np.arange(nx)
    res = CountyResult("optimal")
    v_base = st.values
    pending = [(cone, v_base) for cone in prob.cones]
    lower_bound = 0.0
    for rounds in range(1, MAX_ROUNDS + 1):
        for cone, v_at in pending:
            cut = _cut(st, prob, cone, v_at, xpos)
            if cut is None:
                continue
            cc, vv, rhs = cut
            if len(cc) == 0:
                if rhs < 0:  # the cone cannot be met by any action
                    res.blocked.append(("cv", cone[0], cone[1][0]))
                continue
            _add_rows(h, np.zeros(len(cc), dtype=np.int64), cc, vv, np.array([-np.inf]), np.array([rhs]), 1)
            res.cuts += 1
        left = time_limit - (time.perf_counter() - t0)
        if left <= 0:
            res.status = "time_limit"
            break
        h.setOptionValue("time_limit", float(left))
        h.run()
        status = h.modelStatusToString(h.getModelStatus())
        info = h.getInfo()
        if status == "Infeasible":
            res.status = "infeasible"
            break
        if status not in ("Optimal", "Time limit reached"):
            res.status = "error: " + status
            break
        lower_bound = max(lower_bound, float(info.mip_dual_bound))
        sol = np.asarray(h.getSolution().col_value)
        if len(sol) < n:
            res.status = "time_limit"
            break
        x = _round(sol[:nx], prob)
        res.x, res.cost, res.rounds = x, float(prob.cost @ x), rounds
        if elastic:
            res.relaxation = [(int(i), float(ub[i]), float(x[i])) for i in finite[np.round(sol[nx + ny:], 6) > 0]]
        v_all = unit_values(st, prob, x)
        pending = []
        for cone in prob.cones:
            _, _, cv = cone_cv(v_all[st.cvs[cone[0]].indicator], cone[1], cone[2])
            if cv > cone[3]:
                pending.append((cone, v_all))
        if not pending:
            res.status = "optimal" if status == "Optimal" else "feasible"
            break
        if status != "Optimal":
            res.status = "time_limit"
            break
    else:
        res.status = "not_converged"  # the last solution still violates a cone: not a plan
    res.lower_bound = min(lower_bound, res.cost) if res.status in ("optimal", "feasible") else lower_bound
    res.seconds = time.perf_counter() - t0
    return res
