"""junheng template: a filled workbook reads back without mapping and gives the CSV's verdicts;
the committed record schemas are the generated ones."""
from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd

from junheng.cli.main import main
from junheng.evaluation.run import evaluate_files, prepare
from junheng.tools.template import header_text, schema_texts, template_columns

STD = "national/quality-2017"
ROOT = Path(__file__).resolve().parents[2]

SCHOOLS = [
    dict(school_id="T1", school_name="一小", county_id="C1", school_type="小学", students_primary=900,
         teachers_college_primary=10, teachers_bachelor_primary=25, teachers_master_primary=3,
         teachers_doctor_primary=0,
         backbone_teachers_primary=9, pe_teachers_primary=4, music_teachers_primary=2, fine_art_teachers_primary=2,
         art_teachers_primary=0, teaching_aux_area=5000, indoor_sports_area=600, gym_area=0, sports_ground_area=7000,
         equipment_value=1900000, multimedia_rooms=20, rural_small_50_99="否", dense_central_city="否"),
    dict(school_id="T2", school_name="二中", county_id="C1", school_type="初中", students_junior=700,
         teachers_bachelor_junior=40, teachers_master_junior=2, teachers_doctor_junior=0, backbone_teachers_junior=6,
         pe_teachers_junior=3, music_teachers_junior=1, fine_art_teachers_junior=1, art_teachers_junior=1,
         teaching_aux_area=4500, indoor_sports_area=300, gym_area=800, sports_ground_area=6000,
         equipment_value=2000000, multimedia_rooms=18, rural_small_50_99="否", dense_central_city="否"),
    dict(school_id="T3", school_name="三校", county_id="C1", school_type="九年一贯制", students_primary=500,
         students_junior=300, teachers_college_primary=5, teachers_bachelor_primary=18, teachers_master_primary=1,
         teachers_doctor_primary=0, teachers_bachelor_junior=20, teachers_master_junior=1, teachers_doctor_junior=0,
         backbone_teachers_primary=5, backbone_teachers_junior=2, pe_teachers_primary=2, music_teachers_primary=1,
         fine_art_teachers_primary=1, art_teachers_primary=0, pe_teachers_junior=2, music_teachers_junior=1,
         fine_art_teachers_junior=0, art_teachers_junior=0, teaching_aux_area=6000, indoor_sports_area=400,
         gym_area=500, sports_ground_area=8000, equipment_value=2600000, multimedia_rooms=22,
         rural_small_50_99="否", dense_central_city="否"),
]
COUNTY = dict(county_id="C1", county_name="测试县")


