"""Unknown names get "did you mean" (issue 19): field ids, parameters, rule ids, function names; a typo inside an
aggregate or in an at_least list says the name is unknown, not a level message. zh and en."""
from __future__ import annotations

from pathlib import Path

import pytest

from junheng.errors import StandardError
from junheng.standard.checker import compile_standard
from junheng.standard.loader import load_standard
from junheng.standard.suggest import closest

ROOT = Path(__file__).resolve().parents[2]
GOOD = (ROOT / "standards/national/quality-2017.yaml").read_text(encoding="utf-8")


def errors_with(tmp_path, old, new):
    text = GOOD.replace("id: national/quality-2017", "id: test/typo")
    assert old in text, old
    text = text.replace(old, new, 1)
    p = tmp_path / "typo.yaml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(StandardError) as exc:
        compile_standard(load_standard(str(p), collect=True))
    i = text.index(new)
    return exc.value.errors, text.count("\n", 0, i) + 1, i - text.rfind("\n", 0, i)


CASES = [
    # (text in the national standard, the typo, where the typo starts in it, zh message, en message)
    ("G4 and G5 and G6", "G4 and G51 and G6", 7,
     "未知的名称 'G51'（不是字段、参数、派生字段或规则），是不是 G5？",
     "unknown name 'G51' (not a field, parameter, derived value or rule); did you mean G5?"),
    ("    threshold: R4_min\n", "    threshold: R4_mni\n", 15,
     "未知的名称 'R4_mni'（不是字段、参数、派生字段或规则），是不是 R4_min？",
     "unknown name 'R4_mni' (not a field, parameter, derived value or rule); did you mean R4_min?"),
    ("value: teaching_room_area / students", "value: teaching_room_aera / students", 7,
     "未知的名称 'teaching_room_aera'（不是字段、参数、派生字段或规则），是不是 teaching_room_area？",
     "unknown name 'teaching_room_aera' (not a field, parameter, derived value or rule); did you mean "
     "teaching_room_area?"),
    ("condition: all(G5_school)", "condition: all(G5_schol)", 15,
     "未知的名称 'G5_schol'（不是字段、参数、派生字段或规则），是不是 G5_school？",
     "unknown name 'G5_schol' (not a field, parameter, derived value or rule); did you mean G5_school?"),
    ("[R1, R2, R3, R4, R5, R6, R7]", "[R1, R2, R3, R41, R5, R6, R7]", 13,
     "未知的规则编号 'R41'，是不是 R4？", "unknown rule id 'R41'; did you mean R4?"),
    ("value: weighted_cv(value(R3), weight = students)", "value: weighted_cv(value(R3x), weight = students)", 25,
     "未知的规则编号 'R3x'，是不是 R3？", "unknown rule id 'R3x'; did you mean R3?"),
    ("value: weighted_cv(value(R3), weight = students)", "value: weightd_cv(value(R3), weight = students)", 7,
     "未知的函数 'weightd_cv'，是不是 weighted_cv？", "unknown function 'weightd_cv'; did you mean weighted_cv?"),
    # a misspelt required argument: one message (not also "weighted_cv needs weight=")
    ("value: weighted_cv(value(R3), weight = students)", "value: weighted_cv(value(R3), wieght = students)", 30,
     "函数 weighted_cv 没有参数 'wieght'，是不是 weight？",
     "weighted_cv has no argument 'wieght'; did you mean weight?"),
]


@pytest.mark.parametrize("old,new,offset,zh,en", CASES)
def test_one_unknown_name_message_with_did_you_mean(tmp_path, old, new, offset, zh, en):
    errs, line, col = errors_with(tmp_path, old, new)
    col += offset - (1 if new.startswith("\n") else 0)
    assert len(errs) == 1, [e.render() for e in errs]
    e = errs[0]
    assert (e.loc.line, e.loc.col) == (line, col)
    assert str(e.message) == zh
    assert e.message.in_lang("en") == en


def test_unknown_stage_with_did_you_mean(tmp_path):
    errs, line, _col = errors_with(tmp_path, "  - id: R4\n    level: stage\n",
                                   "  - id: R4\n    level: stage\n    stages: [primay]\n")
    assert len(errs) == 1 and errs[0].loc.line == line  # at the rule
    assert str(errs[0].message) == "未知的学段 'primay'，是不是 primary？"
    assert errs[0].message.in_lang("en") == "unknown stage 'primay'; did you mean primary?"


def test_a_chinese_label_where_the_id_belongs_names_the_id(tmp_path):
    errs, line, _col = errors_with(tmp_path, "value: teaching_room_area / students",
                                   "value: 教学及辅助用房总面积 / students")
    assert len(errs) == 1 and errs[0].loc.line == line
    assert str(errs[0].message) == "'教学及辅助用房总面积' 是字段的中文名，表达式里请写字段编号 teaching_aux_area"


def test_closest_prefers_the_longer_shared_beginning_and_gives_nothing_far():
    assert closest("G51", ["G1", "G5", "G15"]) == "G5"
    assert closest("G51", ["G1", "G5", "G51x"]) == "G51x"  # one letter more is closer than one less
    assert closest("R4_mni", ["R4_min", "R4_max", "R5_min"]) == "R4_min"
    assert closest("zzz", ["R4_min", "students"]) is None
    assert closest("G5", ["G5"]) is None  # the name itself is no suggestion
