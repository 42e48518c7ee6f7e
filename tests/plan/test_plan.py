"""junheng plan: optima solved by hand and by brute force (an independent evaluation of the rules),
a nine-year school, a county where only the CV binds, infeasible counties; every plan re-evaluated."""
from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pytest

from junheng.evaluation.run import evaluate_frames
from junheng.plan.costs import load_costs
from junheng.plan.outputs import summary_lines, to_json
from junheng.plan.planner import make_plan

from helpers import BACKBONE, GROUND, ROOM, STD, county_frames, nine_year_school, primary_school, write_costs


def plan_for(tmp_path, rows, actions, limits=()):
    s, c = county_frames(rows)
    run = evaluate_frames(STD, s, c)
    costs = load_costs(write_costs(tmp_path, actions, limits), run.spaces.schools.columns)
    return make_plan(run, costs, time_limit=60)


def items(plan):
    it = plan.items[plan.items["cost"] > 0]
    return sorted((r.school_id, r.action, float(r.units)) for r in it.itertuples())


def test_two_indicators_fail_the_cheaper_fix_is_chosen(tmp_path):
    # A: R2 = 9/1000*100 = 0.9 and R7 = 22/1000*100 = 2.2, both above 85 % of 1.0 and 2.3, so 5 of 7
    # pass: one more must. One backbone teacher (8 000) brings R2 to exactly 1.0 (the boundary passes);
    # one room (60 000) would bring R7 to 2.3. By hand: optimum 8 000.
    plan = plan_for(tmp_path, [primary_school("A", 1000, backbone_teachers_primary=9, multimedia_rooms=22),
                               primary_school("B", 500)], [ROOM, BACKBONE])
    assert items(plan) == [("A", "backbone", 1.0)]
    assert plan.total_cost == 8000
    assert plan.lower_bound == pytest.approx(8000)
    assert plan.gap == pytest.approx(0, abs=1e-9)
    assert plan.verified["all_pass"]


def test_indicator_below_the_floor_must_reach_the_floor(tmp_path):
    # A: R7 = 19/1000*100 = 1.9 < 0.85 × 2.3 = 1.955: rooms ≥ 19.55 → 20 (R7 = 2.0 still fails the
    # threshold, but the other six pass). Backbone teachers do not help. By hand: one room, 60 000.
    plan = plan_for(tmp_path, [primary_school("A", 1000, multimedia_rooms=19), primary_school("B", 500)],
                    [ROOM, BACKBONE])
    assert items(plan) == [("A", "room", 1.0)]
    assert plan.total_cost == 60000
    after = plan.after.verdicts
    r7 = after[(after.rule_id == "R7") & (after.school_id == "A")]
    assert r7["outcome"].tolist() == ["fail"] and r7["value"].iloc[0] == pytest.approx(2.0)
    assert plan.verified["all_pass"]


def test_nine_year_school_whole_school_rooms_split_1_to_1_1(tmp_path):
    # nine-year school, 600 primary + 400 junior; 20 rooms for the whole school. Primary share
    # 600 / (600 + 1.1 × 400) = 0.576923: primary R7 = 20 × 0.576923 / 6 = 1.923 < 1.955 (floor);
    # junior R7 = 20 × 0.423077 / 4 = 2.115 ≥ 2.04 (floor). 21 rooms: primary 2.019 ≥ 1.955.
    # By hand: one room for the whole school.
    plan = plan_for(tmp_path, [nine_year_school("N", 600, 400, multimedia_rooms=20), primary_school("A", 1000)],
                    [ROOM])
    assert items(plan) == [("N", "room", 1.0)]
    row = plan.items.iloc[0]
    assert row["field"] == "multimedia_rooms" and row["stage"] is None and row["add"] == 1.0
    v = plan.after.verdicts
    r7 = v[(v.rule_id == "R7") & (v.school_id == "N")].set_index("stage")["value"]
    assert r7["primary"] == pytest.approx(21 * 600 / 1040 / 6)
    assert r7["junior"] == pytest.approx(21 * 440 / 1040 / 4)
    assert plan.verified["all_pass"]


def _cv(values, weights):
    values, weights = np.asarray(values, float), np.asarray(weights, float)
    p = weights / weights.sum()
    m = p @ values
    return float(np.sqrt(p @ (values - m) ** 2) / m)


def _r3(x):
    return float(Decimal(repr(x)).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP))


