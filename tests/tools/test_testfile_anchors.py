"""Test files may reuse rows with YAML anchors (and a base: section); standard files still refuse them,
and the refusal names the right kind of file (issue 21)."""
from pathlib import Path

import pytest

from junheng.errors import StandardError
from junheng.standard.yamlsafe import load_yaml_text
from junheng.tools.stdtest import run_file

ROOT = Path(__file__).resolve().parents[2]
NAT = (ROOT / "standards" / "national" / "tests" / "quality-2017.yaml").read_text(encoding="utf-8")


def test_standard_file_refuses_anchors_and_says_standard_file():
    with pytest.raises(StandardError) as exc:
        load_yaml_text("a: &x 1\nb: *x\n", "s.yaml")
    assert "标准文件" in str(exc.value) and "s.yaml:1:" in str(exc.value)


def test_alias_bomb_is_bounded_in_test_files():
    lines = ["a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    for i in range(1, 8):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i-1}"] * 10) + "]")
    with pytest.raises(StandardError) as exc:
        load_yaml_text("\n".join(lines) + "\n", "t.yaml", test_file=True)
    text = str(exc.value)
    assert "值过多" in text and "标准文件" not in text


def test_a_base_row_extended_by_cases(tmp_path):
    head, cases = NAT.split("\ncases:\n", 1)
    body = head.replace("standard: national/quality-2017", "standard: national/quality-2017") + """
base:
  - &tp {school_id: T0, school_name: 教学点, county_id: C1, school_type: 教学点, students_primary: 50,
         in_zone_students_primary: 50, classes_primary: 3, max_class_size_primary: 20, teachers_primary: 5,
         teachers_college_primary: 1, teachers_bachelor_primary: 4, teachers_master_primary: 0,
         teachers_doctor_primary: 0, backbone_teachers_primary: 1, certified_teachers: 5, trained_360h_teachers: 5}
cases:
  - name: two teaching points from one base row
    as_of: 2025-09-01
    add:
      schools:
        - {<<: *tp, school_id: T50}
        - {<<: *tp, school_id: T49, students_primary: 49, in_zone_students_primary: 49}
    expect:
      - {rule: R1, school: T50, outcome: pass, value: 10}
      - {rule: R1, school: T49, outcome: not_applicable}
"""
    d = tmp_path / "tests"
    d.mkdir()
    p = d / "quality-2017.yaml"
    p.write_text(body, encoding="utf-8")
    res = run_file(p)
    assert not res.error, res.error
    assert [c.ok for c in res.checks] == [True, True], [c.message for c in res.checks]
