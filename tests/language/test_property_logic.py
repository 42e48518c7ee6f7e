"""Property tests of the evaluation kernels (project issue 8, part 1).

* weighted CV (engine.logic.aggregate 'weighted_cv'): scale- and order-invariant, sigma/mu when
  enrolments are equal, 0 when all values are equal, equal to an independent implementation of
  the reference formula (standards-reference.md section 3);
* half-up rounding (engine.logic.round_half_up) against decimal ROUND_HALF_UP on the decimal string;
* at_least(k, [7 rules], rest_reach = f) against a brute-force truth table over
  pass / fail within the floor / fail below the floor / unknown;
* not_evaluable never becomes pass through and/or/not/if/passed/failed/at_least/count_passed,
  nor through the all/any aggregates (Kleene soundness: a definite answer holds for every way the
  unknowns could turn out).

Example counts are bounded (derandomized, fixed max_examples) so the file runs in a few seconds.
"""
from __future__ import annotations

import itertools
import math
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from junheng.evaluation.evaluator import Evaluator, RuleResult
from junheng.evaluation.logic import (FAIL, NOT_EVALUABLE, PASS, aggregate, and3, not3, or3, outcome_from_bool,
                          round_half_up)
from junheng.language.parser import parse_expression

FAST = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])


# ------------------------------------------------------------------ weighted CV

def cv_independent(values, weights) -> float:
    """standards-reference section 3, written from the text with math.fsum (no numpy)."""
    P = math.fsum(weights)
    mean = math.fsum(p * x for p, x in zip(weights, values)) / P
    S = math.sqrt(math.fsum((p / P) * (x - mean) ** 2 for p, x in zip(weights, values)))
    return S / mean


def cv_engine(values, weights, groups=None):
    x = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    g = np.zeros(len(x), dtype=np.int64) if groups is None else np.asarray(groups, dtype=np.int64)
    n = int(g.max()) + 1 if len(g) else 1
    return aggregate("weighted_cv", g, n, x, None, w)


values_st = st.floats(min_value=0.01, max_value=1e6, allow_nan=False, allow_infinity=False)
weights_st = st.integers(min_value=1, max_value=5000)
county_st = st.lists(st.tuples(values_st, weights_st), min_size=1, max_size=40)


@FAST
@given(county_st)
def test_cv_matches_independent_formula(units):
    xs, ws = zip(*units)
    got = cv_engine(xs, ws)[0]
    want = cv_independent(xs, ws)
    assert got == pytest.approx(want, rel=1e-9, abs=1e-12)


@FAST
@given(county_st, st.floats(min_value=1e-3, max_value=1e4))
def test_cv_scale_invariant(units, c):
    xs, ws = zip(*units)
    a = cv_engine(xs, ws)[0]
    b = cv_engine([x * c for x in xs], ws)[0]
    assert b == pytest.approx(a, rel=1e-9, abs=1e-12)


@FAST
@given(county_st, st.randoms(use_true_random=False))
def test_cv_order_invariant(units, rnd):
    xs, ws = zip(*units)
    perm = list(range(len(xs)))
    rnd.shuffle(perm)
    a = cv_engine(xs, ws)[0]
    b = cv_engine([xs[i] for i in perm], [ws[i] for i in perm])[0]
    assert b == pytest.approx(a, rel=1e-9, abs=1e-12)


@FAST
@given(st.lists(values_st, min_size=1, max_size=40), weights_st)
def test_cv_equal_enrolments_is_sigma_over_mu(xs, w):
    got = cv_engine(xs, [w] * len(xs))[0]
    want = float(np.std(np.asarray(xs)) / np.mean(np.asarray(xs)))  # population sigma (ddof=0)
    assert got == pytest.approx(want, rel=1e-9, abs=1e-12)


@FAST
@given(values_st, st.lists(weights_st, min_size=1, max_size=40))
def test_cv_all_equal_values_is_zero(x, ws):
    assert cv_engine([x] * len(ws), ws)[0] == pytest.approx(0.0, abs=1e-12)


