"""`junheng plan --enrolment FILE / --enrolment-growth F`: the plan for the target year's pupils,
solved by hand; the projection stated in the output; a bad enrolment file's mistakes located."""
from __future__ import annotations

import json

import pytest

from junheng.cli.main import main
from junheng.errors import InputError
from junheng.evaluation.run import evaluate_frames
from junheng.plan.enrolment import by_file, by_growth

from helpers import BACKBONE, ROOM, STD, county_frames, primary_school, write_costs


def _files(tmp_path):
    # today A (1 000 pupils) passes the school rule: R2 = 9 / 1 000 × 100 = 0.9 fails above the floor
    # 0.85, R7 = 23 rooms → 2.3 passes exactly, the other five pass: nothing to plan.
    s, c = county_frames([primary_school("A", 1000, backbone_teachers_primary=9, multimedia_rooms=23),
                          primary_school("B", 500, multimedia_rooms=15)])
    sp, cp = tmp_path / "s.csv", tmp_path / "c.csv"
    s.to_csv(sp, index=False)
    c.to_csv(cp, index=False)
    return str(sp), str(cp)


def _plan(tmp_path, capfd, extra):
    sp, cp = _files(tmp_path)
    costs = write_costs(tmp_path, [ROOM, BACKBONE])
    rc = main(["plan", "--standard", STD, "--schools", sp, "--counties", cp, "--costs", str(costs),
               "--format", "json", "--quiet"] + extra)
    return rc, json.loads(capfd.readouterr().out)


def test_today_nothing_to_plan(tmp_path, capfd):
    rc, out = _plan(tmp_path, capfd, [])
    assert rc == 0 and out["plan"] == [] and out["enrolment"] is None


# With 1 100 pupils at A: R2 = 9 / 11 = 0.818 < 0.85 (below the floor: at least 0.85 × 11 = 9.35 → 10
# backbone teachers) and R7 = 23 / 11 = 2.09 < 2.3 (above the floor 1.955): one of them must pass. R2 to
# 1.0 needs 11 backbone teachers (2 more, 16 000); R7 to 2.3 needs 26 rooms (3 × 60 000) plus one backbone
# teacher for the floor (188 000). B (550 pupils) still passes everything. By hand: 2 backbone teachers.
def _check_1100(out):
    assert [(p["school_id"], p["action"], p["add"]) for p in out["plan"]] == [("A", "backbone", 2.0)]
    assert out["total_cost"] == 16000 and out["verified"]["all_pass"]


def test_growth_factor(tmp_path, capfd):
    rc, out = _plan(tmp_path, capfd, ["--enrolment-growth", "1.1"])
    assert rc == 0
    _check_1100(out)
    e = out["enrolment"]
    assert e["method"] == "growth" and e["factor"] == 1.1
    assert e["students_before"]["students_primary"] == 1500 and e["students_after"]["students_primary"] == 1650


def test_enrolment_file(tmp_path, capfd):
    f = tmp_path / "2027.csv"
    f.write_text("school_id,students_primary\nA,1100\n", encoding="utf-8")
    rc, out = _plan(tmp_path, capfd, ["--enrolment", str(f)])
    assert rc == 0
    _check_1100(out)
    assert out["enrolment"]["students_after"]["students_primary"] == 1600  # B keeps its 500


def test_growth_rounds_half_up_and_the_table_says_so(tmp_path, capfd):
    s, _ = county_frames([primary_school("A", 10), primary_school("B", 30)])
    got = by_growth(s, 1.05)["students_primary"].tolist()
    assert got == [11.0, 32.0]  # 10.5 → 11 (half-up), 31.5 → 32
    sp, cp = _files(tmp_path)
    assert main(["plan", "--standard", STD, "--schools", sp, "--counties", cp, "--costs",
                 str(write_costs(tmp_path, [ROOM, BACKBONE])), "--enrolment-growth", "1.1", "--quiet"]) == 0
    text = capfd.readouterr().out
    assert "按目标年份预测在校生规划：现有人数 × 1.1" in text and "小学学生 1,500 → 1,650 人" in text


def test_bad_enrolment_file_lists_every_mistake(tmp_path):
    s, c = county_frames([primary_school("A", 1000), primary_school("B", 500)])
    run = evaluate_frames(STD, s, c)
    f = tmp_path / "e.csv"
    f.write_text("school_id,students_primary\nA,-3\nZZ,10\nB,12.5\nA,7\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        by_file(run.spaces.schools, str(f))
    text = str(exc.value)
    assert "4 处错误" in text
    assert "e.csv:第3行 row 3 school_id: 「ZZ」" in text and "e.csv:第5行 row 5 school_id: 「A」重复" in text
    assert "e.csv:第2行 row 2 students_primary: 「-3」" in text
    assert "e.csv:第4行 row 4 students_primary: 「12.5」" in text
