"""Real Shenyang form (vertical, one school per sheet) and a GBK CSV with Chinese headers evaluate
without any mapping file and give the verdicts computed by hand."""
from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import openpyxl
import pytest

from junheng.evaluation.run import evaluate_files

FORMS = Path("/work/shared/forms")
STD = "national/quality-2017"

# 甲小学: single-stage primary school; stage-less form items (专任教师总人数, 骨干, 体育…) go to primary.
S1 = {"学校名称": "甲小学", "学校类型": "小学", "学校代码": "S1", "建校时间": 2005, "小学学生人数": 1000,
      "是否50人及以上但不足100人的乡村小规模学校和教学点": "否", "是否人口密度过高的大城市中心城区学校": "否",
      "专任教师总人数": 60, "专科学历教师人数（小学）": 10, "本科学历教师人数（小学）": 30,
      "硕士学历教师人数（小学）": 5,
      "博士研究生学历教师人数（小学）": 0, "县级及以上骨干教师数": 12, "体育专任教师人数": 4, "音乐专任教师人数": 3,
      "美术专任教师人数": 2, "艺术专任教师人数": 0, "教学及辅助用房总面积": 6000, "室内体育用房面积": 800,
      "学校体育馆面积": 1000, "校内体育场面积": 7000, "教学仪器设备资产值（账面原值）": 250, "网络多媒体教室间数": 24,
      "班级总数": 24, "每班46-50人班级个数": 2, "每班51-55人班级个数": 0, "每班56-60人班级个数": 0,
      "每班61-65人班级个数": 0, "每班66人以上班级个数": 0}
# 乙学校: nine-year school, 600 primary + 400 junior; stocks split 600 : 440.
S2 = {"学校名称": "乙学校", "学校类型": "九年一贯制", "学校代码": "S2", "小学学生人数": 600, "初中学生人数": 400,
      "是否50人及以上但不足100人的乡村小规模学校和教学点": "否", "是否人口密度过高的大城市中心城区学校": "否",
      "专任教师总人数": 90, "专科学历教师人数（小学）": 5, "本科学历教师人数（小学）": 20,
      "本科学历教师人数（初中）": 30,
      "硕士学历教师人数（小学）": 0, "硕士学历教师人数（初中）": 0, "博士研究生学历教师人数（小学）": 0,
      "博士研究生学历教师人数（初中）": 0, "教学及辅助用房总面积": 8000, "室内体育用房面积": 500,
      "学校体育馆面积": 1500,
      "校内体育场面积": 9000, "教学仪器设备资产值（账面原值）": 300, "网络多媒体教室间数": 30}

# by hand (quality-2017 formulas, thresholds 4.2/5.3, 1, 0.9, 4.5/5.8, 7.5/10.2, 2000/2500, 2.3/2.4)
EXPECTED = {
    ("R1", "S1", "primary"): ((10 + 30 + 5 + 0) / 1000 * 100, "pass"),  # 4.5
    ("R2", "S1", "primary"): (12 / 1000 * 100, "pass"),  # 1.2
    ("R3", "S1", "primary"): ((4 + 3 + 2 + 0) / 1000 * 100, "pass"),  # 0.9 (tolerant >=)
    ("R4", "S1", "primary"): ((6000 - 800) / 1000, "pass"),  # 5.2
    ("R5", "S1", "primary"): ((1000 + 7000) / 1000, "pass"),  # 8
    ("R6", "S1", "primary"): (250 * 10000 / 1000, "pass"),  # 2500 yuan: 万元 row scaled
    ("R7", "S1", "primary"): (24 / 1000 * 100, "pass"),  # 2.4
    ("R1", "S2", "primary"): (25 / 600 * 100, "fail"),  # 4.1667 < 4.2
    ("R1", "S2", "junior"): (30 / 400 * 100, "pass"),  # 7.5
    ("R4", "S2", "primary"): (7500 * 600 / 1040 / 600, "pass"),  # 7.2115
    ("R4", "S2", "junior"): (7500 * 440 / 1040 / 400, "pass"),  # 7.9327
    ("R5", "S2", "primary"): (10500 / 1040, "pass"),  # 10.0962
    ("R5", "S2", "junior"): (10500 * 1.1 / 1040, "pass"),  # 11.1058
    ("R6", "S2", "primary"): (3_000_000 / 1040, "pass"),  # 2884.62
    ("R6", "S2", "junior"): (3_000_000 * 1.1 / 1040, "pass"),  # 3173.08
    ("R7", "S2", "primary"): (30 / 1040 * 100, "pass"),  # 2.8846
    ("R7", "S2", "junior"): (30 * 1.1 / 1040 * 100, "pass"),  # 3.1731
}


def fill(ws, values):
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, 3).value in values:
            ws.cell(r, 5).value = values[ws.cell(r, 3).value]


