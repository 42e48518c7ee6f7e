"""Vectorised kernels: three-valued logic, tolerant comparisons, half-up rounding, group aggregates.

Conditions are float arrays: 1.0 = true, 0.0 = false, NaN = unknown. Unknown never turns into
true: ``false and unknown`` is false, ``true and unknown`` is unknown (Kleene logic).
"""
from __future__ import annotations

import numpy as np

FAIL, PASS, NOT_EVALUABLE, NOT_APPLICABLE, ABSENT = 0, 1, 2, 3, -1
OUTCOME_NAMES = {FAIL: "fail", PASS: "pass", NOT_EVALUABLE: "not_evaluable", NOT_APPLICABLE: "not_applicable"}


def and3(a, b):
    return np.where((a == 0) | (b == 0), 0.0, np.where(np.isnan(a) | np.isnan(b), np.nan, 1.0))


def or3(a, b):
    return np.where((a == 1) | (b == 1), 1.0, np.where(np.isnan(a) | np.isnan(b), np.nan, 0.0))


def not3(a):
    return np.where(np.isnan(a), np.nan, 1.0 - a)


def compare(op: str, a, b, tol: float):
    """Compare with a relative tolerance: a value equal to its threshold up to float noise is equal."""
    a = np.asarray(a, dtype="float64")
    b = np.asarray(b, dtype="float64")
    with np.errstate(invalid="ignore"):
        close = np.abs(a - b) <= tol * np.maximum(np.abs(a), np.abs(b))
        if op == ">=":
            r = (a >= b) | close
        elif op == ">":
            r = (a > b) & ~close
        elif op == "<=":
            r = (a <= b) | close
        elif op == "<":
            r = (a < b) & ~close
        elif op == "==":
            r = close | (a == b)
        elif op == "!=":
            r = ~(close | (a == b))
        else:  # pragma: no cover - the grammar only produces the above
            raise ValueError(op)
    out = r.astype("float64")
    # NaN or infinity on either side: unknown (inf would otherwise be "close" to any other inf)
    out[~np.isfinite(a) | ~np.isfinite(b)] = np.nan
    return out


ROUND_DIGITS_MAX = 15  # |digits| of round(): beyond 15 decimals a float64 has nothing left to round


def round_half_up(x, digits: int = 0):
    """四舍五入: 2.675 → 2.68, 0.5 → 1, -0.5 → -1 (away from zero), in decimal as a person sees it.
    Negative digits round to tens, hundreds...: round_half_up(177, -2) = 200, (150, -2) = 200, (149, -2) = 100."""
    x = np.asarray(x, dtype="float64")
    d = int(digits)
    if abs(d) > ROUND_DIGITS_MAX:
        raise ValueError(f"round digits {d} out of range ±{ROUND_DIGITS_MAX}")
    f = 10.0 ** abs(d)  # exact for |d| <= 22; dividing by 100 (not multiplying by 0.01) keeps 150/100 = 1.5 exact
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = np.abs(x) * f if d >= 0 else np.abs(x) / f
        low = np.floor(scaled)
        # a value within float noise of the half (2.675 is 2.67499999...) is the half; the window is
        # relative, so 0.4504999995 (a genuine digit below the half) still rounds down to 0.450
        half = np.abs(scaled - low - 0.5) <= 1e-13 * np.maximum(scaled, 1.0)
        r = np.sign(x) * np.where(half, low + 1.0, np.floor(scaled + 0.5))
        return r / f if d >= 0 else r * f


def outcome_from_bool(c, applicable=None):
    out = np.where(np.isnan(c), NOT_EVALUABLE, np.where(c == 1, PASS, FAIL)).astype(np.int8)
    if applicable is not None:
        out = np.where(applicable == 0, NOT_APPLICABLE, np.where(np.isnan(applicable), NOT_EVALUABLE, out))
    return out.astype(np.int8)


def bool_from_outcome(o):
    """pass → 1, fail → 0, not evaluable → unknown, not applicable / absent → 1 (no obstacle)."""
    return np.where(o == PASS, 1.0, np.where(o == FAIL, 0.0, np.where(o == NOT_EVALUABLE, np.nan, 1.0)))


