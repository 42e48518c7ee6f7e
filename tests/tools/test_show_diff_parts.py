"""show and diff tell the whole change of a province (issue 21): applies_when, derived values, field
definitions, the difference of an override from its parent; field redefinitions need override: true."""
import json

import pytest

import junheng.cli.main as cli
from junheng.errors import StandardError
from junheng.standard.loader import load_standard
from junheng.tools.diff import run_diff

CHILD = """\
id: p/redef
title: t
jurisdiction: {name: 测试}
version: "1"
extends: national/quality-2017
documents:
  d1: {number: 测试〔2024〕1号, source_status: secondary}
fields:
  school:
    school_type:
      OVERRIDE
      type: category
      label: 学校类型
      values: [小学, 初中, 九年一贯制, 十二年一贯制, 完全中学, 教学点, 特殊教育学校, 职业学校, 工读学校]
      citation: {document: d1, article: 第1条}
derived:
  in_resource_scope:
    override: true
    level: stage
    type: condition
    expr: school_type not in ["特殊教育学校", "职业学校", "工读学校"]
rules:
  - id: R2
    override: true
    applies_when: in_resource_scope and students >= 10
    citation: {document: d1, article: 第2条, source_status: secondary}
"""


@pytest.fixture
def std_dir(tmp_path):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "redef.yaml").write_text(CHILD.replace("OVERRIDE", "override: true"), encoding="utf-8")
    return tmp_path


def test_field_redefinition_needs_override(tmp_path):
    (tmp_path / "p").mkdir()
    f = tmp_path / "p" / "redef.yaml"
    f.write_text(CHILD.replace("OVERRIDE", "note: 忘了写 override"), encoding="utf-8")
    with pytest.raises(StandardError) as exc:
        load_standard(str(f), [str(tmp_path)])
    text = str(exc.value)
    assert "字段 'school_type' 已在" in text and "override: true" in text and "redef.yaml:10:5" in text


def test_diff_lists_fields_derived_and_applies_when_without_none(std_dir):
    doc = run_diff("national/quality-2017", "p/redef", None, dirs=[str(std_dir)])
    f = {x["id"]: x for x in doc["fields"]}
    assert f["school_type"]["change"] == "changed" and f["school_type"]["what"] == ["values"]
    assert "工读学校" in f["school_type"]["words"]
    d = {x["id"]: x for x in doc["derived"]}
    assert "expr" in d["in_resource_scope"]["what"]
    r = {x["id"]: x for x in doc["rules"]}
    assert "适用条件：in_resource_scope → in_resource_scope and students >= 10" in r["R2"]["words"]
    # a rule that gains an applies_when: the old side is "（无）", never Python's None
    doc2 = run_diff("p/redef", "national/quality-2017", None, dirs=[str(std_dir)])
    assert all("None" not in x["words"] for x in doc["rules"] + doc2["rules"] + doc["derived"] + doc2["derived"])


def test_show_gives_applies_when_derived_fields_and_the_override_change(std_dir, capsys):
    assert cli.main(["show", "p/redef", "--standards-dir", str(std_dir), "--format", "json"]) == 0
    view = json.loads(capsys.readouterr().out)
    r2 = next(r for r in view["rules"] if r["id"] == "R2")
    assert r2["applies_when"] == "in_resource_scope and students >= 10"
    assert r2["changed"] == "适用条件：in_resource_scope → in_resource_scope and students >= 10"
    d = next(x for x in view["derived"] if x["id"] == "in_resource_scope")
    assert d["type"] == "condition" and "工读学校" in d["expr"] and "教学点" in d["changed"]
    st = next(x for x in view["fields"] if x["id"] == "school_type")
    assert st["overrode"] and "fields.yaml" in st["overrode"][0]
    assert cli.main(["show", "p/redef", "--standards-dir", str(std_dir), "--only", "R2"]) == 0
    out = capsys.readouterr().out
    assert "改动" in out and "适用条件" in out
    assert cli.main(["show", "p/redef", "--standards-dir", str(std_dir), "--only", "in_resource_scope",
                     "school_type"]) == 0
    out = capsys.readouterr().out
    assert "派生值" in out and "学段" in out and "工读学校" in out and "fields.yaml" in out
