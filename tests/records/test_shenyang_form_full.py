"""The real Shenyang school form (../shared/forms/school-form-shenyang.xlsx) filled in as a school would,
every item, evaluated without a county file (issue 17): 是/否 answers read and used, G5 from the
class-size bands, whole-school counts of a 九年一贯制 school split by the declared weighted shares,
schools without 区县代码 evaluated at school and stage level. Expected values computed by hand."""
from __future__ import annotations

import math
from pathlib import Path

import openpyxl
import pytest

from junheng.evaluation.run import evaluate_files

FORM = Path("/work/shared/forms/school-form-shenyang.xlsx")
STD = "national/quality-2017"

pytestmark = pytest.mark.skipif(not FORM.exists(), reason="the real forms are not on this machine")


def items():
    ws = openpyxl.load_workbook(FORM)["学校填报数据"]
    return [ws.cell(r, 3).value for r in range(2, ws.max_row + 1) if ws.cell(r, 3).value]


def school(**over):
    """A 九年一贯制 school, every item filled (0 where the school has none)."""
    v = {it: 0 for it in items()}
    v.update({"学校名称": "丙学校", "学校类型": "九年一贯制", "学校代码": "S3", "建校时间": 2012,
              "是否2010年及之前规划并建成": "否", "是否2016年及之前规划并建成": "是",
              "是否人口密度过高的大城市中心城区学校": "否",
              "是否50人及以上但不足100人的乡村小规模学校和教学点": "否", "是否最大班额低于30人的农村小规模学校": "否",
              "小学学生人数": 600, "初中学生人数": 400, "进城务工人员随迁子女在校生人数": 50,
              "家庭住址在划片范围内的在校学生人数（小学）": 600, "家庭住址在划片范围内的在校学生人数（初中）": 390,
              "班级总数": 24,
              "每班36-40人班级个数": 10, "每班41-45人班级个数": 14, "专任教师总人数": 90, "专科学历教师人数（小学）": 5,
              "本科学历教师人数（小学）": 25, "本科学历教师人数（初中）": 30, "县级及以上骨干教师数": 21,
              "持有教师资格证的专任教师人数": 90, "近5年培训满360学时专任教师人数": 90, "体育专任教师人数": 6,
              "音乐专任教师人数": 3, "美术专任教师人数": 3, "教学及辅助用房总面积": 8000, "室内体育用房面积": 500,
              "学校体育馆面积": 1500, "校内体育场面积": 9000, "教学仪器设备资产值（账面原值）": 300,
              "网络多媒体教室间数": 30,
              "音乐教室总间数": 2, "单间面积≥96㎡的音乐教室间数": 2, "美术教室总间数": 2,
              "单间面积≥90㎡的美术教室间数": 2,
              "上一年度公用经费预算总额": 150, "上一年度公用经费决算总额": 150, "上一年度教师培训经费预算总额": 8})
    v.update(over)
    if "班级总数" not in over:  # the bands add up to the classes, as on a correctly filled form
        v["班级总数"] = sum(x for k, x in v.items() if k.startswith("每班"))
    return v


def write(path, *schools):
    wb = openpyxl.load_workbook(FORM)
    blank = wb["学校填报数据"]
    for vals in schools:
        ws = wb.copy_worksheet(blank)
        ws.title = vals["学校名称"]
        for r in range(2, ws.max_row + 1):
            if ws.cell(r, 3).value in vals:
                ws.cell(r, 5).value = vals[ws.cell(r, 3).value]
    wb.remove(blank)
    wb.save(path)
    return path


def verdicts(tmp_path, *schools, as_of=None):
    run = evaluate_files(STD, [str(write(tmp_path / "schools.xlsx", *schools))], None, as_of)
    return run, run.verdicts.set_index(["rule_id", "school_id", "stage"])


def test_nine_year_school_gets_a_decided_r_school(tmp_path):
    run, v = verdicts(tmp_path, school())
    assert run.rejected == []  # no 区县代码 and no county file: evaluated, not rejected
    assert not [p for p in run.schools.problems if p.action == "column ignored"]  # every item of the form read
    # whole-school counts split by the weighted shares 600 : 1.1 × 400 = 600 : 440 (of 1040)
    for stage, share, students in (("primary", 600 / 1040, 600), ("junior", 440 / 1040, 400)):
        r2 = v.loc[("R2", "S3", stage)]
        assert r2["outcome"] == "pass" and math.isclose(r2["value"], 21 * share / students * 100, rel_tol=1e-9)
        assert "由全校数按加权学生数拆分" in r2["reason"] and "backbone_teachers" in r2["reason"]
        r3 = v.loc[("R3", "S3", stage)]
        assert math.isclose(r3["value"], 12 * share / students * 100, rel_tol=1e-9)
        assert v.loc[("R_school", "S3", stage)]["outcome"] == "pass"
    # G3: 24 classes -> 2 rooms of each; two music rooms >= 96 and two art rooms >= 90
    assert v.loc[("G3_school", "S3", None)]["outcome"] == "pass"
    # G12: 90 certified of 90 teachers
    assert v.loc[("G12_school", "S3", None)]["outcome"] == "pass"
    # G5: largest classes are in the 41-45 band: within 45 (primary) and 50 (junior)
    assert v.loc[("G5_school", "S3", "primary")]["outcome"] == "pass"
    assert v.loc[("G5_school", "S3", "junior")]["outcome"] == "pass"
    # county rules name the county data that is missing
    g8 = v.loc[("G8_pay", None, None)]  # G8 rests on G8_pay and G8_performance_pay (issue 20)
    assert g8["outcome"] == "not_evaluable" and "civil_servant_avg_pay" in g8["reason"]


