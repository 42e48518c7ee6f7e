"""A messy file: every problem reported at once with its place; clean rows still evaluated; counts add up."""
from __future__ import annotations

import math
from pathlib import Path

from junheng.cli.main import main
from junheng.evaluation.run import evaluate_files

D = Path(__file__).parents[1] / "data" / "records"
STD = "national/quality-2017"


def run_messy():
    return evaluate_files(STD, [str(D / "messy-schools.csv")], [str(D / "messy-counties.csv")])


def test_every_problem_located_and_rows_add_up():
    run = run_messy()
    probs = {(p.row, p.field, p.rule.split("（")[0], p.action) for p in run.schools.problems}
    assert (3, "students_primary", "students_primary", "cell ignored") in probs  # 'abc'
    assert (4, "multimedia_rooms", "multimedia_rooms", "cell ignored") in probs  # -3
    assert (6, "school_id", "记录键", "row rejected") in probs  # county C9 not in the county table
    assert (7, "school_id", "记录键", "row rejected") in probs  # no county (two counties given)
    assert (8, "school_id", "记录键", "row rejected") in probs  # duplicate M1
    for col in ("teachers_college_primary", "teachers_bachelor_primary", "teachers_master_primary"):
        assert (9, col, "degree_le_teachers", "cell ignored") in probs  # 20+30+5 > 40
    assert (10, "students_junior", "一贯制学段", "cell missing") in probs
    neg = next(p for p in run.schools.problems if p.field == "multimedia_rooms")
    assert (neg.file.endswith("messy-schools.csv"), neg.cell, neg.value) == (True, "R4", "-3")
    dup = next(p for p in run.schools.problems if p.row == 8)
    assert "重复" in dup.message and "第 2 行" in dup.message
    # counts: 9 rows read = 6 evaluated + 3 rejected
    s = run.input_summary()[0]
    assert (s["rows"], s["rows_evaluated"], s["rows_rejected"]) == (9, 6, 3)
    assert s["rows"] == s["rows_evaluated"] + s["rows_rejected"]
    assert sorted(r["row"] for r in run.rejected) == [6, 7, 8]
    v = run.verdicts.set_index(["rule_id", "school_id", "stage"])
    # clean row evaluated
    assert v.loc[("R4", "M1", "primary"), "outcome"] == "pass"
    assert math.isclose(v.loc[("R6", "M1", "primary"), "value"], 2500)
    # bad cell: only rules needing it are not evaluable, with the reason
    assert v.loc[("R7", "M3", "primary"), "outcome"] == "not_evaluable"
    assert "负数" in v.loc[("R7", "M3", "primary"), "reason"]
    assert v.loc[("R4", "M3", "primary"), "outcome"] == "pass"
    assert v.loc[("R2", "M2", "primary"), "outcome"] == "not_evaluable"
    assert "不是数字" in v.loc[("R2", "M2", "primary"), "reason"]
    # full-width digits, thousands separator, 万元 header, dash = missing
    assert math.isclose(v.loc[("R4", "M4", "primary"), "value"], (6000 - 800) / 1200)
    assert math.isclose(v.loc[("R6", "M4", "primary"), "value"], 360000 / 1200)
    assert v.loc[("R5", "M4", "primary"), "outcome"] == "not_evaluable"  # gym area '—' is missing, not 0
    # cross-field violation: degree counts invalid -> R1 not evaluable with the reason; other rules evaluated
    assert v.loc[("R1", "M7", "primary"), "outcome"] == "not_evaluable"
    assert "超过专任教师数" in v.loc[("R1", "M7", "primary"), "reason"]
    assert v.loc[("R2", "M7", "primary"), "outcome"] == "pass"
    log = "\n".join(run.schools.log)
    assert "全角字符转为半角" in log and "千位分隔符" in log and "万元换算为元" in log and "按缺失处理" in log


def test_strict_exits_before_evaluating(capsys, tmp_path):
    out = tmp_path / "v.json"
    rc = main(["evaluate", "--standard", STD, "--schools", str(D / "messy-schools.csv"), "--counties",
               str(D / "messy-counties.csv"), "--strict", "--format", "json", "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 1 and not out.exists()
    assert "读入 9 行，评估 6 行，拒绝 3 行" in err and "万元换算为元" in err and "degree_le_teachers" in err
    rc = main(["evaluate", "--standard", STD, "--schools", str(D / "messy-schools.csv"), "--counties",
               str(D / "messy-counties.csv"), "--format", "json", "--out", str(out), "--quiet"])
    assert rc == 0 and out.exists()
    assert capsys.readouterr().err == ""


def test_a_problem_line_is_in_words_in_either_language():
    # the terminal line's tail names the cell's type and what was done in the user's language; the files keep
    # the action's code ("cell ignored") for machines
    run = run_messy()
    neg = next(p for p in run.schools.problems if p.field == "multimedia_rooms")
    assert neg.action == "cell ignored"
    assert neg.render("zh").endswith("（multimedia_rooms（非负整数）；该单元格不予采用）")
    assert neg.render("en").endswith("(multimedia_rooms (count); cell ignored)")
    rejected = next(p for p in run.schools.problems if p.action == "row rejected")
    assert rejected.render("zh").endswith("；整行不予采用）")