# ------------------------------------------------------------------ group aggregates

def _bc(g, w, n):
    return np.bincount(g, weights=w, minlength=n)[:n] if len(g) else np.zeros(n)


def aggregate(func: str, g: np.ndarray, n: int, x=None, where=None, weight=None, info: dict | None = None):
    """Reduce unit arrays to n groups (g = group code of each unit). Unknown in → unknown out.

    Empty sets never pass (nothing is judged true because there was nothing to judge):

    - a group with no unit at all (a county with no evaluable school): every aggregate is unknown;
    - a group whose units are all left out by ``where`` (or by the applicability of the rule it reduces):
      ``all`` and ``any`` are unknown; ``count`` and ``sum`` are 0 (a count of none is a measurement);
      ``share``, ``mean``, ``min``, ``max``, ``weighted_mean``, ``weighted_cv`` are unknown (undefined).

    ``info``, when given, receives ``empty_group`` and ``empty_selection`` (boolean arrays over the n
    groups) so that verdicts can say why a value is unknown.
    """
    m = len(g)
    inc = np.ones(m) if where is None else np.where(np.isnan(where), 0.0, where)
    unk_inc = np.zeros(m, dtype=bool) if where is None else np.isnan(where)
    units = _bc(g, np.ones(m), n)
    empty_group = units == 0
    cnt = _bc(g, inc, n)
    # nothing selected for sure: no unit included and none whose inclusion is unknown
    empty_sel = ~empty_group & (cnt == 0) & ~(_bc(g, unk_inc.astype(float), n) > 0)
    if info is not None:
        info["empty_group"] = empty_group
        info["empty_selection"] = empty_sel
    if x is None:
        x = np.ones(m)
    xn = np.isnan(x)
    if func in ("all", "any"):
        hit_val = 0.0 if func == "all" else 1.0
        hit = _bc(g, ((inc == 1) & (x == hit_val)).astype(float), n) > 0
        unknown = _bc(g, (((inc == 1) & xn) | unk_inc).astype(float), n) > 0
        r = np.where(hit, hit_val, np.where(unknown, np.nan, 1.0 - hit_val))
        return np.where(empty_group | empty_sel, np.nan, r)
    unknown = _bc(g, (((inc == 1) & xn) | unk_inc).astype(float), n) > 0
    unknown |= empty_group
    xf = np.where(xn, 0.0, x)
    if func == "count":
        r = _bc(g, inc * (xf == 1), n)
    elif func == "share":
        with np.errstate(invalid="ignore", divide="ignore"):
            r = _bc(g, inc * (xf == 1), n) / cnt
    elif func == "sum":
        r = _bc(g, inc * xf, n)
    elif func == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):
            r = _bc(g, inc * xf, n) / cnt
    elif func in ("min", "max"):
        fill = np.inf if func == "min" else -np.inf
        r = np.full(n, fill)
        vals = np.where(inc == 1, xf, fill)
        (np.minimum if func == "min" else np.maximum).at(r, g, vals)
        r[~np.isfinite(r)] = np.nan
    elif func in ("weighted_mean", "weighted_cv"):
        w = weight
        wn = np.isnan(w)
        unknown |= _bc(g, ((inc == 1) & wn).astype(float), n) > 0
        wf = np.where(wn, 0.0, w) * inc
        W = _bc(g, wf, n)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = _bc(g, wf * xf, n) / W
            if func == "weighted_mean":
                r = mean
            else:
                dev = xf - mean[g] if m else xf
                var = _bc(g, wf * dev * dev, n) / W
                r = np.sqrt(var) / mean
    else:  # pragma: no cover - the checker only lets known aggregates through
        raise ValueError(func)
    r = np.where(unknown, np.nan, r)
    return np.where(np.isfinite(r), r, np.nan)


def weighted_cv_reference(values, weights) -> float:
    """The formula of the standards reference, written out plainly (used by tests and explain)."""
    values = np.asarray(values, dtype=float)
    weights = np.asarray(weights, dtype=float)
    P = weights.sum()
    mean = (weights * values).sum() / P
    S = np.sqrt(((weights / P) * (values - mean) ** 2).sum())
    return S / mean
