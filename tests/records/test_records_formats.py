"""The same two schools as JSON, JSONL, UTF-8-BOM CSV and a flat XLSX read to the same typed frame."""
from __future__ import annotations

import json

import openpyxl
import pandas as pd

from junheng.standard.catalogue import load_catalogue
from junheng.records.loading import load_records

ROWS = [{"school_id": "J1", "school_name": "一小", "county_id": "C1", "school_type": "小学", "students_primary": 800,
         "boarding": True, "equipment_value": 1200000.5},
        {"school_id": "J2", "school_name": "二中", "county_id": "C1", "school_type": "初中", "students_junior": None,
         "boarding": False, "equipment_value": 0}]


def frames(tmp_path):
    cat = load_catalogue()
    (tmp_path / "a.json").write_text(json.dumps({"records": ROWS}, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "a.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in ROWS), encoding="utf-8")
    df = pd.DataFrame(ROWS)
    df["boarding"] = df["boarding"].map({True: "是", False: "否"})
    df.to_csv(tmp_path / "a.csv", index=False, encoding="utf-8-sig")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["学校代码", "学校名称", "区县代码", "学校类型", "小学学生人数", "是否寄宿制学校",
               "教学仪器设备资产值（万元）", "初中学生人数"])
    ws.append(["J1", "一小", "C1", "小学", 800, "是", 120.00005, None])
    ws.append(["J2", "二中", "C1", "初中", None, "否", 0, "—"])
    wb.save(tmp_path / "a.xlsx")
    return {ext: load_records(tmp_path / f"a.{ext}", "school", cat) for ext in ("json", "jsonl", "csv", "xlsx")}


def test_formats_agree(tmp_path):
    out = frames(tmp_path)
    for ext, rs in out.items():
        f = rs.frame.set_index("school_id")
        assert list(f.index) == ["J1", "J2"], ext
        assert f.loc["J1", "students_primary"] == 800, ext
        assert f.loc["J1", "boarding"] == 1.0 and f.loc["J2", "boarding"] == 0.0, ext
        assert abs(f.loc["J1", "equipment_value"] - 1200000.5) < 1e-6, ext
        assert pd.isna(f.loc["J2", "students_junior"]), ext  # null / blank / — are missing, never 0
        assert rs.rows_read == 2 and not rs.rejected
    assert out["csv"].files[0]["rows"] == 2
    assert any("万元换算为元" in n for n in out["xlsx"].log)
    assert out["xlsx"].where("equipment_value", 0)[3] == "G2"