def _cv_rows(values, weights):
    """Weighted CV of each row (the standards reference formula), written out again here."""
    p = weights / weights.sum()
    m = values @ p
    return np.sqrt(((values - m[:, None]) ** 2) @ p) / m


def _r3_rows(x):
    return np.array([_r3(float(v)) for v in np.round(x, 12)])


def brute_force(students, backbone, rooms, teachers, cost_b, cost_r, max_b, max_r):
    """Every combination of backbone teachers and rooms per school (primary schools; the other five
    indicators pass with room to spare): the cheapest one where every school meets 6 of 7 with the rest
    ≥ 85 % and the R2 and R7 CVs (rounded half-up to 3 places) are ≤ 0.50. Enumerated as arrays."""
    n = len(students)
    grids = np.meshgrid(*([np.arange(max_b + 1)] * n + [np.arange(max_r + 1)] * n), indexing="ij")
    add = np.stack([g.ravel() for g in grids], axis=1).astype(float)  # (combos, 2n)
    b = np.asarray(backbone, float) + add[:, :n]
    r = np.asarray(rooms, float) + add[:, n:]
    r2, r7 = b / students * 100, r / students * 100
    passes = 5 + (r2 >= 1.0 - 1e-12) + (r7 >= 2.3 - 1e-12)
    floor = (r2 >= 0.85 - 1e-12) & (r7 >= 0.85 * 2.3 - 1e-12)
    ok = ((passes >= 6) & floor).all(axis=1) & (b <= teachers).all(axis=1)
    cv2, cv7 = _cv_rows(r2, students), _cv_rows(r7, students)
    near = ok & (cv2 < 0.6) & (cv7 < 0.6)  # round only what could pass
    ok &= near
    idx = np.flatnonzero(ok)
    ok[idx] = (_r3_rows(cv2[idx]) <= 0.5) & (_r3_rows(cv7[idx]) <= 0.5)
    if not ok.any():
        return None
    cost = add[:, :n].sum(axis=1) * cost_b + add[:, n:].sum(axis=1) * cost_r
    best = np.flatnonzero(ok)[np.argmin(cost[ok])]
    return float(cost[best]), add[best]


@pytest.mark.parametrize("case", [
    # only the CV binds: every school passes R2 and R7, the R7 CV is 0.548 (values 8, 2.5, 2.5)
    dict(students=[1000, 1000, 200], backbone=[20, 20, 4], rooms=[80, 25, 5]),
    # R2 fails at two schools, R7 at one, and the R2 CV is high
    dict(students=[400, 300, 500, 200], backbone=[3, 12, 4, 4], rooms=[8, 7, 12, 5]),
    # three schools, both CVs and the 6-of-7 rule interact
    dict(students=[900, 150, 300], backbone=[30, 1, 2], rooms=[40, 3, 7]),
])
def test_matches_brute_force(tmp_path, case):
    st, bb, rm = case["students"], case["backbone"], case["rooms"]
    teachers = [round(10 * s / 100) for s in st]
    rows = [primary_school(chr(65 + i), st[i], backbone_teachers_primary=bb[i], multimedia_rooms=rm[i])
            for i in range(len(st))]
    max_b, max_r = (3, 3) if len(st) == 4 else (5, 6)
    room = dict(ROOM, max_per_school=max_r)
    backbone = dict(BACKBONE, max_per_school=max_b)
    plan = plan_for(tmp_path, rows, [room, backbone])
    best = brute_force(np.array(st, float), bb, rm, np.array(teachers, float), 8000, 60000, max_b, max_r)
    assert best is not None
    assert plan.total_cost == pytest.approx(best[0])
    assert plan.lower_bound <= plan.total_cost + 1e-6
    assert plan.gap == pytest.approx(0, abs=1e-6)
    assert plan.verified["all_pass"]


def test_only_the_cv_binds_and_the_cuts_are_needed(tmp_path):
    # all schools pass every indicator; R7 CV = 0.548 > 0.50. No school rule asks for anything, so
    # without the cone the optimum would be 0; with it rooms go to the low schools.
    plan = plan_for(tmp_path, [primary_school("A", 1000, multimedia_rooms=80), primary_school("B", 1000,
                               multimedia_rooms=25), primary_school("C", 200, multimedia_rooms=5)], [ROOM])
    cv_before = _cv([8.0, 2.5, 2.5], [1000, 1000, 200])
    assert cv_before == pytest.approx(np.sqrt(7.5) / 5)
    assert plan.total_cost > 0 and all(s != "A" for s, _, _ in items(plan))
    r7 = [c for c in plan.verified["cv"] if c["rule"] == "R7_cv" and c["stage"] == "primary"][0]
    assert r7["outcome"] == "pass" and r7["value"] <= 0.5
    assert plan.counties[0]["cuts"] >= 1