@FAST
@given(st.lists(st.tuples(values_st, weights_st, st.integers(0, 4)), min_size=1, max_size=60))
def test_cv_groups_are_independent(units):
    """Several counties in one bincount give each county its own CV."""
    xs, ws, gs = zip(*units)
    got = cv_engine(xs, ws, gs)
    for g in range(max(gs) + 1):
        members = [i for i, gg in enumerate(gs) if gg == g]
        if not members:
            assert math.isnan(got[g])
            continue
        want = cv_independent([xs[i] for i in members], [ws[i] for i in members])
        assert got[g] == pytest.approx(want, rel=1e-9, abs=1e-12)


def test_cv_unknown_value_or_weight_is_unknown_never_a_number():
    g = np.zeros(3, dtype=np.int64)
    assert np.isnan(aggregate("weighted_cv", g, 1, np.array([1.0, np.nan, 2.0]), None, np.ones(3)))[0]
    assert np.isnan(aggregate("weighted_cv", g, 1, np.array([1.0, 3.0, 2.0]), None, np.array([1, np.nan, 1.0])))[0]
    # mean 0 → CV undefined → unknown, not inf
    assert np.isnan(aggregate("weighted_cv", g, 1, np.zeros(3), None, np.ones(3)))[0]


# ------------------------------------------------------------------ half-up rounding

def decimal_half_up(text: str, digits: int) -> Decimal:
    return Decimal(text).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


@FAST
@given(st.one_of(
    st.decimals(min_value=-10**6, max_value=10**6, places=6, allow_nan=False, allow_infinity=False),
    st.decimals(min_value=-10**3, max_value=10**3, places=9, allow_nan=False, allow_infinity=False),
    # values sitting exactly on a half at the rounding digit, the case that matters
    st.tuples(st.integers(-10**6, 10**6), st.integers(0, 4)).map(
        lambda t: Decimal(t[0] * 10 + 5).scaleb(-(t[1] + 1)))),
       st.integers(min_value=0, max_value=4))
def test_round_half_up_matches_decimal(d, digits):
    x = float(d)
    text = repr(x)  # the decimal string a person sees
    got = float(round_half_up(np.array([x]), digits)[0])
    want = float(decimal_half_up(text, digits))
    assert got == pytest.approx(want, abs=10.0 ** -(digits + 6)), (text, digits)


@pytest.mark.parametrize("text,digits,want", [
    ("2.675", 2, "2.68"), ("0.5", 0, "1"), ("1.5", 0, "2"), ("2.5", 0, "3"), ("-0.5", 0, "-1"),
    ("0.4505", 3, "0.451"), ("0.4495", 3, "0.450"), ("1.005", 2, "1.01"), ("0.0005", 3, "0.001"),
    # more decimals than the 6-decimal noise snap: must not be pushed over the half
    ("0.4504999995", 3, "0.450"), ("0.4999995", 0, "0"),
])
def test_round_half_up_known_values(text, digits, want):
    assert float(round_half_up(np.array([float(text)]), digits)[0]) == float(want)


def test_round_half_up_nan_stays_nan():
    assert np.isnan(round_half_up(np.array([np.nan]), 3)[0])


# ------------------------------------------------------------------ at_least truth table

P, F_IN, F_BELOW, UNK = "pass", "fail_within_floor", "fail_below_floor", "unknown"
STATES = (P, F_IN, F_BELOW, UNK)
RULES7 = [f"R{i}" for i in range(1, 8)]


def _stub_evaluator(results: dict, n: int):
    """An Evaluator with only what the expression kernels need (results of rules, no records)."""
    ev = object.__new__(Evaluator)
    ev.sp = SimpleNamespace(sizes={"stage": n})
    ev.tol = 1e-9
    ev.results = results
    ev.t = SimpleNamespace(get=lambda name: SimpleNamespace(kind="rule") if name in results else None)
    ev.cache, ev.derived = {}, {}
    return ev


