"""Small synthetic counties for the planner tests: every indicator passes comfortably unless a test
changes it, so the test's hand computation only has to follow the fields it changes."""
from __future__ import annotations

import pandas as pd
import yaml

STD = "national/quality-2017"


def primary_school(sid, students, **over):
    """A primary school where R1–R7 all pass with room to spare (values per 100 students / per student)."""
    p = students / 100
    row = {
        "school_id": sid, "school_name": f"学校{sid}", "county_id": "C1", "school_type": "小学",
        "students_primary": students, "teachers_primary": round(10 * p),
        "teachers_college_primary": 0, "teachers_bachelor_primary": round(6 * p),
        "teachers_master_primary": 0, "teachers_doctor_primary": 0,
        "backbone_teachers_primary": round(2 * p), "pe_teachers_primary": round(2 * p),
        "music_teachers_primary": 0, "fine_art_teachers_primary": 0, "art_teachers_primary": 0,
        "teaching_aux_area": 6 * students, "indoor_sports_area": 0, "gym_area": 0,
        "sports_ground_area": 10 * students, "equipment_value": 3000 * students,
        "multimedia_rooms": round(3 * p),
    }
    row.update(over)
    return row


def nine_year_school(sid, primary, junior, **over):
    row = primary_school(sid, primary)
    q = junior / 100
    row.update({
        "school_type": "九年一贯制", "students_junior": junior, "teachers_junior": round(10 * q),
        "teachers_bachelor_junior": round(7 * q), "teachers_master_junior": 0, "teachers_doctor_junior": 0,
        "backbone_teachers_junior": round(2 * q), "pe_teachers_junior": round(2 * q),
        "music_teachers_junior": 0, "fine_art_teachers_junior": 0, "art_teachers_junior": 0,
        "teaching_aux_area": 8 * (primary + junior), "sports_ground_area": 12 * (primary + junior),
        "equipment_value": 3000 * (primary + junior), "multimedia_rooms": round(3 * (primary + junior) / 100),
    })
    row.update(over)
    return row


def county_frames(rows):
    schools = pd.DataFrame(rows)
    counties = pd.DataFrame([{"county_id": c, "county_name": f"县{c}"} for c in sorted(schools["county_id"].unique())])
    return schools, counties


def write_costs(tmp_path, actions, limits=(), name="costs.yaml"):
    p = tmp_path / name
    p.write_text(yaml.safe_dump({"actions": list(actions), "limits": list(limits)}, allow_unicode=True),
                 encoding="utf-8")
    return p


ROOM = {"id": "room", "name": "网络多媒体教室", "unit": "间", "cost": 60000, "integer": True,
        "adds": {"multimedia_rooms": 1}}
BACKBONE = {"id": "backbone", "name": "培养骨干教师", "unit": "人", "cost": 8000, "integer": True,
            "adds": {"backbone_teachers_primary": 1},
            "cap": {"field": "teachers_primary", "minus": "backbone_teachers_primary"}}
GROUND = {"id": "ground", "name": "体育场", "unit": "平方米", "cost": 400, "integer": False,
          "adds": {"sports_ground_area": 1}}
