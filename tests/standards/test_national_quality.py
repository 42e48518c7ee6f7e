"""national/quality-2017 against hand computation (arithmetic in the comments).

The base county (one primary school S1, one junior school S2, county C1, all items met) is the one of
standards/national/tests/quality-2017.yaml, so the two kinds of tests describe the same county.
"""
import copy
import json
from pathlib import Path

import pytest
import yaml

from junheng.evaluation.run import evaluate_files
from junheng.tools.stdtest import _cell

ROOT = Path(__file__).resolve().parents[2]
STD = "national/quality-2017"
BASE = yaml.safe_load((ROOT / "standards/national/tests/quality-2017.yaml").read_text(encoding="utf-8"))


def rows(which, **patch):
    out = copy.deepcopy(BASE[which])
    key = "school_id" if which == "schools" else "county_id"
    for rid, changes in patch.items():
        for r in out:
            if r[key] == rid:
                r.update(changes)
    return [{k: _cell(v) for k, v in r.items() if v is not None} for r in out]


def run(tmp_path, schools=None, counties=None, as_of=None):
    sp, cp = tmp_path / "schools.json", tmp_path / "counties.json"
    sp.write_text(json.dumps(schools if schools is not None else rows("schools"), ensure_ascii=False), "utf-8")
    cp.write_text(json.dumps(counties if counties is not None else rows("counties"), ensure_ascii=False), "utf-8")
    return evaluate_files(STD, str(sp), str(cp), as_of)


def v(r, rule, school=None, stage=None):
    df = r.verdicts[r.verdicts.rule_id == rule]
    if school:
        df = df[df.school_id == school]
    if stage:
        df = df[df.stage == stage]
    assert len(df) == 1, (rule, school, stage, len(df))
    return df.iloc[0]


# ------------------------------------------------------------------ 2019 transitional size relaxation

def test_2350_students_built_2008_pass_in_2020_fail_in_2025(tmp_path):
    schools = rows("schools", S1={"students_primary": 2350, "built_year": 2008})
    # 2020-09-01 lies in the 2019-2022 window; built 2008 <= 2010 -> limit G4_size_max_relaxed_single = 2400
    r = run(tmp_path, schools, as_of="2020-09-01")
    row = v(r, "G4_school", "S1")
    assert row.outcome == "pass" and row.value == 2350 and row.threshold == 2400
    assert row.threshold_param == "G4_size_max_relaxed_single"
    assert "阈值取自参数 G4_size_max_relaxed_single" in row.reason and "2019-01-01 ~ 2022-12-31" in row.reason
    # 2025-09-01: the relaxation is not in force -> limit 2000; 2350 > 2000
    r = run(tmp_path, schools, as_of="2025-09-01")
    row = v(r, "G4_school", "S1")
    assert row.outcome == "fail" and row.threshold == 2000 and row.threshold_param == "G4_size_max_single"
    assert "阈值取自参数 G4_size_max_single" in row.reason
    assert v(r, "G4", None).outcome == "fail"
    assert v(r, "area_government").outcome == "fail" and v(r, "county").outcome == "fail"


def test_no_as_of_uses_the_current_full_thresholds(tmp_path):
    # without --as-of only versions without an end date are in force: the 2019 relaxations (ending 2022) are not
    r = run(tmp_path, rows("schools", S1={"students_primary": 2350, "built_year": 2008}))
    assert v(r, "G4_school", "S1").threshold == 2000


def test_migrant_share_relaxation_is_strictly_over_half(tmp_path):
    # 1176 / 2350 * 100 = 50.04 > 50 -> 2400; 1175 / 2350 * 100 = 50.0 is not over 50 -> 2000
    r = run(tmp_path, rows("schools", S1={"students_primary": 2350, "migrant_students": 1176}), as_of="2021-01-01")
    assert v(r, "G4_school", "S1").threshold == 2400
    r = run(tmp_path, rows("schools", S1={"students_primary": 2350, "migrant_students": 1175}), as_of="2021-01-01")
    assert v(r, "G4_school", "S1").threshold == 2000


def test_music_room_relaxation_and_required_rooms(tmp_path):
    # 30 classes -> ceil(30/12) = 3 rooms needed; rooms: one >= 96, two 73-96 -> the 3 best all reach band 73
    schools = rows("schools", S1={"classes_primary": 30, "music_rooms_96": 1, "music_rooms_73": 2})
    r = run(tmp_path, schools, as_of="2020-09-01")  # built 2015 <= 2016, in the window -> 73
    row = v(r, "G3_music_school", "S1")
    assert (row.outcome, row.value, row.threshold, row.threshold_param) == \
        ("pass", 73, 73, "G3_music_room_area_min_2016")
    # art rooms: 2 rooms >= 90 for 3 needed -> band 0 -> fail whatever the version
    assert v(r, "G3_art_school", "S1").outcome == "fail" and v(r, "G3_art_school", "S1").value == 0
    r = run(tmp_path, schools, as_of="2023-01-01")
    assert v(r, "G3_music_school", "S1").outcome == "fail" and v(r, "G3_music_school", "S1").threshold == 96