def test_infeasible_room_cap_gives_the_smallest_relaxation(tmp_path):
    # A's R7 = 1.9 is below the floor and rooms are not allowed at A: no plan. Smallest relaxation:
    # allow one room at A (cap 0 → 1).
    plan = plan_for(tmp_path, [primary_school("A", 1000, multimedia_rooms=19), primary_school("B", 500)],
                    [ROOM], limits=[{"school_id": "A", "action": "room", "max": 0}])
    out = to_json(plan)
    assert out["infeasible"][0]["county_id"] == "C1"
    assert out["infeasible"][0]["relaxation"] == [
        {"school_id": "A", "school_name": "学校A", "action": "room", "cap": 0.0, "needed": 1.0}]
    assert out["plan"] == []


def test_infeasible_land_limit(tmp_path):
    # A: sports ground 6 000 m² for 1 000 students = 6.0 < 0.85 × 7.5 = 6.375; at most 200 m² of land.
    # Needed: 375 m² (6 375 / 1 000 = 6.375 exactly).
    plan = plan_for(tmp_path, [primary_school("A", 1000, sports_ground_area=6000), primary_school("B", 500)],
                    [dict(GROUND, max_per_school=200)])
    relax = to_json(plan)["infeasible"][0]["relaxation"]
    assert len(relax) == 1 and relax[0]["school_id"] == "A" and relax[0]["cap"] == 200
    assert relax[0]["needed"] == pytest.approx(375, abs=0.01)


def test_infeasible_no_action_raises_the_indicator(tmp_path):
    # A's R2 = 5/1000*100 = 0.5 < 0.85, and the cost file only builds rooms
    plan = plan_for(tmp_path, [primary_school("A", 1000, backbone_teachers_primary=5), primary_school("B", 500)],
                    [ROOM])
    inf = to_json(plan)["infeasible"][0]
    assert inf["blocked"] == [{"school_id": "A", "school_name": "学校A", "stage": "primary", "rule": "R2"}]
    assert "R2" in inf["messages"][0]


def test_continuous_area_reaches_the_boundary_exactly(tmp_path):
    # A: 6 000 m² → floor 6 375 m²; other six pass: 375 m² × 400 = 150 000
    plan = plan_for(tmp_path, [primary_school("A", 1000, sports_ground_area=6000), primary_school("B", 500)],
                    [GROUND])
    assert items(plan) == [("A", "ground", 375.0)]
    assert plan.total_cost == pytest.approx(150000)
    assert plan.verified["all_pass"]


def test_json_contract(tmp_path):
    plan = plan_for(tmp_path, [primary_school("A", 1000, backbone_teachers_primary=9, multimedia_rooms=22),
                               primary_school("B", 500)], [ROOM, BACKBONE])
    out = json.loads(json.dumps(to_json(plan), ensure_ascii=False))
    assert {"plan", "total_cost", "lower_bound", "gap", "verified", "infeasible"} <= set(out)
    item = out["plan"][0]
    assert {k: item[k] for k in ("school_id", "stage", "action", "field", "add", "cost")} == {
        "school_id": "A", "stage": "primary", "action": "backbone", "field": "backbone_teachers_primary",
        "add": 1.0, "cost": 8000.0}
    assert out["infeasible"] is None and out["verified"]["all_pass"] is True
    # the changed records went through the cross-field checks again, and raised nothing new
    assert out["verified"]["new_data_problems"] == [] and out["verified"]["rows_rejected_after"] == 0
    assert out["verified"]["regressions"] == {}  # no rule of the standard passed before and not after


