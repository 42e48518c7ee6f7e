"""Write the real-collection-file trap corpus (issue 17; run from this folder: python3 make_traps.py).
The files are committed; this script documents how each was made. Expectations live in manifest.yaml
and tests/test_record_traps.py. Every file is read with ../bad/counties.csv (one county, C1)."""
import json

import openpyxl

H = ["school_id", "school_name", "county_id", "school_type", "students_primary", "teachers_bachelor_primary",
     "equipment_value"]
ZH = ["学校代码", "学校名称", "区县代码", "学校类型", "小学学生人数", "本科学历专任教师人数（小学）", "教学仪器设备资产值"]


def school(k, **kw):
    r = dict(school_id=f"S{k:02d}", school_name=f"第{k}小学", county_id="C1", school_type="小学",
             students_primary=str(300 + k), teachers_bachelor_primary="20", equipment_value="700000")
    r.update(kw)
    return [r[h] for h in H]


def text(rows, header=H, sep=","):
    return "\n".join(sep.join(r) for r in [header, *rows]) + "\n"


def write(name, data: bytes):
    with open(name, "wb") as fh:
        fh.write(data)


def csv_files():
    # 30 schools; a stray quote opens in S05's name (line 6) and closes in S13's (line 14)
    rows = [school(k) for k in range(1, 31)]
    rows[4][1] = '"第5小学'
    rows[12][1] = '第13小学"'
    write("stray_quotes.csv", text(rows).encode("utf-8"))
    # a UTF-8 BOM in front of GBK text (Chinese headers)
    write("bom_then_gbk.csv", b"\xef\xbb\xbf" + text([school(1), school(2)], ZH).encode("gbk"))
    # Excel's text exports: "文本文件(制表符分隔)" (GBK) and "Unicode 文本" (UTF-16 LE with BOM)
    write("excel_tab_export.txt", text([school(1), school(2)], ZH, "\t").replace("\n", "\r\n").encode("gbk"))
    write("excel_unicode_export.txt", text([school(1), school(2)], ZH, "\t").replace("\n", "\r\n").encode("utf-16"))
    # a blank students_primary beside a filled 小学学生人数 (and one disagreement); 学校名称 twice
    hdr = H + ["小学学生人数", "学校名称"]
    rows = [school(1) + ["301", "第1小学"], school(2) + ["999", "第2小学"], school(3) + ["303", "第3小学"]]
    rows[0][4] = ""
    rows[2][4] = ""
    write("duplicate_columns.csv", text(rows, hdr).encode("utf-8"))
    # invisible and look-alike characters: S01 again with a zero-width space, S02 in full width,
    # a soft hyphen inside 小学, a U+2010 hyphen in a code
    rows = [school(1), school(1, school_name="重复的一小"), school(2, school_type="小\u00ad学"),
            school(3, school_id="S\u201003")]
    rows[1][0] = "S01\u200b"
    rows[2][0] = "Ｓ０２"
    write("invisible_characters.csv", text(rows).encode("utf-8"))
    # control characters in a name
    write("control_characters.csv", text([school(1, school_name="第1\x07小\x1b学"), school(2)]).encode("utf-8"))


def xlsx_files():
    # a merged title row and a unit row above the header (the usual Chinese table layout)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "学校"
    ws.append(["2024年义务教育学校基本情况统计表"])
    ws.merge_cells("A1:G1")
    ws.append(["填报单位：测试县教育局", None, None, None, None, "单位：人、元"])
    ws.append(ZH)
    for k in (1, 2, 3):
        ws.append([int(v) if v.isdigit() else v for v in school(k)])
    wb.save("title_rows.xlsx")

    # hidden and veryHidden sheets with stale schools
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "学校"
    ws.append(H)
    ws.append(school(1))
    ws.append(school(2))
    for title, state, k in (("旧数据", "hidden", 7), ("内部", "veryHidden", 8)):
        h = wb.create_sheet(title)
        h.append(H)
        h.append(school(k))
        h.sheet_state = state
    wb.save("hidden_sheets.xlsx")

    # a formula written by a script, never calculated (no cached value)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(H + ["本科", "硕士"])
    ws.append(school(1) + [None, None])
    ws.append(school(2) + [None, None])
    ws["E3"] = "=100+200"
    wb.save("formula_without_value.xlsx")

    # county code and school type merged down 30 rows
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(ZH)
    for k in range(1, 31):
        r = school(k)
        ws.append([r[0], r[1], "C1" if k == 1 else None, "小学" if k == 1 else None] + [int(v) for v in r[4:]])
    ws.merge_cells("C2:C31")
    ws.merge_cells("D2:D31")
    wb.save("merged_county_code.xlsx")

    # a stray cell at the last row of the sheet (a 13 KB file Excel says is 1048576 rows long), and a
    # styled empty cell at the last column
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(H)
    ws.append(school(1))
    ws.append(school(2))
    ws["A1048576"] = "备注"
    ws["XFD1048575"].number_format = "0.00"
    ws["XFD1048575"].value = " "
    wb.save("stray_last_row.xlsx")

    # the vertical one-school-per-sheet form with an item given twice (same value / different value)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "第1小学"
    ws.append(["序号", "类别", "填报项目", "单位", "填报值"])
    items = [("学校名称", "", "第1小学"), ("学校类型", "", "小学"), ("学校代码", "", "S01"), ("区县代码", "", "C1"),
             ("小学学生人数", "人", 500), ("本科学历教师人数（小学）", "人", 30), ("小学学生人数", "人", 520),
             ("学校类型", "", "小学")]
    for k, (item, unit, value) in enumerate(items, start=1):
        ws.append([k, "基本信息", item, unit, value])
    wb.save("form_item_twice.xlsx")


def json_files():
    write("json_key_twice.json", ('{"records": [{"school_id": "S01", "school_name": "第1小学", "county_id": "C1", '
                                  '"school_type": "小学", "students_primary": 500, "students_primary": 520, '
                                  '"school_type": "小学"}, {"school_id": "S02", "school_name": "第2小学", '
                                  '"county_id": "C1", "school_type": "小学", "students_primary": 300}]}').encode())
    write("json_deep.json", ("[" * 5000 + "]" * 5000).encode())
    row = dict(zip(H, school(1)))
    row["equipment_value"] = "NUMBER"
    doc = json.dumps({"records": [row, dict(zip(H, school(2)))]}, ensure_ascii=False)
    write("json_huge_number.json", doc.replace('"NUMBER"', "9" * 5000).encode())


if __name__ == "__main__":
    csv_files()
    xlsx_files()
    json_files()
