"""R1–R7, the 6-of-7 rule, the exact boundary and the nine-year split, against hand computation."""

import pytest

from conftest import primary_school
from junheng.evaluation.run import evaluate_files

STD = "national/quality-2017"


def verdict(run, rule, school=None, stage=None, county=None):
    v = run.verdicts
    sel = v[v.rule_id == rule]
    if school is not None:
        sel = sel[sel.school_id == school]
    if stage is not None:
        sel = sel[sel.stage == stage]
    if county is not None:
        sel = sel[sel.county_id == county]
    assert len(sel) == 1, (rule, school, stage, len(sel))
    return sel.iloc[0]


def test_r1_to_r7_values_by_hand(csv_writer):
    # 500 primary students:
    #   R1 (college 10 + bachelor 12 + master 1 + doctor 0) / 500 * 100 = 4.6
    #   R2 backbone 4 / 500 * 100 = 0.8
    #   R3 (pe 2 + music 1 + fine art 1 + art 1) / 500 * 100 = 1.0
    #   R4 (area 2600 - indoor 300) / 500 = 4.6
    #   R5 (gym 400 + ground 3100) / 500 = 7.0
    #   R6 1_050_000 / 500 = 2100
    #   R7 11 / 500 * 100 = 2.2
    row = dict(school_id="S1", school_name="一小", county_id="C1", school_type="小学", students_primary=500,
               teachers_college_primary=10, teachers_bachelor_primary=12, teachers_master_primary=1,
               teachers_doctor_primary=0, backbone_teachers_primary=4, pe_teachers_primary=2,
               music_teachers_primary=1, fine_art_teachers_primary=1, art_teachers_primary=1,
               teaching_aux_area=2600, indoor_sports_area=300, gym_area=400, sports_ground_area=3100,
               equipment_value=1_050_000, multimedia_rooms=11)
    run = evaluate_files(STD, csv_writer([row]))
    expected = {"R1": (4.6, 4.2, "pass"), "R2": (0.8, 1, "fail"), "R3": (1.0, 0.9, "pass"),
                "R4": (4.6, 4.5, "pass"), "R5": (7.0, 7.5, "fail"), "R6": (2100, 2000, "pass"),
                "R7": (2.2, 2.3, "fail")}
    for rid, (value, threshold, outcome) in expected.items():
        v = verdict(run, rid, "S1", "primary")
        assert v.value == pytest.approx(value), rid
        assert v.threshold == pytest.approx(threshold), rid
        assert v.outcome == outcome, rid
        assert v.citation_document == "教督〔2017〕6号"
    # R2 0.8 is 80% of 1 (< 85%): three failures, so the school rule fails
    assert verdict(run, "R_school", "S1", "primary").outcome == "fail"


def test_junior_thresholds_and_degree_rule(csv_writer):
    # junior counts bachelor and above only: (30 + 3 + 0) / 600 * 100 = 5.5 >= 5.3
    row = dict(school_id="J1", school_name="一中", county_id="C1", school_type="初中", students_junior=600,
               teachers_bachelor_junior=30, teachers_master_junior=3, teachers_doctor_junior=0,
               backbone_teachers_junior=6, pe_teachers_junior=3, music_teachers_junior=1,
               fine_art_teachers_junior=1, art_teachers_junior=1, teaching_aux_area=3600, indoor_sports_area=0,
               gym_area=1200, sports_ground_area=5000, equipment_value=1_500_000, multimedia_rooms=15)
    run = evaluate_files(STD, csv_writer([row]))
    assert verdict(run, "R1", "J1", "junior").value == pytest.approx(5.5)
    assert verdict(run, "R1", "J1", "junior").threshold == 5.3
    assert verdict(run, "R4", "J1", "junior").value == pytest.approx(6.0)       # 3600 / 600 vs 5.8
    assert verdict(run, "R5", "J1", "junior").value == pytest.approx(6200 / 600)  # 10.333 vs 10.2
    assert verdict(run, "R6", "J1", "junior").outcome == "pass"                 # 2500 >= 2500 exactly
    assert verdict(run, "R7", "J1", "junior").value == pytest.approx(2.5)
    assert set(run.verdicts[run.verdicts.level == "stage"].stage) == {"junior"}


def test_exact_boundary_passes(csv_writer):
    # 9 PE/art teachers for 1000 students: 9 / 1000 * 100 is 0.8999999999999999 in floats
    assert 9 / 1000 * 100 < 0.9
    row = primary_school("B1", pe_teachers_primary=3, music_teachers_primary=3, fine_art_teachers_primary=2,
                         art_teachers_primary=1)
    run = evaluate_files(STD, csv_writer([row]))
    v = verdict(run, "R3", "B1", "primary")
    assert v.outcome == "pass"
    assert v.margin == 0.0