def test_template_round_trip(tmp_path):
    book = tmp_path / "tpl.xlsx"
    assert main(["template", "--standard", STD, "--out", str(book)]) == 0
    std, compiled = prepare(STD)
    cat = compiled.table.catalogue
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames == ["说明", "学校", "区县"]
    ws = wb["学校"]
    assert ws.freeze_panes == "B2"
    heads = [c.value for c in ws[1]]
    assert heads[:4] == ["*学校代码", "*学校名称", "*区县代码", "*学校类型"]
    kinds = {dv.type for dv in ws.data_validations.dataValidation}
    assert {"list", "whole", "decimal"} <= kinds
    lists = [dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert '"是,否"' in lists and any("九年一贯制" in f for f in lists)
    cols = template_columns(std, cat, "school")
    for i, rec in enumerate(SCHOOLS, start=2):
        for j, c in enumerate(cols, start=1):
            if c.id in rec:
                ws.cell(i, j, rec[c.id])
    wc = wb["区县"]
    for j, c in enumerate(template_columns(std, cat, "county"), start=1):
        if c.id in COUNTY:
            wc.cell(2, j, COUNTY[c.id])
    wb.save(book)
    csv_s, csv_c = tmp_path / "s.csv", tmp_path / "c.csv"
    pd.DataFrame(SCHOOLS).to_csv(csv_s, index=False)
    pd.DataFrame([COUNTY]).to_csv(csv_c, index=False)
    a = evaluate_files(STD, [str(book)], [str(book)])  # the same workbook for both tables
    b = evaluate_files(STD, [str(csv_s)], [str(csv_c)])
    assert a.schools.rows_read == 3 and a.counties.rows_read == 1 and not a.rejected
    assert not [p for p in a.schools.problems + a.counties.problems if p.action != "column ignored"]
    cols_v = ["rule_id", "school_id", "stage", "outcome", "value"]
    va = a.verdicts[cols_v].reset_index(drop=True)
    vb = b.verdicts[cols_v].reset_index(drop=True)
    pd.testing.assert_frame_equal(va, vb)
    assert set(va.outcome) >= {"pass"}
    assert va.loc[(va.rule_id == "R6") & (va.school_id == "T1"), "value"].item() == 1900000 / 900


def test_header_text_units_and_required():
    std, compiled = prepare(STD)
    cols = {c.id: c for c in template_columns(std, compiled.table.catalogue, "school")}
    assert header_text(cols["equipment_value"]) == "教学仪器设备资产值（账面原值）（元）"
    assert header_text(cols["school_id"]) == "*学校代码"


def test_committed_schemas_are_generated():
    for table, text in schema_texts().items():
        path = ROOT / "schemas" / f"{table}.schema.json"
        assert path.read_text(encoding="utf-8") == text, "regenerate: python -m engine.template --schemas"
        doc = json.loads(text)
        assert doc["additionalProperties"] is False
    school = json.loads(schema_texts()["school"])
    assert school["properties"]["students_primary"]["type"] == ["integer", "null"]
    assert school["required"] == ["school_id", "school_name", "county_id", "school_type"]


def test_form_layout_one_school_per_sheet(tmp_path):
    """--layout form: the vertical form of the real Shenyang forms, exactly the items the standard needs;
    filled one sheet per school (the county on its own form) it gives the table template's verdicts."""
    book = tmp_path / "form.xlsx"
    assert main(["template", "--standard", STD, "--layout", "form", "--out", str(book)]) == 0
    county_book = tmp_path / "form-区县.xlsx"
    std, compiled = prepare(STD)
    cat = compiled.table.catalogue
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames == ["学校填报数据"]
    blank = wb["学校填报数据"]
    assert [c.value for c in blank[2]] == ["序号", "类别", "填报项目", "单位", "填报值", "是否必填", "备注说明"]
    cols = template_columns(std, cat, "school")
    items = [blank.cell(r, 3).value for r in range(3, blank.max_row + 1)]
    assert items == [c.label for c in cols]  # exactly the standard's items, in order
    ids = [blank.cell(r, 7).value for r in range(3, blank.max_row + 1)]
    for rec in SCHOOLS:
        ws = wb.copy_worksheet(blank)
        ws.title = rec["school_name"]
        for k, cid in enumerate(ids, start=3):
            if cid in rec:
                ws.cell(k, 5, rec[cid])
    wb.remove(blank)
    wb.save(book)
    cw = openpyxl.load_workbook(county_book)
    ws = cw["区县填报数据"]
    for k in range(3, ws.max_row + 1):
        if ws.cell(k, 7).value in COUNTY:
            ws.cell(k, 5, COUNTY[ws.cell(k, 7).value])
    cw.save(county_book)
    csv_s, csv_c = tmp_path / "s.csv", tmp_path / "c.csv"
    pd.DataFrame(SCHOOLS).to_csv(csv_s, index=False)
    pd.DataFrame([COUNTY]).to_csv(csv_c, index=False)
    a = evaluate_files(STD, [str(book)], [str(county_book)])
    b = evaluate_files(STD, [str(csv_s)], [str(csv_c)])
    assert a.schools.rows_read == 3 and a.counties.rows_read == 1 and not a.rejected
    assert not [p for p in a.schools.problems + a.counties.problems if p.action not in ("column ignored", "note")]
    assert not [p for p in a.schools.problems if p.action == "column ignored"]  # every item recognised
    cols_v = ["rule_id", "school_id", "stage", "outcome", "value"]
    key = ["rule_id", "school_id", "stage"]
    va = a.verdicts[cols_v].sort_values(key, na_position="first").reset_index(drop=True)
    vb = b.verdicts[cols_v].sort_values(key, na_position="first").reset_index(drop=True)
    pd.testing.assert_frame_equal(va, vb)
