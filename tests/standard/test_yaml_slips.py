"""YAML syntax slips in standard files (issue 19, editing standards): one Chinese message per slip, at the line and
column of the slip (counted by hand in the texts below), naming the character, with the source line and a caret;
English with --lang en. A slip stops loading: no schema error repeats it."""
from __future__ import annotations

from pathlib import Path

import pytest

from junheng.errors import StandardError
from junheng.standard.yamlsafe import load_yaml_text
from junheng.standard import yamlslips
from test_hostile import run_cli  # the same helper (tests/standard is on the path)

# A small valid standard: every case below changes one line of it.
BASE = [
    "id: demo/slips",                                  # 1
    "title: 示例",                                      # 2
    'version: "1"',                                     # 3
    "jurisdiction: {name: 测试}",                       # 4
    "extends: national/quality-2017",                   # 5
    "documents:",                                       # 6
    "  d: {title: 某文件, source_status: secondary}",   # 7
    "parameters:",                                      # 8
    "  R4_min:",                                        # 9
    "    values: {primary: 4.6, junior: 5.8}",          # 10
    "    override: true",                               # 11
    "    citation: {document: d, article: 第1条}",      # 12
    "    source_status: secondary",                     # 13
    "rules:",                                           # 14
    "  - id: R4",                                       # 15
    "    override: true",                               # 16
    "    threshold: R4_min * 1",                        # 17
    "    citation: {document: d, article: 第2条，第3款, source_status: secondary}",  # 18
]


def text_with(line: int, new: str) -> str:
    lines = list(BASE)
    lines[line - 1] = new
    return "\n".join(lines) + "\n"


def errors_of(text: str) -> list:
    with pytest.raises(StandardError) as exc:
        load_yaml_text(text, "s.yaml")
    return exc.value.errors


def one(text: str):
    errs = errors_of(text)
    assert len(errs) == 1, [e.render() for e in errs]
    return errs[0]


def test_base_file_loads_and_chinese_punctuation_in_texts_is_no_slip():
    data = load_yaml_text("\n".join(BASE) + "\n", "s.yaml")
    assert data["rules"][0]["citation"]["article"] == "第2条，第3款"
    assert yamlslips.scan("\n".join(BASE), "s.yaml") == []


CASES = [
    # (line, new text, column of the slip, expected Chinese message, English fragment)
    (9, "  R4_min：", 9, "第 9 行有全角冒号“：”，请改为半角“:”", "full-width colon"),
    (2, "title： 示例", 6, "第 2 行有全角冒号“：”，请改为半角“:”", "full-width colon"),
    (15, "  - id： R4", 7, "第 15 行有全角冒号“：”，请改为半角“:”", "full-width colon"),
    (10, "    values: {primary: 4.6， junior: 5.8}", 26, "第 10 行有全角逗号“，”，请改为半角“,”", "full-width comma"),
    (12, "    citation: {document: “d”, article: 第1条}", 26, "第 12 行有全角引号““”，请改为半角“\"”",
     "full-width quotation mark"),
    (10, "    values: ｛primary: 4.6, junior: 5.8｝", 13, "第 10 行有全角括号“｛”，请改为半角“{”",
     "full-width bracket"),
    (11, "\toverride: true", 1, "第 11 行有制表符（Tab），请改为空格（YAML 只能用空格缩进）", "has a tab"),
    (11, "    override:\ttrue", 14, "第 11 行有制表符（Tab），请改为空格（YAML 只能用空格缩进）", "has a tab"),
    (13, "　　source_status: secondary", 1, "第 13 行有全角空格，请改为半角空格", "full-width space"),
    (17, "    threshold: R4_min ≥ 1", 23, "第 17 行有符号“≥”，表达式里请写“>=”", "write “>=”"),
    (17, "    threshold: （R4_min）", 16, "第 17 行有全角括号“（”，请改为半角“(”", "full-width bracket"),
]


@pytest.mark.parametrize("line,new,col,zh,en", CASES)
def test_each_slip_is_one_message_at_its_column(line, new, col, zh, en):
    e = one(text_with(line, new))
    assert (e.loc.line, e.loc.col) == (line, col)
    assert str(e.message) == zh
    assert en in e.message.in_lang("en")
    shown = e.render("zh").splitlines()
    assert shown[0] == f"s.yaml:{line}:{col}: {zh}"
    assert shown[1] == "    " + new.replace("\t", " ")
    # the caret sits under the slip (what stands before it is ASCII here: one cell per character)
    assert new[:col - 1].isascii()
    assert shown[2] == "    " + " " * (col - 1) + "^"


def test_caret_counts_chinese_characters_as_two_cells():
    e = one(text_with(2, "title: 示例：说明: x"))  # ": " inside a plain value: PyYAML's own error, moved here
    assert e.loc.line == 2
    e = one(text_with(4, "jurisdiction: {name: 测试， code: X}"))
    assert (e.loc.line, e.loc.col) == (4, 24)
    # "    jurisdiction: {name: 测试" is 4 + 21 + 4 cells wide (two Chinese characters)
    assert e.render("zh").splitlines()[2] == " " * (4 + 21 + 4) + "^"


