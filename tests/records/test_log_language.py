"""The reading log is printed in one language: its lines are catalogue texts (the files keep "中文 / English")."""
from __future__ import annotations

from junheng.evaluation.run import evaluate_files
from junheng.i18n import localize

from conftest import primary_school

STD = "national/quality-2017"


def test_log_lines_in_one_language(csv_writer):
    # two schools without 区县代码 and no county file, the same file given twice
    path = csv_writer([primary_school("A", county=""), primary_school("B", county="")])
    run = evaluate_files(STD, [str(path), str(path)], None, "2024-09-01")
    log = run.schools.log
    zh = [localize(line, "zh") for line in log]
    en = [localize(line, "en") for line in log]
    assert any("所学校没有区县代码，也没有区县表" in z for z in zh)
    assert any("内容完全相同（同一文件给了两次）" in z for z in zh)
    assert not [z for z in zh if " / " in z]
    assert any("no county file" in e for e in en) and any("the same file given twice" in e for e in en)
    assert not [e for e in en if "所学校" in e or "同一文件" in e]
