"""Schema errors in the user's words (issue 19): every validator kind of schemas/standard.schema.json has a Chinese
rendering without JSON type names or regular expressions; numbers with a unit are told to drop it; zh and en."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from junheng.errors import StandardError
from junheng.standard.loader import load_standard
from junheng.standard.schema_messages import RENDER

ROOT = Path(__file__).resolve().parents[2]
HEAD = ["id: demo/schema", "title: 示例", 'version: "1"', "jurisdiction: {name: 测试}",
        "documents:", "  d: {title: 某文件, source_status: secondary}"]


def errors_of(tmp_path, *lines):
    p = tmp_path / "s.yaml"
    p.write_text("\n".join(HEAD + list(lines)) + "\n", encoding="utf-8")
    with pytest.raises(StandardError) as exc:
        load_standard(str(p))
    return exc.value.errors


def param(value_line):
    return ["parameters:", "  P:", "    unit: 平方米", value_line,
            "    citation: {document: d, article: 第1条}", "    source_status: secondary"]


@pytest.mark.parametrize("written,unit,number", [("4.5平方米", "平方米", "4.5"), ("4.5 m2", "m2", "4.5"),
                                                 ("5人", "人", "5")])
def test_a_number_with_its_unit_is_told_to_drop_the_unit(tmp_path, written, unit, number):
    errs = errors_of(tmp_path, *param(f"    value: {written}"))
    assert len(errs) == 1
    e = errs[0]
    assert (e.loc.line, e.loc.col) == (10, 5)  # the line of "value:" (6 head lines, 3 before it)
    assert str(e.message) == (f"应为数字，去掉单位“{unit}”（写 {number}，不写 “{written}”）"
                              "（位置：parameters → P → value）")
    assert e.message.in_lang("en") == (f"must be a number: drop the unit “{unit}” (write {number}, not “{written}”) "
                                       "(at parameters → P → value)")


def test_a_stage_value_with_a_unit(tmp_path):
    errs = errors_of(tmp_path, *param("    values: {primary: 4.5平方米, junior: 5.8}"))
    assert [str(e.message) for e in errs] == [
        "应为数字，去掉单位“平方米”（写 4.5，不写 “4.5平方米”）（位置：parameters → P → values → primary）"]


def test_unknown_key_enum_pattern_and_range_in_plain_words(tmp_path):
    errs = errors_of(tmp_path, "parameters:", "  P:", "    unti: 平方米", "    value: 4.5",
                     "    citation: {document: d, article: 第1条}", "    source_status: verifed",
                     "rules:", "  - id: 1x", "    level: stag", "    round: 11", "    veto: 是",
                     "    citation: {document: d}")
    by_line = {e.loc.line: str(e.message) for e in errs}
    assert by_line[9].startswith("这里不能写“unti”；是不是“unit”？（可以写：name、name_en、unit、")
    assert by_line[12] == ("只能是 “verified”、“secondary”、“recalled” 之一，这里是 “verifed”；是不是“verified”？"
                           "（位置：parameters → P → source_status）")
    assert by_line[14] == ("规则编号只能用英文字母、数字和下划线，并以字母开头（如 R4、G_veto）：“1x”"
                           "（位置：rules → [1] → id）")
    assert by_line[15].startswith("只能是 “stage”、“school”、“county” 之一，这里是 “stag”；是不是“stage”？")
    assert by_line[16] == "不能大于 10，这里是 11（位置：rules → [1] → round）"
    assert by_line[17] == "应为“true”或“false”，这里是 “是”（位置：rules → [1] → veto）"
    for e in errs:  # no JSON type name, no regular expression, in either language
        for text in (str(e.message), e.message.in_lang("en")):
            assert not re.search(r"\b(number|string|object|array|integer)\b|\^|\$|\\d", text), text


def test_a_key_slipped_left_beside_the_parameter_ids(tmp_path):
    errs = errors_of(tmp_path, "parameters:", "  P:", "    unit: 平方米", "    value: 4.5",
                     "    citation: {document: d, article: 第1条}", "  source_status: secondary")
    assert len(errs) == 1 and (errs[0].loc.line, errs[0].loc.col) == (12, 3)
    assert str(errs[0].message) == ("“source_status”与 parameters 下的编号对齐了：它属于上面那一项，"
                                    "请缩进到与上一行的键对齐")


VALIDATION = {"type", "enum", "const", "required", "additionalProperties", "pattern", "minimum", "maximum",
              "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "minProperties", "maxProperties",
              "minItems", "maxItems", "uniqueItems", "oneOf", "anyOf", "allOf", "not", "multipleOf", "format"}


def validator_kinds(node, kinds):
    """The validation keywords a schema uses (property names are names, not keywords)."""
    for k, v in node.items():
        if k in VALIDATION and not (k == "additionalProperties" and v is not False):
            kinds.add(k)
        if k in ("properties", "$defs"):
            for sub in v.values():
                validator_kinds(sub, kinds)
        elif k in ("items", "additionalProperties", "propertyNames", "not") and isinstance(v, dict):
            validator_kinds(v, kinds)
        elif k in ("oneOf", "anyOf", "allOf"):
            for sub in v:
                validator_kinds(sub, kinds)
    return kinds


def test_every_validator_kind_of_the_standard_schema_has_a_rendering():
    schema = json.loads((ROOT / "schemas" / "standard.schema.json").read_text(encoding="utf-8"))
    kinds = validator_kinds(schema, set())
    assert {"type", "enum", "required", "additionalProperties", "pattern", "minimum", "maximum", "minLength",
            "maxLength", "minProperties", "minItems", "oneOf"} <= kinds  # the walk finds them
    assert kinds <= set(RENDER), kinds - set(RENDER)
