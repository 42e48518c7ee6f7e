"""The XLSX report: the overall conclusion first, values rounded as the report displays them, the 来源
sheet in Chinese (keys, source statuses)."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from junheng.evaluation.run import evaluate_files

DEMO = Path(__file__).parents[2] / "examples" / "demo-county"


@pytest.fixture(scope="module")
def run():
    return evaluate_files("national/quality-2017", [str(DEMO / "schools.csv")], [str(DEMO / "counties.csv")],
                          as_of="2024-09-01")


@pytest.fixture(scope="module")
def wb(run, tmp_path_factory):
    from openpyxl import load_workbook

    from junheng.reports.xlsx_report import write_xlsx

    path = tmp_path_factory.mktemp("xlsx") / "r.xlsx"
    write_xlsx(run, path)
    return load_workbook(path)


def _rows(ws) -> list:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_conclusion_first(run, wb):
    assert wb.sheetnames[0] == "评估结论"
    head, first = _rows(wb.worksheets[0])[:2]
    v = run.verdicts
    county = v[(v.level == "county")].set_index("rule_id")
    assert first[0] == "DEMO01"
    assert first[head.index("结论")] == {"pass": "通过", "fail": "未通过"}[county.loc["county", "outcome"]]
    labels = {"pass": "达标", "fail": "不达标", "not_evaluable": "无法判定"}
    for area, rid in (("资源配置", "area_resources"), ("政府保障程度", "area_government"), ("教育质量", "area_quality"),
                      ("社会认可度", "area_recognition")):
        assert first[head.index(area)] == labels[county.loc[rid, "outcome"]]
    text = first[head.index("说明")]
    assert "资源配置" in text and "area_" not in text
    # the county sheet opens with the overall verdict
    rows = _rows(wb["区县汇总"])
    assert rows[1][2] == "county" and all(r[2].startswith("area_") for r in rows[2:6])


def _half_up(x: float, places: int) -> float:
    return float(Decimal(repr(x)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def test_values_rounded_as_displayed(run, wb):
    rows = _rows(wb["学校学段判定"])
    head = rows[0]
    v = run.verdicts
    checked = 0
    for rid in ("R1", "R4", "R6", "G13_school"):
        col = head.index(f"{rid} 值")
        raw = v[(v.rule_id == rid) & (v.level == "stage")].set_index(["school_id", "stage"]).value
        for r in rows[1:]:
            stage = {"小学": "primary", "初中": "junior"}[r[3]]
            x = raw.get((r[1], stage))
            if x is None or x != x:
                continue
            assert r[col] == _half_up(float(x), 2), (rid, r[1], x, r[col])
            checked += 1
    assert checked > 60
    # a CV keeps the 3 decimals its rule rounds to
    cv = _rows(wb["差异系数"])
    vals = [r[5] for r in cv[1:] if isinstance(r[5], float)]
    assert vals and all(round(x, 3) == x for x in vals)


def test_provenance_sheet_in_chinese(wb):
    rows = _rows(wb["来源"])
    keys = [r[0] for r in rows[1:] if r[0]]
    assert keys[:4] == ["标准", "引擎版本", "评估日期", "输入指纹"]
    assert any(k.startswith("标准文件 ") for k in keys) and "输入文件（学校）" in keys and "输入文件（区县）" in keys
    start = next(i for i, r in enumerate(rows) if r[0] == "规则")
    statuses = {r[2] for r in rows[start + 1:]}
    assert statuses and statuses <= {"已核实", "二手来源", "凭记忆", "未注明"}
    citations = " ".join(str(r[1]) for r in rows[start + 1:])
    for word in ("verified", "secondary", "recalled"):
        assert word not in citations
