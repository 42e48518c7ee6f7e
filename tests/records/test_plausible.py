"""Plausibility bounds (records/normalize.PLAUSIBLE_MAX): a count above 100 million, an area above 1 billion m²
or money above 100 billion yuan is a slip, ignored with a located problem, not a value that decides a verdict
(the messy scenario's 999999999999 cells)."""
from __future__ import annotations

import pandas as pd

from junheng.evaluation.run import evaluate_files
from junheng.records.normalize import to_number

from conftest import primary_school

STD = "national/quality-2017"


def test_values_above_the_bounds_are_problems_and_missing():
    raw = pd.Series(["999999999999", "100000000", "100000001", "12", "-3", ""], dtype=object)
    values, problems, _ = to_number(raw, "count")
    assert values.isna().tolist() == [True, False, True, False, True, True]
    assert values[1] == 100_000_000 and values[3] == 12
    assert "大于 100,000,000" in str(problems[0]) and "大于 100,000,000" in str(problems[2])
    assert pd.isna(problems[1]) and "负数" in str(problems[4])
    area, p_area, _ = to_number(pd.Series(["999999999999", "999999999", "1e9"], dtype=object), "number")
    assert area.isna().tolist() == [True, False, False] and "1,000,000,000" in str(p_area[0])
    money, p_money, _ = to_number(pd.Series(["999999999999", "99999999999"], dtype=object), "money")
    assert money.isna().tolist() == [True, False]


def test_a_school_does_not_pass_on_an_absurd_area(csv_writer):
    # school A's teaching-room area typed as 999999999999 m²: R4 not_evaluable (not a pass at 10^9 m² per
    # pupil), the cell reported where it is; school B (the same school, its area as it should be) passes R4
    schools = csv_writer([primary_school("A", teaching_aux_area="999999999999"), primary_school("B")])
    counties = csv_writer([{"county_id": "C1", "county_name": "县C1"}])
    run = evaluate_files(STD, [str(schools)], [str(counties)], "2024-09-01")
    v = run.verdicts
    r4 = v[(v.rule_id == "R4") & (v.stage == "primary")].set_index("school_id")["outcome"].to_dict()
    assert r4 == {"A": "not_evaluable", "B": "pass"}
    (p,) = [p for p in run.schools.problems if p.field == "teaching_aux_area"]
    assert (p.row, p.cell, p.value, p.action) == (2, p.cell, "999999999999", "cell ignored") and p.cell.endswith("2")
    assert "超出合理范围" in p.render("zh")
