"""The terminal explanation (`junheng explain`) names inputs by their catalogue label and unit, in the
language of the command; the field ids only on the technical line of `--all`. The values are read from the
demo CSV here (a second path to the numbers), the labels and units are those of standards/fields.yaml."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console

from junheng.evaluation.run import evaluate_files
from junheng.explain.derivation import explain_school, render

ROOT = Path(__file__).parents[2]
DEMO = ROOT / "examples" / "demo-county"
STD = "national/quality-2017"
DAY = "2024-09-01"


@pytest.fixture(scope="module")
def demo():
    return evaluate_files(STD, str(DEMO / "schools.csv"), str(DEMO / "counties.csv"), as_of=DAY)


@pytest.fixture(scope="module")
def row():
    return pd.read_csv(DEMO / "schools.csv", dtype=str).set_index("school_id").loc["DEMO01-003"]


def _text(run, lang: str, full: bool) -> str:
    buf = io.StringIO()
    render(explain_school(run, "DEMO01-003", "primary", lang), Console(file=buf, width=100000, soft_wrap=True,
                                                                       color_system=None), lang, full=full)
    return buf.getvalue()


def _rule_block(text: str, rule: str) -> str:
    """The lines of one rule's branch (up to the next rule head at the same depth)."""
    lines = text.splitlines()
    start = next(i for i, x in enumerate(lines) if re.search(rf"(达标|不达标|pass|fail)\S* {rule} ", x))
    end = next((i for i in range(start + 1, len(lines))
                if re.match(r"^│   [├└]── ", lines[i]) or re.match(r"^[├└]── ", lines[i])), len(lines))
    return "\n".join(lines[start:end])


def test_inputs_under_labels_and_units_zh(demo, row):
    text = _text(demo, "zh", full=False)
    r1 = _rule_block(text, "R1")
    inputs = next(x for x in r1.splitlines() if "输入: " in x)
    # 5 bachelor teachers and 177 pupils in the demo CSV (DEMO01-003, primary)
    assert row["teachers_bachelor_primary"] == "5" and row["students_primary"] == "177"
    assert "本科学历专任教师人数（小学） = 5 人" in inputs
    assert "小学学生人数 = 177 人" in inputs
    assert "学校类型 = 小学" in inputs
    assert not re.search(r"[a-z]_[a-z]", inputs) and "字段编号" not in text  # no ids without --all
    r5 = _rule_block(text, "R5")
    assert row["dense_central_city"] == "否" and pd.isna(row["leased_sports_area"])
    assert "是否人口密度过高的大城市中心城区学校 = 否" in r5  # a yes/no fact in words
    assert "校外租赁场馆面积 = 未填写" in r5  # an empty cell


def test_ids_on_the_technical_line_of_all(demo):
    r1 = _rule_block(_text(demo, "zh", full=True), "R1")
    tech = next(x for x in r1.splitlines() if "字段编号: " in x)
    assert "teachers_bachelor=5" in tech and "students=177" in tech
    assert "本科学历专任教师人数（小学） = 5 人" in r1  # the labels stay