@pytest.mark.parametrize("bands,primary,junior", [
    ({"每班46-50人班级个数": 1}, "fail", None),  # a primary school with a class of 46-50: above 45
    ({"每班41-45人班级个数": 3}, "pass", None),
])
def test_g5_from_bands_single_stage(tmp_path, bands, primary, junior):
    s = school(学校类型="小学", 初中学生人数=0, **{"本科学历教师人数（初中）": 0}, **bands)
    _, v = verdicts(tmp_path, s)
    assert v.loc[("G5_school", "S3", "primary")]["outcome"] == primary


def test_g5_from_bands_junior_school(tmp_path):
    s = school(学校类型="初中", 小学学生人数=0, **{"每班46-50人班级个数": 2, "每班51-55人班级个数": 1})
    _, v = verdicts(tmp_path, s)
    row = v.loc[("G5_school", "S3", "junior")]
    assert row["outcome"] == "fail" and row["value"] == 51  # some class has at least 51 > 50


def test_g5_nine_year_school_bands_are_whole_school(tmp_path):
    # a class of 46-50 could be primary (over 45) or junior (within 50): primary undecided, junior passes
    _, v = verdicts(tmp_path, school(**{"每班46-50人班级个数": 1}))
    assert v.loc[("G5_school", "S3", "primary")]["outcome"] == "not_evaluable"
    assert "多学段学校" in v.loc[("G5_school", "S3", "primary")]["reason"]
    assert v.loc[("G5_school", "S3", "junior")]["outcome"] == "pass"


@pytest.mark.parametrize("built,answer,outcome", [
    (2005, "否", "fail"),  # founded 2005 but not planned and built by 2010 (the answer wins): 2000
    (2012, "是", "pass"),  # planned and built by 2010 per the form: relaxed limit 2400
])
def test_built_by_2010_answer_decides_the_size_relaxation(tmp_path, built, answer, outcome):
    s = school(学校类型="小学", 小学学生人数=2300, 初中学生人数=0, 建校时间=built, 是否2010年及之前规划并建成=answer)
    _, v = verdicts(tmp_path, s, as_of="2021-06-01")  # inside the 2019 规程's transitional window
    row = v.loc[("G4_school", "S3", None)]
    assert row["outcome"] == outcome, row["reason"]
    assert row["threshold"] == (2400 if answer == "是" else 2000)


def test_form_gap_report_everywhere(tmp_path):
    """The fields the form does not ask (G13's 城乡类型、办学性质、是否寄宿制学校; county data) are listed with the
    rules they leave undecided: terminal, JSON, HTML report and workbench."""
    import io
    import json
    import subprocess
    import sys

    from junheng.explain.gaps import form_gaps
    from junheng.reports.files import write_json
    from junheng.reports.html_report import render_html

    path = write(tmp_path / "schools.xlsx", school())
    run = evaluate_files(STD, [str(path)])
    gaps = form_gaps(run)
    g13 = next(g for g in gaps if "G13_school" in g["rules"])
    assert set(g13["fields"]) == {"urban_rural", "ownership", "boarding"} and g13["areas"] == ["government"]
    assert g13["text"] == "文件中没有 是否寄宿制学校、办学性质、城乡类型：G13_school、G13 无法判定"
    g8 = next(g for g in gaps if "G8_pay" in g["rules"])  # G8 rests on G8_pay and G8_performance_pay (issue 20)
    assert g8["tables"] == ["county"]
    # a rule decided somewhere is never listed (R1 … R7, G3, G4, G5 are decided from the form)
    listed = {r for g in gaps for r in g["rules"]}
    assert not listed & {"R1", "R2", "R3", "G3_school", "G4_school", "G5_school", "G12_school"}
    buf = io.StringIO()
    write_json(run, buf)
    assert g13["text"] in [g["text"] for g in json.loads(buf.getvalue())["form_gaps"]]
    assert g13["text"] in render_html(run)
    root = Path(__file__).resolve().parents[2]
    r = subprocess.run([sys.executable, str(root / "cli.py"), "evaluate", "--standard", STD, "--schools", str(path),
                        "--format", "json", "--out", str(tmp_path / "o.json")], capture_output=True, text=True,
                       cwd=root, timeout=300)
    assert r.returncode == 0 and g13["text"] in r.stderr, r.stderr[-3000:]
    from junheng.web.app import Settings, create_app
    from junheng.web.workspace import Workspace

    ws = Workspace()
    try:
        app = create_app(Settings(save_dir=tmp_path / "saved"), ws)
        c = app.test_client()
        resp = c.post("/evaluate", data={"standard": STD, "as_of": "", "schools": [(io.BytesIO(path.read_bytes()),
                                                                                    "丙学校.xlsx")]},
                      content_type="multipart/form-data")
        assert resp.status_code == 302, resp.data.decode()[:2000]
        page = c.get(resp.headers["Location"]).data.decode()
        assert g13["text"] in page
    finally:
        ws.close()


def test_class_bands_must_add_up_to_the_classes(tmp_path):
    # 10 + 14 classes in the bands but 班级总数 30: the bands are not used, G5 says why
    run, v = verdicts(tmp_path, school(班级总数=30))
    row = v.loc[("G5_school", "S3", "primary")]
    assert row["outcome"] == "not_evaluable" and "24 与班级总数 30 不相等" in row["reason"]
    p = [p for p in run.schools.problems if p.rule == "班额分段之和"]
    assert len(p) == 1 and p[0].record == ("S3", "丙学校") and p[0].cell == "E17"


def test_all_bands_zero_is_not_a_pass(tmp_path):
    bands = {it: 0 for it in items() if it.startswith("每班")}
    _, v = verdicts(tmp_path, school(班级总数=0, **bands))
    assert v.loc[("G5_school", "S3", "primary")]["outcome"] == "not_evaluable"