def _rule_arrays(states_per_row, floor=0.85, threshold=10.0):
    """Outcome/value/threshold arrays of one rule for a column of states."""
    s = np.asarray(states_per_row, dtype=object)
    outcome = np.select([s == P, s == F_IN, s == F_BELOW], [PASS, FAIL, FAIL], NOT_EVALUABLE).astype(np.int8)
    value = np.select([s == P, s == F_IN, s == F_BELOW],
                      [threshold * 1.2, threshold * (floor + 0.05), threshold * (floor - 0.05)], np.nan)
    return outcome, value, np.full(len(s), threshold)


def truth_at_least(row, k):
    """Three-valued truth by brute force: enumerate every completion of the unknowns."""
    unknown = [i for i, s in enumerate(row) if s == UNK]
    seen = set()
    for fill in itertools.product((P, F_IN, F_BELOW), repeat=len(unknown)):
        r = list(row)
        for i, s in zip(unknown, fill):
            r[i] = s
        seen.add(r.count(P) >= k and F_BELOW not in r)
    if seen == {True}:
        return 1.0
    if seen == {False}:
        return 0.0
    return np.nan


@pytest.mark.parametrize("k", [0, 1, 6, 7, 8])
def test_at_least_against_truth_table(k):
    rows = list(itertools.product(STATES, repeat=7))  # 4**7 = 16384 rows, one vectorised call
    cols = list(zip(*rows))
    results = {}
    for rid, col in zip(RULES7, cols):
        o, v, t = _rule_arrays(col)
        results[rid] = RuleResult(rule=None, space="stage", outcome=o, value=v, raw_value=v, threshold=t)
    ev = _stub_evaluator(results, len(rows))
    node = parse_expression(f"at_least({k}, [{', '.join(RULES7)}], rest_reach = 0.85)")
    got, passes, unknown, below = ev.at_least_parts(node, "stage")
    want = np.array([truth_at_least(r, k) for r in rows])
    mismatch = ~((got == want) | (np.isnan(got) & np.isnan(want)))
    assert not mismatch.any(), [rows[i] for i in np.flatnonzero(mismatch)[:5]]
    # and through the verdict: unknown → not_evaluable, never pass
    out = outcome_from_bool(got)
    assert not ((out == PASS) & np.isnan(want)).any()


def test_at_least_floor_boundary_is_tolerant():
    """A failing rule exactly at 85% of its threshold (float noise included) reaches the floor."""
    results = {}
    for rid in RULES7:
        o, v, t = _rule_arrays([P])
        results[rid] = RuleResult(rule=None, space="stage", outcome=o, value=v, raw_value=v, threshold=t)
    results["R7"].outcome = np.array([FAIL], dtype=np.int8)
    results["R7"].value = np.array([0.1 * 3 / 0.3 * 8.5])  # 8.499999999999998 or so
    ev = _stub_evaluator(results, 1)
    node = parse_expression(f"at_least(6, [{', '.join(RULES7)}], rest_reach = 0.85)")
    assert ev.at_least_parts(node, "stage")[0][0] == 1.0


# ------------------------------------------------------------------ unknown never becomes pass

ATOMS = ["A", "B", "C", "D", "passed(A)", "failed(B)", "true", "false"]


def _exprs():
    base = st.sampled_from(ATOMS)

    def extend(inner):
        return st.one_of(
            st.tuples(inner, inner).map(lambda t: f"({t[0]} and {t[1]})"),
            st.tuples(inner, inner).map(lambda t: f"({t[0]} or {t[1]})"),
            inner.map(lambda a: f"(not {a})"),
            st.tuples(inner, inner, inner).map(lambda t: f"(if {t[0]} then {t[1]} else {t[2]})"),
            st.integers(0, 5).map(lambda k: f"at_least({k}, [A, B, C, D])"),
            st.tuples(st.integers(0, 4), st.sampled_from([">=", "<", "==", "!="])).map(
                lambda t: f"(count_passed([A, B, C, D]) {t[1]} {t[0]})"),
        )
    return st.recursive(base, extend, max_leaves=12)


def _all_rows():
    """Every assignment of pass / fail / not_evaluable to rules A-D (81 rows)."""
    return list(itertools.product((PASS, FAIL, NOT_EVALUABLE), repeat=4))