def test_nine_year_split(csv_writer):
    # 600 primary + 400 junior, weights 1 : 1.1 → primary share = 600 / (600 + 1.1*400) = 600/1040
    # teaching area net of indoor sports: 8000 - 600 = 7400
    #   primary R4 = 7400 * 600/1040 / 600 = 7400/1040 = 7.11538...
    #   junior  R4 = 7400 * 440/1040 / 400 = 7.82692...
    row = dict(school_id="N1", school_name="九年制", county_id="C1", school_type="九年一贯制",
               students_primary=600, students_junior=400, teaching_aux_area=8000, indoor_sports_area=600,
               equipment_value=2_600_000)
    run = evaluate_files(STD, csv_writer([row]))
    assert verdict(run, "R4", "N1", "primary").value == pytest.approx(7400 / 1040)
    assert verdict(run, "R4", "N1", "junior").value == pytest.approx(7400 * 440 / 1040 / 400)
    # the two shares add up to the whole school's equipment
    p = verdict(run, "R6", "N1", "primary").value * 600
    j = verdict(run, "R6", "N1", "junior").value * 400
    assert p + j == pytest.approx(2_600_000)
    # teacher counts are per stage and not split: missing here → not evaluable, naming the field
    r1 = verdict(run, "R1", "N1", "junior")
    assert r1.outcome == "not_evaluable"
    assert "teachers_bachelor_junior" in r1.reason


def test_single_stage_campus_of_nine_year_school(csv_writer):
    # a nine-year campus with only primary pupils is a primary school: its whole area counts
    row = primary_school("N2", school_type="九年一贯制", students_junior=0)
    run = evaluate_files(STD, csv_writer([row]))
    v = run.verdicts
    stages = set(v[(v.school_id == "N2") & (v.level == "stage")].stage)
    assert stages == {"primary"}
    assert verdict(run, "R4", "N2", "primary").value == pytest.approx(5.0)


CASES = {
    # name: (overrides, expected R_school outcome)
    "all pass": ({}, "pass"),
    "6 pass, R2 at 90%": ({"backbone_teachers_primary": 9}, "pass"),
    "6 pass, R2 at 80% (below floor)": ({"backbone_teachers_primary": 8}, "fail"),
    "5 pass, two within floor": ({"backbone_teachers_primary": 9, "multimedia_rooms": 22}, "fail"),
    "5 pass, one within floor, one unknown": ({"backbone_teachers_primary": 9, "pe_teachers_primary": None},
                                              "not_evaluable"),
    "6 pass, one unknown": ({"pe_teachers_primary": None}, "not_evaluable"),
    "3 failures and one unknown": ({"backbone_teachers_primary": 9, "teaching_aux_area": 4300,
                                    "sports_ground_area": 7000, "teachers_master_primary": None}, "fail"),
    "5 pass, 1 unknown, 1 below floor": ({"backbone_teachers_primary": 5, "pe_teachers_primary": None}, "fail"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_six_of_seven_three_valued(csv_writer, name):
    over, expected = CASES[name]
    run = evaluate_files(STD, csv_writer([primary_school("K1", **over)]))
    v = verdict(run, "R_school", "K1", "primary")
    assert v.outcome == expected, (name, v.reason)
    if expected == "not_evaluable":
        assert "无法判定" in v.reason


def test_not_evaluable_names_the_missing_field(csv_writer):
    run = evaluate_files(STD, csv_writer([primary_school("M1", students_primary=None)]))
    # students_primary blank: the unit still exists by type, every ratio is not evaluable
    for rid in ("R1", "R2", "R3", "R4", "R5", "R6", "R7"):
        v = verdict(run, rid, "M1", "primary")
        assert v.outcome == "not_evaluable"
        assert "students_primary" in v.reason
    assert verdict(run, "R_school", "M1", "primary").outcome == "not_evaluable"


def test_invalid_cell_reason_is_reported(csv_writer):
    run = evaluate_files(STD, csv_writer([primary_school("X1", multimedia_rooms="二十")]))
    v = verdict(run, "R7", "X1", "primary")
    assert v.outcome == "not_evaluable"
    assert "multimedia_rooms" in v.reason and "二十" in v.reason
    # the other indicators are still evaluated
    assert verdict(run, "R1", "X1", "primary").outcome == "pass"


def test_division_by_zero_students_is_not_a_pass(csv_writer):
    run = evaluate_files(STD, csv_writer([primary_school("Z1", school_type="九年一贯制", students_junior=0,
                                                         students_primary=100, teaching_aux_area=0,
                                                         indoor_sports_area=0)]))
    assert verdict(run, "R4", "Z1", "primary").outcome == "fail"  # 0 m² per student is a real failure
