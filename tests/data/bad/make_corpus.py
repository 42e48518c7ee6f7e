"""Write the bad-record corpus (run from this folder: python3 make_corpus.py). The files are committed;
this script documents how each was made. Expectations live in manifest.yaml."""
import json

H = "school_id,school_name,county_id,school_type,students_primary,teachers_bachelor_primary,equipment_value"
GOOD = "S1,一小,C1,小学,500,30,1200000"
GOOD2 = "S2,二小,C1,小学,300,20,700000"


def csv(*rows, header=H):
    return "\n".join([header, *rows]) + "\n"


def row(**kw):
    base = dict(school_id="S9", school_name="九小", county_id="C1", school_type="小学", students_primary="400",
                teachers_bachelor_primary="25", equipment_value="900000")
    base.update(kw)
    return ",".join(base[k] for k in H.split(","))


CASES = {
    "text_in_number.csv": csv(GOOD, row(students_primary="四百")),
    "negative_count.csv": csv(GOOD, row(teachers_bachelor_primary="-5")),
    "fractional_teachers.csv": csv(GOOD, row(teachers_bachelor_primary="25.5")),
    "wan_yuan_in_cell.csv": csv(GOOD, row(equipment_value="90万元")),
    "wan_yuan_in_header.csv": csv(GOOD.replace("1200000", "120"), row(equipment_value="90"),
                                   header=H.replace("equipment_value", "教学仪器设备资产值（万元）")),
    "fullwidth_digits.csv": csv(GOOD, row(students_primary="４００")),
    "thousands_separator.csv": csv(GOOD, row(equipment_value='"900,000"')),
    "stray_percent_in_count.csv": csv(GOOD, row(students_primary="400%")),
    "blank_cell.csv": csv(GOOD, row(teachers_bachelor_primary="")),
    "zero_cell.csv": csv(GOOD, row(teachers_bachelor_primary="0")),
    "dash_cell.csv": csv(GOOD, row(teachers_bachelor_primary="—")),
    "missing_school_id.csv": csv(GOOD, row(school_id="")),
    "duplicate_school_id.csv": csv(GOOD, row(school_id="S1")),
    "unknown_school_type.csv": csv(GOOD, row(school_type="完小")),
    "missing_county_id.csv": csv(GOOD, row(county_id="")),
    "school_county_not_in_county_file.csv": csv(GOOD, row(county_id="C404")),
    "gbk_encoding.csv": None,  # written below
    "utf8_bom.csv": None,
    "empty_file.csv": "",
    "header_only.csv": H + "\n",
    "extra_columns.csv": csv(GOOD + ",x,y", row() + ",x,y", header=H + ",备注,填表人"),
    "merged_blank_rows.csv": csv(GOOD, ",,,,,,", ",一小（分校）,,,,,", row()),
    "year_20018.csv": csv(GOOD + ",1998", row() + ",20018", header=H + ",built_year"),
    "nan_literal.csv": csv(GOOD, row(students_primary="NaN")),
    "infinity_literal.csv": csv(GOOD, row(equipment_value="Infinity")),
    "huge_exponent.csv": csv(GOOD, row(equipment_value="1e400")),
    "huge_400_digits.csv": csv(GOOD, row(equipment_value="9" * 400)),
    "formula_in_number.csv": csv(GOOD, row(students_primary='"=SUM(A1:A9)"')),
    "bad_bool.csv": csv(GOOD + ",是", row() + ",也许", header=H + ",boarding"),
    "header_variants.csv": csv(GOOD, row(), header="学校代码 ,学校名称,区县代码,学校类型,小学学生人数,本科学历专任教师人数（小学）,教学仪器设备资产值（账面原值）"),
    "duplicate_column.csv": csv(GOOD + ",999", row() + ",999", header=H + ",学校代码"),
    "excel_float_id.csv": csv(GOOD, row(school_id="2101020001.0")),
    "spaces_around_numbers.csv": csv(GOOD, row(students_primary=" 400 ")),
    "scientific_notation.csv": csv(GOOD, row(equipment_value="9.0E5")),
    "primary_school_zero_students.csv": csv(GOOD, row(students_primary="0")),
    "no_stage_unknown_type.csv": csv(GOOD, row(school_type="", students_primary="")),
    "too_many_fields_in_row.csv": csv(GOOD, row() + ",surplus"),
    "semicolon_separated.csv": csv(GOOD, row()).replace(",", ";"),
    "type_with_spaces.csv": csv(GOOD, row(school_type=" 小学 ")),
    "unit_in_cell.csv": csv(GOOD, row(students_primary="400人")),
    "json_not_a_list.json": json.dumps({"records": {"school_id": "S1"}}, ensure_ascii=False),
    "jsonl_bad_line.jsonl": '{"school_id": "S1", "county_id": "C1", "school_type": "小学", "students_primary": 5}\n{oops\n',
    "json_numbers_and_nulls.json": json.dumps([
        {"school_id": "S1", "school_name": "一小", "county_id": "C1", "school_type": "小学", "students_primary": 500,
         "teachers_bachelor_primary": 30, "equipment_value": 1200000.0},
        {"school_id": "S9", "school_name": "九小", "county_id": "C1", "school_type": "小学", "students_primary": None,
         "teachers_bachelor_primary": 25, "equipment_value": 900000}], ensure_ascii=False),
    "binary_garbage.csv": None,
    # county table
    "county_percent_over_100.csv": "county_id,county_name,retention_rate\nC1,测试县,120\n",
    "county_duplicate_id.csv": "county_id,county_name\nC1,测试县\nC1,测试县（重复）\n",
    "county_missing_id.csv": "county_id,county_name\nC1,测试县\n,无代码县\n",
}

for name, text in CASES.items():
    if text is not None:
        open(name, "w", encoding="utf-8", newline="").write(text)
open("gbk_encoding.csv", "wb").write(csv(GOOD, row()).encode("gbk"))
open("utf8_bom.csv", "wb").write(csv(GOOD, row()).encode("utf-8-sig"))
open("binary_garbage.csv", "wb").write(bytes(range(256)) * 4)
open("counties.csv", "w", encoding="utf-8").write("county_id,county_name\nC1,测试县\n")
open("counties_two.csv", "w", encoding="utf-8").write("county_id,county_name\nC1,测试县\nC2,另一县\n")
open("missing_county_id_two_counties.csv", "w", encoding="utf-8").write(CASES["missing_county_id.csv"])
