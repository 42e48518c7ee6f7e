"""Government items planned with the resource rules (plan/government.py): G12 certification (a school
share), G9 training (a county share, counting the teachers the plan hires), G3 music rooms (a step rule:
the rooms a school's classes need). Optima solved by hand; every plan evaluated again by the engine."""
from __future__ import annotations

import pytest

from junheng.plan.outputs import to_json

from helpers import primary_school
from test_plan import items, plan_for

TEACHERS = ["teachers_primary", "teachers_junior"]
CERTIFY = {"id": "certify", "name": "组织未持证教师取得资格", "unit": "人", "cost": 2000, "integer": True,
           "adds": {"certified_teachers": 1},
           "cap": {"field": TEACHERS, "minus": "certified_teachers", "with_plan": True}}
TRAIN = {"id": "train", "name": "补足360学时培训", "unit": "人", "cost": 1500, "integer": True,
         "adds": {"trained_360h_teachers": 1},
         "cap": {"field": TEACHERS, "minus": "trained_360h_teachers", "with_plan": True}}
HIRE_PE = {"id": "hire_pe", "name": "招聘体育教师", "unit": "人", "cost": 100000, "integer": True,
           "adds": {"teachers_primary": 1, "teachers_bachelor_primary": 1, "pe_teachers_primary": 1,
                    "certified_teachers": 1}}
MUSIC = {"id": "music_room", "name": "新建音乐专用教室（≥96㎡）", "unit": "间", "cost": 350000, "integer": True,
         "adds": {"music_rooms_96": 1, "teaching_aux_area": 96}}
ROOMS_OK = {"music_rooms_96": 1, "music_rooms_73": 0, "music_rooms_61": 0, "art_rooms_90": 1, "art_rooms_67": 0,
            "art_rooms_61": 0, "built_year": 2010}


def test_g12_uncertified_teachers_are_certified(tmp_path):
    # A: 100 teachers (10 per 100 of 1 000 pupils), 97 certified: 97 % < 100 %; B: 50 of 50. Every R
    # indicator passes. By hand: certify 3 teachers at A, 3 × 2 000 = 6 000.
    plan = plan_for(tmp_path, [primary_school("A", 1000, certified_teachers=97),
                               primary_school("B", 500, certified_teachers=50)], [CERTIFY])
    assert items(plan) == [("A", "certify", 3.0)]
    assert plan.total_cost == 6000
    v = plan.after.verdicts
    assert v[v.rule_id == "G12_school"].set_index("school_id")["outcome"].to_dict() == {"A": "pass", "B": "pass"}
    g = {x["rule"]: x for x in plan.verified["government"]}["G12_school"]
    assert (g["fail_before"], g["fail_after"]) == (1, 0)


def _g9_county(trained_a=90):
    # A: R3 = 7 PE teachers / 1 000 pupils × 100 = 0.7 < 0.85 × 0.9 = 0.765 (below the floor): one PE
    # teacher must be hired (8 → 0.8, the other six pass). County G9: (trained_a + 50) / 150 < 100 %.
    return [primary_school("A", 1000, pe_teachers_primary=7, certified_teachers=100,
                           trained_360h_teachers=trained_a),
            primary_school("B", 500, certified_teachers=50, trained_360h_teachers=50)]


def test_g9_training_counts_the_teachers_the_plan_hires(tmp_path):
    # After the hire A has 101 teachers: G9 needs 151 trained of 151, so 11 at A (B has none left to
    # train): the 10 untrained ones and the new PE teacher (the cap with_plan counts the hire).
    # By hand: 100 000 + 11 × 1 500 = 116 500.
    plan = plan_for(tmp_path, _g9_county(), [HIRE_PE, TRAIN])
    assert items(plan) == [("A", "hire_pe", 1.0), ("A", "train", 11.0)]
    assert plan.total_cost == 116500
    assert plan.verified["all_pass"]
    v = plan.after.verdicts
    assert v[v.rule_id == "G9"]["outcome"].tolist() == ["pass"]
    assert v[v.rule_id == "G9"]["value"].iloc[0] == pytest.approx(100.0)
    assert v[v.rule_id == "G12_school"]["outcome"].tolist() == ["pass", "pass"]  # the hire is certified


def test_g9_without_with_plan_the_hire_cannot_be_trained(tmp_path):
    # the same county with a cap on the records only (100 − 90 = 10 at A): 11 are needed, no plan; the
    # smallest relaxation is 11 at A
    train = dict(TRAIN, cap={"field": TEACHERS, "minus": "trained_360h_teachers"})
    out = to_json(plan_for(tmp_path, _g9_county(), [HIRE_PE, train]))
    inf = out["infeasible"][0]
    assert inf["status"] == "infeasible" and out["plan"] == []
    assert [(r["school_id"], r["action"], r["cap"], r["needed"]) for r in inf["relaxation"]] == \
        [("A", "train", 10.0, 11.0)]


def test_g9_already_met_is_kept(tmp_path):
    # every teacher trained: the hire must be trained too (G9 passed before and must pass after)
    plan = plan_for(tmp_path, _g9_county(trained_a=100), [HIRE_PE, TRAIN])
    assert items(plan) == [("A", "hire_pe", 1.0), ("A", "train", 1.0)]
    assert plan.total_cost == 101500
    assert not plan.verified["regressions"]


