"""A small synthetic data set in which every county passes national/quality-2017 (every school alike,
so every CV is 0); tests then change one county field at a time. ALL DATA SYNTHETIC (合成数据):
no school or county here is real.
"""
import sys
from pathlib import Path

import pandas as pd


def passing_data(n_counties=3, per=4, seed=3):
    rows = []
    for ci in range(1, n_counties + 1):
        for si in range(1, per + 1):
            rows.append({"school_id": f"SYN{ci:04d}-{si:03d}", "school_name": f"合成学校{ci}-{si}",
                         "county_id": f"SYN{ci:04d}", "school_type": "小学" if si % 2 == 1 else "初中",
                         "urban_rural": "城区", "ownership": "公办", "boarding": "否", "built_year": 2012,
                         "dense_central_city": "否", "rural_small_50_99": "否", "rural_small_under30": "否"})
    s = pd.DataFrame(rows)
    c = pd.DataFrame({"county_id": [f"SYN{ci:04d}" for ci in range(1, n_counties + 1)],
                      "county_name": [f"合成县{ci}" for ci in range(1, n_counties + 1)]})
    prim = s["school_type"] == "小学"
    n = 600
    for col in s.columns:
        if col.endswith("_senior"):
            s[col] = None
    def per_stage(col, pv, jv):
        s[col + "_primary"] = [pv if p else None for p in prim]
        if col + "_junior" in s.columns or jv is not None:
            s[col + "_junior"] = [None if p else jv for p in prim]
    per_stage("students", n, n)
    per_stage("in_zone_students", n, n)
    per_stage("classes", 15, 15)
    per_stage("max_class_size", 40, 40)
    per_stage("classes_over_limit", 0, 0)
    per_stage("teachers", 60, 70)
    per_stage("teachers_college", 20, None)
    per_stage("teachers_bachelor", 30, 50)
    per_stage("teachers_master", 5, 5)
    per_stage("teachers_doctor", 0, 0)
    per_stage("teachers_senior_title", 30, 30)
    per_stage("backbone_teachers", 10, 10)
    per_stage("pe_teachers", 3, 3)
    per_stage("music_teachers", 2, 2)
    per_stage("fine_art_teachers", 2, 2)
    per_stage("art_teachers", 0, 0)
    per_stage("visiting_pe_art_teachers", 0, 0)
    s["migrant_students"] = 0
    s["certified_teachers"] = [60 if p else 70 for p in prim]
    s["trained_360h_teachers"] = [60 if p else 70 for p in prim]
    s["teaching_aux_area"] = 6 * n + 500
    s["indoor_sports_area"] = 500
    s["gym_area"] = 2000
    s["sports_ground_area"] = 11 * n
    s["leased_sports_area"] = 0
    s["other_sports_area"] = 0
    s["equipment_value"] = 3000 * n
    s["multimedia_rooms"] = 20
    s["music_rooms_96"] = 2; s["music_rooms_73"] = 0; s["music_rooms_61"] = 0
    s["art_rooms_90"] = 2; s["art_rooms_67"] = 0; s["art_rooms_61"] = 0
    s["public_funds_budget"] = 1_000_000
    s["training_funds_budget"] = 60_000
    s["graduates"] = [None if p else 200 for p in prim]
    s["grade7_enrolment"] = [None if p else 200 for p in prim]
    s["transfers_in"] = [None if p else 0 for p in prim]
    s["transfers_out"] = [None if p else 0 for p in prim]
    s["deaths"] = [None if p else 0 for p in prim]
    for col in ["layout_ok", "standards_unified", "staffing_allocated", "left_behind_care", "charter_and_digital",
                "ict_use_ok", "moral_education_ok", "curriculum_ok", "homework_ok", "monitoring_level_ok"]:
        c[col] = "是"
    for col in ["veto_exam_admission", "veto_school_choice", "veto_key_schools", "veto_unfilled_posts",
                "veto_safety_incident", "veto_falsified_data"]:
        c[col] = "否"
    c["funding_baseline_primary"] = 1200; c["funding_baseline_junior"] = 1400
    c["special_ed_funds"] = 900_000; c["special_ed_students"] = 100
    c["teacher_avg_pay"] = 100_000; c["civil_servant_avg_pay"] = 90_000
    c["performance_pay_full"] = "是"
    c["rotation_eligible"] = 100; c["rotated"] = 15; c["rotated_backbone"] = 5
    c["senior_quota_total"] = 1000; c["senior_quota_allocated"] = 650
    c["migrant_eligible"] = 100; c["migrant_in_public"] = 90; c["migrant_in_purchased"] = 5
    c["disabled_children"] = 100; c["disabled_enrolled"] = 98
    c["retention_rate"] = 99; c["monitoring_diff_rate"] = 0.1; c["social_recognition"] = 90
    return s, c

if __name__ == "__main__":
    s, c = passing_data()
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    s.to_csv(out / "schools.csv", index=False)
    c.to_csv(out / "counties.csv", index=False)
