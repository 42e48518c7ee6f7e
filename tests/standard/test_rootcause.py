"""One mistake, one error (issue 21): a derived condition written without type: condition is reported once,
at the derived value, with the number of its uses; not once per use."""
import pytest

from junheng.errors import StandardError
from junheng.standard.checker import compile_standard
from junheng.standard.loader import load_standard

CHILD = """\
id: q/casc
title: t
jurisdiction: {name: 测试}
version: "1"
extends: national/quality-2017
derived:
  in_resource_scope:
    override: true
    level: stage
TYPE
    expr: school_type not in ["特殊教育学校", "职业学校", "工读学校"]
"""


def _compile(tmp_path, type_line):
    (tmp_path / "q").mkdir(exist_ok=True)
    f = tmp_path / "q" / "casc.yaml"
    f.write_text(CHILD.replace("TYPE", type_line), encoding="utf-8")
    return compile_standard(load_standard(str(f), [str(tmp_path)]))


def test_condition_declared_as_number_is_one_error_with_the_count(tmp_path):
    with pytest.raises(StandardError) as exc:
        _compile(tmp_path, "    note: type forgotten")
    errs = exc.value.errors
    assert len(errs) == 1
    e = errs[0]
    # the national file has eight rules with applies_when: in_resource_scope (R1-R7, R_school), counted by grep
    assert "它被使用 8 处" in e.message and "type: condition" in e.message
    assert e.loc.line == 11 and "casc.yaml" in e.loc.file


def test_declared_condition_is_accepted(tmp_path):
    c = _compile(tmp_path, "    type: condition")
    assert "in_resource_scope" in c.deps["R1"].derived


def test_number_declared_as_condition_is_one_error(tmp_path):
    (tmp_path / "q").mkdir()
    f = tmp_path / "q" / "casc.yaml"
    f.write_text(CHILD.replace("TYPE", "    type: condition").replace(
        'school_type not in ["特殊教育学校", "职业学校", "工读学校"]', "compulsory_students * 2"), encoding="utf-8")
    with pytest.raises(StandardError) as exc:
        compile_standard(load_standard(str(f), [str(tmp_path)]))
    assert len(exc.value.errors) == 1
    assert "声明为条件，表达式却是数值" in exc.value.errors[0].message