def test_g3_music_rooms_for_the_classes(tmp_path):
    # A: 36 classes need ceil(36 / 12) = 3 music rooms; it has one of ≥ 96 m². Two more (one alone changes
    # nothing: 2 < 3). B: 12 classes, one room: passes. By hand: 2 × 350 000 = 700 000; each room adds
    # 96 m² of teaching rooms (192 in all).
    plan = plan_for(tmp_path, [primary_school("A", 1000, classes_primary=36, **dict(ROOMS_OK, art_rooms_90=3)),
                               primary_school("B", 500, classes_primary=12, **ROOMS_OK)], [MUSIC])
    assert items(plan) == [("A", "music_room", 2.0)]
    assert plan.total_cost == 700000
    rows = plan.items.set_index("field")
    assert rows.loc["music_rooms_96", "add"] == 2 and rows.loc["teaching_aux_area", "add"] == 192
    v = plan.after.verdicts
    assert v[v.rule_id == "G3"]["outcome"].tolist() == ["pass"]
    g = {x["rule"]: x for x in plan.verified["government"]}["G3_music_school"]
    assert (g["fail_before"], g["fail_after"], g["not_reached"]) == (1, 0, 0)


def test_no_action_for_a_government_rule_leaves_it_unplanned(tmp_path):
    # A fails G12 (97 of 100) and the cost file cannot certify: nothing is planned for it, the plan
    # (nothing to do for the resources) is empty and G12 still fails, as the verification says
    plan = plan_for(tmp_path, [primary_school("A", 1000, certified_teachers=97),
                               primary_school("B", 500, certified_teachers=50)], [TRAIN])
    assert items(plan) == [] and plan.total_cost == 0
    assert all(x["rule"] != "G12_school" for x in plan.verified["government"])


def test_a_hire_does_not_plan_certification(tmp_path):
    # as test_g9_training_counts_the_teachers_the_plan_hires, but A has 97 certified of 100 (G12 fails)
    # and the cost file cannot certify: the certified hire does not raise A's share (101 · 100 % − 98 =
    # 3 short, as before), so G12 is not planned and the plan is the same hire and 11 trainings
    rows = _g9_county()
    rows[0]["certified_teachers"] = 97
    plan = plan_for(tmp_path, rows, [HIRE_PE, TRAIN])
    assert items(plan) == [("A", "hire_pe", 1.0), ("A", "train", 11.0)]
    assert [g["rule"] for g in plan.verified["government"]] == ["G9"]
    v = plan.after.verdicts
    assert v[(v.rule_id == "G12_school") & (v.school_id == "A")]["outcome"].tolist() == ["fail"]


def test_g3_rooms_at_a_school_whose_units_are_not_evaluable(tmp_path):
    # A messy file: A's equipment value is missing, so its primary unit is not_evaluable and left out of
    # the resource plan, but G3 (its 36 classes need ceil(36 / 12) = 3 music rooms, it has 1) is still
    # planned at A: 2 rooms, 2 × 350 000 = 700 000. A is the last school, so the room action's school
    # index lies beyond every planned unit's (this crashed with an IndexError before).
    plan = plan_for(tmp_path, [primary_school("B", 500, classes_primary=12, **ROOMS_OK),
                               primary_school("A", 1000, classes_primary=36, equipment_value=None,
                                              **dict(ROOMS_OK, art_rooms_90=3))], [MUSIC])
    assert items(plan) == [("A", "music_room", 2.0)]
    assert plan.total_cost == 700000
    out = to_json(plan)
    assert [u["school_id"] for u in out["excluded_units"]] == ["A"]
    g = {x["rule"]: x for x in out["verified"]["government"]}["G3_music_school"]
    assert (g["fail_before"], g["fail_after"]) == (1, 0)
    assert {u["school_id"]: u["outcome"] for u in out["verified"]["units"]} == {"B": "pass", "A": "not_evaluable"}


def test_outputs_name_the_changed_fields_in_words(tmp_path):
    # the G12 plan of test_g12_uncertified_teachers_are_certified: certify 3 at A changes certified_teachers,
    # shown as its catalogue label (standards/fields.yaml) in the table, the HTML and the XLSX; the XLSX keeps
    # the id beside it
    import io

    import openpyxl
    from rich.console import Console

    from junheng.plan.outputs import print_table, write_html, write_xlsx

    plan = plan_for(tmp_path, [primary_school("A", 1000, certified_teachers=97),
                               primary_school("B", 500, certified_teachers=50)], [CERTIFY])
    buf = io.StringIO()
    print_table(plan, Console(file=buf, width=200))
    assert "持有教师资格证的专任教师人数" in buf.getvalue() and "certified_teachers" not in buf.getvalue()
    page = io.StringIO()
    write_html(plan, page)
    assert "<td>持有教师资格证的专任教师人数</td>" in page.getvalue()
    write_xlsx(plan, tmp_path / "p.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "p.xlsx").worksheets[-1]
    head, row = [c.value for c in ws[1]], [c.value for c in ws[2]]
    assert row[head.index("field")] == "certified_teachers"
    assert row[head.index("字段")] == "持有教师资格证的专任教师人数"
    assert row[head.index("学段")] == "全校"
    en = io.StringIO()
    print_table(plan, Console(file=en, width=200), lang="en")
    assert "full-time teachers holding a teacher qualification certificate" in en.getvalue()