def test_no_time_no_plan_and_it_says_so(tmp_path):
    s, c = county_frames([primary_school("A", 1000, multimedia_rooms=80), primary_school("B", 1000,
                          multimedia_rooms=25), primary_school("C", 200, multimedia_rooms=5)])
    run = evaluate_frames(STD, s, c)
    costs = load_costs(write_costs(tmp_path, [ROOM]), run.spaces.schools.columns)
    plan = make_plan(run, costs, time_limit=1e-9)
    out = to_json(plan)
    assert out["plan"] == [] and out["infeasible"][0]["status"] == "time_limit"
    assert "--time-limit" in out["infeasible"][0]["messages"][0]
    # nothing was planned, so the re-evaluation still fails the R7 CV: the report says so
    assert out["verified"]["all_pass"] is False
    assert any(c["rule"] == "R7_cv" and c["outcome"] == "fail" for c in out["verified"]["cv"])


VARIANT = """\
id: test/all-seven
title: 测试用变体（非真实标准）：七项全部达标
jurisdiction: {name: 测试, name_en: test}
version: "test"
extends: national/quality-2017
documents:
  test-only:
    source_status: recalled
    note: 仅用于测试规划器读取 at_least 的 k 和余项比例；不是任何真实文件。
parameters:
  R_school_k:
    override: true
    value: 7
    citation: {document: test-only, article: 测试}
    source_status: recalled
"""


def test_a_variant_standard_plans_with_its_own_k(tmp_path):
    # the same county as the first test, under a test-only variant that asks for all seven indicators:
    # both R2 (one backbone teacher, 8 000) and R7 (one room, 60 000) must reach the threshold: 68 000
    d = tmp_path / "stds"
    (d / "test").mkdir(parents=True)
    (d / "test" / "all-seven.yaml").write_text(VARIANT, encoding="utf-8")
    s, c = county_frames([primary_school("A", 1000, backbone_teachers_primary=9, multimedia_rooms=22),
                          primary_school("B", 500)])
    run = evaluate_frames("test/all-seven", s, c, standards_dirs=(str(d),))
    costs = load_costs(write_costs(tmp_path, [ROOM, BACKBONE]), run.spaces.schools.columns)
    plan = make_plan(run, costs, time_limit=60)
    assert items(plan) == [("A", "backbone", 1.0), ("A", "room", 1.0)]
    assert plan.total_cost == 68000 and plan.verified["all_pass"]


def test_a_rule_the_plan_breaks_elsewhere_is_reported(tmp_path):
    # A: R1 = 40/1000*100 = 4.0 < 4.2 and R7 = 2.2 < 2.3: two hires (4.2, 2 000) beat a room (60 000).
    # The hire action forgets certified_teachers, so A's certification rate (G12_school, 100 %) drops
    # from 100/100 to 100/102: the re-evaluation says so.
    hire = {"id": "hire", "name": "招聘", "unit": "人", "cost": 1000, "integer": True,
            "adds": {"teachers_primary": 1, "teachers_bachelor_primary": 1}}
    rows = [primary_school("A", 1000, teachers_bachelor_primary=40, multimedia_rooms=22, certified_teachers=100),
            primary_school("B", 500, certified_teachers=50)]
    plan = plan_for(tmp_path, rows, [ROOM, hire])
    assert items(plan) == [("A", "hire", 2.0)]
    assert plan.verified["regressions"] == {"G12_school": 1, "G12": 1}  # and the county rule all(G12_school)
    assert any("G12_school ×1" in line for line in summary_lines(plan))


def test_new_data_problems_are_those_the_plan_adds():
    # before: problems on rows 2 and 3; after: row 3's again plus a new one on row 2 (another rule) and row 5
    from types import SimpleNamespace

    from junheng.plan.planner import _new_problems
    from junheng.records.problems import ProblemTable
    from junheng.records.recordset import Problem

    def p(row, rule):
        return Problem("a.csv", None, row, "teachers_primary", "9", rule, f"m{row}", "cell ignored",
                       "teachers_primary", f"B{row}", -1, None)

    def run(*ps):
        return SimpleNamespace(schools=SimpleNamespace(problems=ProblemTable(ps)),
                               counties=SimpleNamespace(problems=ProblemTable()))

    before = run(p(2, "degree_le_teachers"), p(3, "degree_le_teachers"))
    after = run(p(2, "backbone_le_teachers"), p(3, "degree_le_teachers"), p(5, "degree_le_teachers"))
    assert _new_problems(before, after) == [str(p(2, "backbone_le_teachers")), str(p(5, "degree_le_teachers"))]
    assert _new_problems(after, after) == [] and _new_problems(run(), run()) == []