def test_a_pair_of_full_width_quotes_in_an_expression_is_one_slip():
    e = one(text_with(17, '    threshold: if area_type in [“城区”, "镇区"] then R4_min else 0'))
    assert (e.loc.line, e.loc.col) == (17, 33)
    assert "全角引号““”" in str(e.message)


INDENT = [
    # a key moved right: line 11 has 5 spaces, line 10 has 4
    (11, "     override: true", 11, 6,
     "第 11 行缩进不对：键前有 5 格，比上一行（第 10 行，4 格）多；同一层的键要左对齐"),
    # a key moved left between two aligned ones: PyYAML stops at line 12, the slip is line 11
    (11, "  override: true", 11, 3,
     "第 11 行缩进不对：键前有 2 格，比上下两行（第 10 行、第 12 行，4 格）少；同一层的键要左对齐"),
    # lined up with no level: 3 spaces
    (16, "   override: true", 16, 4,
     "第 16 行缩进不对：键前有 3 格，与上面任何一层都没有对齐（上一行第 15 行键前有 4 格）"),
    # aligned with the list item's dash
    (16, "  override: true", 16, 3,
     "第 16 行缩进不对：它与第 15 行对齐，但两行一行是列表项（以“- ”开头）一行不是"),
]


@pytest.mark.parametrize("line,new,at,col,zh", INDENT)
def test_indentation_slip_is_one_message_at_the_line_that_moved(line, new, at, col, zh):
    e = one(text_with(line, new))
    assert (e.loc.line, e.loc.col) == (at, col)
    assert str(e.message) == zh
    assert "indented wrongly" in e.message.in_lang("en")


def test_pyyaml_errors_are_moved_to_the_line_of_the_slip():
    e = one(text_with(2, "title 示例"))  # PyYAML notices the missing ':' on line 3
    assert (e.loc.line, e.loc.col) == (2, 1)
    assert str(e.message) == "第 2 行缺少冒号：键和值之间要写半角“: ”（冒号后加空格）"
    e = one(text_with(10, "    values: {primary: 4.6, junior: 5.8"))  # PyYAML: line 11
    assert (e.loc.line, e.loc.col) == (10, 39)  # just after the last character of line 10
    assert "补上“}”" in str(e.message)
    e = one(text_with(2, 'title: "示例'))  # an unclosed quote: PyYAML stops at the end of the file
    assert (e.loc.line, e.loc.col) == (2, 8)


def test_check_a_real_standard_with_an_indentation_slip_gives_exactly_one_message(tmp_path):
    """The cascade case: a parameter key moved left in the whole national standard; one message, no schema
    error, in Chinese and in English."""
    src = Path(__file__).parents[2] / "standards" / "national" / "quality-2017.yaml"
    lines = src.read_text(encoding="utf-8").splitlines()
    i = lines.index("  R4_min:") + 4  # its "values:" line (name, name_en, unit before it)
    assert lines[i].startswith("    values:")
    lines[i] = lines[i][2:]
    f = tmp_path / "quality-2017.yaml"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out = run_cli(["check", str(f)])
    assert code == 2
    assert "发现 1 处错误" in out
    assert f"quality-2017.yaml:{i + 1}:3: 第 {i + 1} 行缩进不对" in out
    assert "    " + lines[i] in out and "\n      ^" in out
    code, out = run_cli(["--lang", "en", "check", str(f)])
    assert code == 2 and "1 error(s)" in out and f"line {i + 1} is indented wrongly" in out
    assert not any("\u4e00" <= c <= "\u9fff" for c in out.split(lines[i])[0].split("error(s):")[1])


def test_check_full_width_colon_in_a_real_standard(tmp_path):
    f = tmp_path / "x.yaml"
    f.write_text(text_with(12, "    citation： {document: d, article: 第1条}"), encoding="utf-8")
    code, out = run_cli(["check", str(f)])
    assert code == 2 and "发现 1 处错误" in out
    assert "x.yaml:12:13: 第 12 行有全角冒号“：”，请改为半角“:”" in out
    code, out = run_cli(["--lang", "en", "check", str(f)])
    assert "x.yaml:12:13: line 12 has a full-width colon “：”: use the ASCII “:” instead" in out


def test_every_bundled_yaml_file_has_no_slip():
    root = Path(__file__).parents[2]
    for p in list((root / "standards").rglob("*.yaml")) + list((root / "tests").rglob("*.yaml")):
        assert yamlslips.scan(p.read_text(encoding="utf-8"), str(p)) == [], p


def test_quoted_texts_and_comments_are_left_alone():
    text = ('note: "由 \\"甲\\" 改为：乙，丙"   # 注释：全角“：”不算\n'
            "title: '它''s：一个标题'\n"
            'jurisdiction: {name: "河北， 省", code: X}\n')
    assert yamlslips.scan(text, "s.yaml") == []
    assert load_yaml_text(text, "s.yaml")["note"] == '由 "甲" 改为：乙，丙'
