"""diff lists values that moved without a flip (issue 21), with the margin to the limit, and honours a
threshold for 'moved'. The expected CVs are computed here from the unit values by the weighted formula
(CV = S / X̄, S = √(Σ Pᵢ/P (xᵢ − X̄)²)), not by the engine's CV code."""
import sys
from pathlib import Path

import numpy as np

from junheng.evaluation.logic import round_half_up
from junheng.tools.diff import run_diff

DATA = Path(__file__).parents[1] / "data" / "provinces"
sys.path.insert(0, str(DATA))
from passing import passing_data  # noqa: E402

CHILD = """\
id: p/scope60
title: t
jurisdiction: {name: 测试}
version: "1"
extends: national/quality-2017
documents:
  d1: {number: 测试〔2024〕1号, source_status: secondary}
parameters:
  R_scope_teaching_point_min:
    override: true
    value: 60
    citation: {document: d1, article: 第1条}
    source_status: secondary
"""


def _cv(x, w):
    m = np.sum(w * x) / np.sum(w)
    return np.sqrt(np.sum(w / np.sum(w) * (x - m) ** 2)) / m


def test_cv_that_moves_without_a_flip_is_listed_with_its_margin(tmp_path):
    schools, counties = passing_data()
    # SYN0001: the two primary schools get different backbone counts; a teaching point of 55 pupils
    # is in the national scope (>= 50) and out of the child's (< 60)
    s1, s3 = "SYN0001-001", "SYN0001-003"
    schools.loc[schools.school_id == s1, "backbone_teachers_primary"] = 9  # 9/600*100 = 1.5
    schools.loc[schools.school_id == s3, "backbone_teachers_primary"] = 12  # 2.0
    tp = schools[schools.school_id == s1].copy()
    tp["school_id"], tp["school_type"] = "SYN0001-TP", "教学点"
    for col, v in {"students_primary": 55, "in_zone_students_primary": 55, "backbone_teachers_primary": 1,
                   "classes_primary": 3, "max_class_size_primary": 20}.items():
        tp[col] = v  # R2 = 1/55*100 = 1.818...
    import pandas as pd
    schools = pd.concat([schools, tp], ignore_index=True)
    S, C = tmp_path / "s.csv", tmp_path / "c.csv"
    schools.to_csv(S, index=False)
    counties.to_csv(C, index=False)
    (tmp_path / "std" / "p").mkdir(parents=True)
    (tmp_path / "std" / "p" / "scope60.yaml").write_text(CHILD, encoding="utf-8")
    doc = run_diff("national/quality-2017", "p/scope60", None, [str(S)], [str(C)], [str(tmp_path / "std")])
    moves = {(m["rule_id"], m["county_id"], m["stage"]): m for m in doc["impact"]["moved"]}
    m = moves[("R2_cv", "SYN0001", "primary")]
    a = round_half_up(_cv(np.array([1.5, 2.0, 100 / 55]), np.array([600, 600, 55])), 3)
    b = round_half_up(_cv(np.array([1.5, 2.0]), np.array([600, 600])), 3)
    assert (m["value_a"], m["value_b"]) == (a, b) and a != b
    assert abs(m["margin_b"] - (0.5 - b)) < 1e-9 and abs(m["margin_a"] - (0.5 - a)) < 1e-9
    assert m["outcome"] == "pass" and abs(m["change"] - (b - a)) < 1e-12
    # the teaching point's own R2 flips (pass -> not_applicable): listed as a change, not as a move
    assert not any(k[0] == "R2" for k in moves)
    # nothing else moved: the other counties are untouched
    assert {k[1] for k in moves} == {"SYN0001"}
    # a threshold for "moved" larger than the change hides it
    doc2 = run_diff("national/quality-2017", "p/scope60", None, [str(S)], [str(C)], [str(tmp_path / "std")],
                    moved=abs(b - a) + 0.001)
    assert ("R2_cv", "SYN0001", "primary") not in {(m["rule_id"], m["county_id"], m["stage"])
                                                   for m in doc2["impact"]["moved"]}