@pytest.fixture(scope="module")
def form_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("forms")
    wb = openpyxl.load_workbook(FORMS / "school-form-shenyang.xlsx")
    blank = wb["学校填报数据"]
    for vals in (S1, S2):
        ws = wb.copy_worksheet(blank)
        ws.title = vals["学校名称"]
        fill(ws, vals)
    wb.remove(blank)
    wb.save(d / "schools.xlsx")
    cw = openpyxl.load_workbook(FORMS / "county-form-shenyang.xlsx")
    fill(cw["区县填报数据"], {"区县名称": "测试区", "区县代码": "C1", "填报年度": 2024,
                        "当地公务员年平均工资收入": 10.5})
    cw.save(d / "county.xlsx")
    return d / "schools.xlsx", d / "county.xlsx"


def gbk_csv(path):
    headers = ["学校代码", "学校名称", "区县代码", "学校类型", "小学学生人数", "初中学生人数",
               "是否50人及以上但不足100人的乡村小规模学校和教学点", "是否人口密度过高的大城市中心城区学校",
               "专科学历专任教师人数（小学）", "本科学历专任教师人数（小学）", "本科学历专任教师人数（初中）",
               "硕士学历专任教师人数（小学）", "硕士学历专任教师人数（初中）", "博士研究生学历专任教师人数（小学）",
               "博士研究生学历专任教师人数（初中）", "县级及以上骨干教师数（小学）", "体育专任教师人数（小学）",
               "音乐专任教师人数（小学）", "美术专任教师人数（小学）", "艺术专任教师人数（小学）",
               "教学及辅助用房总面积（平方米）", "室内体育用房面积", "学校体育馆面积", "校内体育场面积",
               "教学仪器设备资产值（万元）", "网络多媒体教室间数"]
    rows = [["S1", "甲小学", "C1", "小学", "1,000", "", "否", "否", "10", "30", "", "5", "", "0", "", "12", "4", "3",
             "2", "0", "6000", "800", "1000", "7000", "250", "24"],
            ["S2", "乙学校", "C1", "九年一贯制", "600", "400", "否", "否", "5", "20", "30", "0", "0", "0", "0", "", "",
             "", "", "", "8000", "500", "1500", "9000", "300", "30"]]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([headers] + rows)
    path.write_bytes(buf.getvalue().encode("gbk"))
    return path


def check_expected(run):
    v = run.verdicts.set_index(["rule_id", "school_id", "stage"])
    for key, (value, outcome) in EXPECTED.items():
        row = v.loc[key]
        assert row["outcome"] == outcome, (key, row["outcome"], row["reason"])
        assert math.isclose(float(row["value"]), value, rel_tol=1e-9), (key, row["value"], value)


def test_shenyang_vertical_form_evaluates_without_mapping(form_files):
    schools, county = form_files
    run = evaluate_files(STD, [str(schools)], [str(county)])
    check_expected(run)
    f = run.schools.frame.set_index("school_id")
    assert f.loc["S1", "teachers_primary"] == 60  # 专任教师总人数 of a single-stage school
    assert f.loc["S1", "classes_primary"] == 24
    assert f.loc["S1", "classes_over_limit_primary"] == 2  # bands 46-50 … 66+ over the 45 limit
    assert f.loc["S1", "built_year"] == 2005
    # nine-year school: 专任教师总人数 split by the declared weighted shares 600 : 1.1 × 400 (issue 17)
    assert math.isclose(f.loc["S2", "teachers_primary"], 90 * 600 / 1040, rel_tol=1e-12)
    assert math.isclose(f.loc["S2", "teachers_junior"], 90 * 440 / 1040, rel_tol=1e-12)
    assert f.loc["S2", "county_id"] == "C1"  # the form has no county item: the only county
    assert run.counties.frame.loc[0, "civil_servant_avg_pay"] == 105000  # 万元 row of the county form
    # every value keeps its form cell
    assert run.schools.where("equipment_value", 0)[1:4] == ("甲小学", 52, "E52")
    note = [p for p in run.schools.problems if p.field == "teachers"]
    assert note and note[0].sheet == "乙学校" and note[0].cell == "E27" and note[0].action == "note"
    assert any("万元换算为元" in line for line in run.schools.log)
    s = run.input_summary()
    assert [(x["rows"], x["rows_evaluated"], x["rows_rejected"]) for x in s] == [(2, 2, 0), (1, 1, 0)]


def test_gbk_csv_with_chinese_headers(tmp_path):
    path = gbk_csv(tmp_path / "schools.csv")
    run = evaluate_files(STD, [str(path)])
    check_expected(run)
    assert any("千位分隔符" in line for line in run.schools.log)
    assert run.schools.files[0]["rows"] == 2 and not run.rejected


def test_same_verdicts_form_and_csv(form_files, tmp_path):
    a = evaluate_files(STD, [str(form_files[0])], [str(form_files[1])]).verdicts
    b = evaluate_files(STD, [str(gbk_csv(tmp_path / "s.csv"))]).verdicts
    keys = ["rule_id", "school_id", "stage"]
    m = a[a.rule_id.isin(["R4", "R5", "R6", "R7"])].merge(b, on=keys, suffixes=("_a", "_b"))
    assert len(m) == 12
    assert (m.outcome_a == m.outcome_b).all()
    assert ((m.value_a - m.value_b).abs() < 1e-9).all()