def test_visiting_teachers_count_towards_r3_only_in_the_window(tmp_path):
    # 60 pupils, 0 own PE/art teachers + 1 visiting: 1/60*100 = 1.6667 in the window, 0 after it
    schools = rows("schools", S1={"students_primary": 60, "pe_teachers_primary": 0, "music_teachers_primary": 0,
                                  "fine_art_teachers_primary": 0, "rural_small_50_99": True,
                                  "visiting_pe_art_teachers_primary": 1})
    r = run(tmp_path, schools, as_of="2019-06-01")
    assert v(r, "R3", "S1").value == pytest.approx(100 / 60)
    r = run(tmp_path, schools, as_of="2023-06-01")
    assert v(r, "R3", "S1").value == 0 and v(r, "R3", "S1").outcome == "fail"


# ------------------------------------------------------------------ county items computed by hand

def test_retention_summed_over_reporting_schools(tmp_path):
    # S2: 260 graduates, 270 in grade 7, 5 in, 3 out, 0 deaths; S4 (like S2): 100, 110, 2, 1, 1
    # (260 + 100 - (5 + 2) + (3 + 1)) / ((270 + 110) - (0 + 1)) * 100 = 357 / 379 * 100 = 94.1953...
    schools = rows("schools")
    s4 = dict(schools[1], school_id="S4", graduates=100, grade7_enrolment=110, transfers_in=2, transfers_out=1,
              deaths=1)
    r = run(tmp_path, schools + [s4])
    row = v(r, "Q1")
    assert row.value == pytest.approx(357 / 379 * 100) and row.outcome == "fail"


def test_small_nine_year_school_funding_weighted_by_stage(tmp_path):
    # 60 primary + 30 junior = 90 < 100: budget >= 100 * (60*650 + 30*850) / 90 = 100 * 64500 / 90 = 71666.67
    schools = rows("schools", S1={"school_type": "九年一贯制", "students_primary": 60, "students_junior": 30,
                                  "public_funds_budget": 71700})
    r = run(tmp_path, schools)
    row = v(r, "G6_school", "S1")
    assert row.threshold == pytest.approx(6450000 / 90) and row.outcome == "pass"


def test_training_completion_is_county_sum(tmp_path):
    # (60 + 69) / (60 + 70) * 100 = 99.2308 < 100
    r = run(tmp_path, rows("schools", S2={"trained_360h_teachers": 69}))
    assert v(r, "G9").value == pytest.approx(129 / 130 * 100) and v(r, "G9").outcome == "fail"


# ------------------------------------------------------------------ vetoes and three-valued area verdicts

def test_base_county_passes(tmp_path):
    r = run(tmp_path)
    for rule in ("area_resources", "area_government", "area_quality", "area_recognition", "county"):
        assert v(r, rule).outcome == "pass", rule


def test_a_veto_decides_the_county_and_is_named(tmp_path):
    counties = rows("counties", C1={"veto_safety_incident": True})
    r = run(tmp_path, counties=counties)
    assert all(v(r, a).outcome == "pass" for a in ("area_resources", "area_government", "area_quality",
                                                  "area_recognition"))
    row = v(r, "county")
    assert row.outcome == "fail"
    assert "V_safety_incident（一票否决：无重大安全责任事故）" in row.reason


def test_a_veto_fails_the_county_even_when_areas_are_unknown(tmp_path):
    counties = rows("counties", C1={"veto_exam_admission": True, "social_recognition": None, "layout_ok": None})
    r = run(tmp_path, counties=counties)
    assert v(r, "area_recognition").outcome == "not_evaluable"
    assert v(r, "area_government").outcome == "not_evaluable"
    assert v(r, "county").outcome == "fail" and "V_exam_admission" in v(r, "county").reason


def test_known_failure_beats_unknown_and_unknown_is_never_pass(tmp_path):
    # G14 fails (499/1000 = 49.9 < 50) while G8 is unknown -> area_government fails
    r = run(tmp_path, counties=rows("counties", C1={"senior_quota_allocated": 499, "teacher_avg_pay": None}))
    assert v(r, "G8").outcome == "not_evaluable" and v(r, "G14").outcome == "fail"
    assert v(r, "area_government").outcome == "fail" and v(r, "county").outcome == "fail"
    # only G8 unknown -> not evaluable, never pass
    r = run(tmp_path, counties=rows("counties", C1={"teacher_avg_pay": None}))
    assert v(r, "area_government").outcome == "not_evaluable" and v(r, "county").outcome == "not_evaluable"
    # an unknown school indicator makes area_resources not evaluable
    r = run(tmp_path, rows("schools", S2={"equipment_value": None}))
    assert v(r, "R6", "S2").outcome == "not_evaluable"
    assert v(r, "area_resources").outcome == "not_evaluable" and v(r, "county").outcome == "not_evaluable"