ROWS = _all_rows()
ROW_INDEX = {r: i for i, r in enumerate(ROWS)}


def _eval_all_rows(text):
    cols = list(zip(*ROWS))
    results = {rid: RuleResult(rule=None, space="stage", outcome=np.array(c, dtype=np.int8))
               for rid, c in zip("ABCD", cols)}
    ev = _stub_evaluator(results, len(ROWS))
    return ev.node_values(parse_expression(text), "stage")


def _completions(row):
    unk = [i for i, o in enumerate(row) if o == NOT_EVALUABLE]
    for fill in itertools.product((PASS, FAIL), repeat=len(unk)):
        r = list(row)
        for i, o in zip(unk, fill):
            r[i] = o
        yield tuple(r)


@settings(max_examples=120, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(_exprs())
def test_unknown_never_becomes_pass_through_combinators(text):
    r = _eval_all_rows(text)
    assert set(np.unique(r[~np.isnan(r)])) <= {0.0, 1.0}
    for row in ROWS:
        v = r[ROW_INDEX[row]]
        if np.isnan(v) or NOT_EVALUABLE not in row:
            continue
        for c in _completions(row):
            # a definite answer with unknown inputs must hold however the unknowns turn out
            assert r[ROW_INDEX[c]] == v, (text, row, c)
    # and the verdict of an all-unknown row is never pass unless the expression is a tautology
    all_unknown = r[ROW_INDEX[(NOT_EVALUABLE,) * 4]]
    if all_unknown == 1.0:
        assert all(r[ROW_INDEX[c]] == 1.0 for c in _completions((NOT_EVALUABLE,) * 4))


@FAST
@given(st.lists(st.tuples(st.sampled_from([0.0, 1.0, np.nan]), st.sampled_from([0.0, 1.0, np.nan]),
                          st.integers(0, 2)), min_size=1, max_size=12))
def test_all_any_aggregates_are_kleene(units):
    xs, wh, gs = (np.array(v, dtype=float) for v in zip(*units))
    g = gs.astype(np.int64)
    n = 3
    for func in ("all", "any"):
        got = aggregate(func, g, n, xs, wh)
        for grp in range(n):
            m = g == grp
            # three-valued membership: where unknown → maybe included
            cx, cw = xs[m], wh[m]
            unk = [i for i in range(len(cx)) if np.isnan(cx[i]) or np.isnan(cw[i])]
            answers = set()
            for fill in itertools.product((0.0, 1.0), repeat=2 * len(unk)):
                x2, w2 = cx.copy(), cw.copy()
                for j, i in enumerate(unk):
                    if np.isnan(x2[i]):
                        x2[i] = fill[2 * j]
                    if np.isnan(w2[i]):
                        w2[i] = fill[2 * j + 1]
                sel = x2[w2 == 1]
                answers.add(float(sel.all() if func == "all" else sel.any()))
            if not np.isnan(got[grp]):
                assert answers == {got[grp]}, (func, cx, cw, got[grp])


def test_kleene_kernels_truth_tables():
    vals = np.array([0.0, 1.0, np.nan])
    a, b = np.meshgrid(vals, vals)
    a, b = a.ravel(), b.ravel()
    for f, py in ((and3, lambda x, y: x and y), (or3, lambda x, y: x or y)):
        got = f(a, b)
        for i in range(len(a)):
            outs = {py(bool(x), bool(y)) for x in ([a[i]] if not np.isnan(a[i]) else [0, 1])
                    for y in ([b[i]] if not np.isnan(b[i]) else [0, 1])}
            want = float(outs.pop()) if len(outs) == 1 else np.nan
            assert (np.isnan(want) and np.isnan(got[i])) or got[i] == want
    assert np.isnan(not3(np.array([np.nan]))[0])
    # not_evaluable applicability never gives pass
    out = outcome_from_bool(np.array([1.0, 1.0, np.nan]), np.array([np.nan, 1.0, 1.0]))
    assert list(out) == [NOT_EVALUABLE, PASS, NOT_EVALUABLE]
