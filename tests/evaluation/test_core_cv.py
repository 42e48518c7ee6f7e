"""The enrolment-weighted coefficient of variation, checked against an independent numpy computation."""
import numpy as np
import pytest

from conftest import primary_school
from junheng.evaluation.run import evaluate_files

# four primary schools: enrolment and equipment value (yuan)
SCHOOLS = [("A", 1800, 5_400_000), ("B", 300, 450_000), ("C", 900, 1_620_000), ("D", 120, 480_000)]


def independent_weighted_cv(values, weights):
    # standards-reference §3:  X̄ = Σ P_i x_i / P ;  S = sqrt(Σ (P_i/P)(x_i − X̄)²) ;  CV = S / X̄
    P = np.sum(weights)
    xbar = np.sum(np.multiply(weights, values)) / P
    S = np.sqrt(np.sum((np.asarray(weights) / P) * (np.asarray(values) - xbar) ** 2))
    return S / xbar


def test_weighted_cv_matches_independent_formula(csv_writer):
    rows = [primary_school(sid, students=n, equipment_value=eq) for sid, n, eq in SCHOOLS]
    run = evaluate_files("national/quality-2017", csv_writer(rows))
    per_student = np.array([eq / n for _, n, eq in SCHOOLS])  # 3000, 1500, 1800, 4000
    weights = np.array([n for _, n, _ in SCHOOLS])
    expected = independent_weighted_cv(per_student, weights)
    res = run.evaluator.results["R6_cv"]
    assert res.raw_value[0] == pytest.approx(expected, rel=1e-12)
    v = run.verdicts[(run.verdicts.rule_id == "R6_cv")].iloc[0]
    # the verdict value is rounded half-up to 3 decimals, as the rule declares
    assert v.value == pytest.approx(float(f"{expected:.3f}"))
    assert v.stage == "primary" and v.level == "county"

    # the unweighted σ/μ is a different number — and here a different 3-decimal figure
    unweighted = per_student.std() / per_student.mean()
    assert round(unweighted, 3) != round(expected, 3)
    assert abs(unweighted - expected) > 0.05


def test_cv_zero_when_all_equal_and_single_school(csv_writer):
    rows = [primary_school(f"E{i}", students=n) for i, n in enumerate([200, 800, 1500])]
    run = evaluate_files("national/quality-2017", csv_writer(rows))
    # identical per-student values (the fixture scales everything with enrolment) → CV 0 for R4..R6
    for rid in ("R4_cv", "R5_cv", "R6_cv"):
        assert run.verdicts[run.verdicts.rule_id == rid].iloc[0].value == pytest.approx(0.0, abs=1e-12)


def test_cv_not_evaluable_when_a_school_is_missing_a_value(csv_writer):
    rows = [primary_school(sid, students=n, equipment_value=eq) for sid, n, eq in SCHOOLS]
    rows[1]["equipment_value"] = None
    run = evaluate_files("national/quality-2017", csv_writer(rows))
    v = run.verdicts[run.verdicts.rule_id == "R6_cv"].iloc[0]
    assert v.outcome == "not_evaluable"
    assert "学校B" in v.reason  # names the school whose R6 cannot be computed


def test_cv_limits_per_stage(csv_writer):
    # junior limit 0.45, primary 0.50
    rows = [primary_school("P1"), dict(school_id="J1", school_name="初中", county_id="C1", school_type="初中",
                                       students_junior=500, equipment_value=1_300_000)]
    run = evaluate_files("national/quality-2017", csv_writer(rows))
    cv = run.verdicts[run.verdicts.rule_id == "R6_cv"].set_index("stage")
    assert cv.loc["primary", "threshold"] == 0.50
    assert cv.loc["junior", "threshold"] == 0.45
