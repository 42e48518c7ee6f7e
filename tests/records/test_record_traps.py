"""Real collection files (issue 17): every trap of tests/data/traps/ (made by make_traps.py) is read
without losing a row silently — rows read = rows evaluated + rows rejected, per file — and each
problem names its place (file, sheet, row, cell) and its record (code and name)."""
from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from junheng.errors import InputError
from junheng.records.readers import read_records
from junheng.evaluation.run import evaluate_files, evaluate_records, load_inputs, prepare
from junheng.evaluation.units import build_spaces

ROOT = Path(__file__).resolve().parents[2]
TRAPS = Path(__file__).parents[1] / "data" / "traps"
COUNTIES = Path(__file__).parents[1] / "data" / "bad" / "counties.csv"
STD = "national/quality-2017"

# file -> rows read, rows rejected, substrings each found in one problem (or log line), values after reading
CASES = {
    "stray_quotes.csv": dict(rows=22, rejected=1, problems=["第 6–14 行", "引号没有配对", "8 行", "〈S05 第5小学"],
                             values={"S14": {"students_primary": 314}, "S04": {"students_primary": 304}}),
    "bom_then_gbk.csv": dict(rows=2, rejected=0, log=["BOM"], values={"S02": {"students_primary": 302}}),
    "excel_tab_export.txt": dict(rows=2, rejected=0, log=["制表符"], values={"S02": {"students_primary": 302}}),
    "excel_unicode_export.txt": dict(rows=2, rejected=0, log=["制表符"], values={"S01": {"school_type": "小学"}}),
    "duplicate_columns.csv": dict(
        rows=3, rejected=0, problems=["与列「students_primary」（E3「302」）不一致", "〈S02 第2小学〉", "重复"],
        # S01: blank students_primary filled from 小学学生人数; S02: 302 vs 999 disagree -> missing
        values={"S01": {"students_primary": 301}, "S02": {"students_primary": None}, "S03": {"students_primary": 303}}),
    "invisible_characters.csv": dict(rows=4, rejected=1, problems=["代码「S01」重复", "〈S01 重复的一小〉"],
                                     log=["不可见字符"], values={"S02": {"school_type": "小学"}, "S-03": {}}),
    "control_characters.csv": dict(rows=2, rejected=0, values={"S01": {"school_name": "第1\x07小\x1b学"}}),
    "title_rows.xlsx": dict(rows=3, rejected=0, log=["表头在第 3 行"], values={"S03": {"students_primary": 303}}),
    "hidden_sheets.xlsx": dict(rows=2, rejected=0, log=["[旧数据]: 隐藏的工作表（hidden）",
                                                        "[内部]: 隐藏的工作表（veryHidden）"]),
    "formula_without_value.xlsx": dict(rows=2, rejected=0, problems=["[Sheet]:3 E3 〈S02 第2小学〉",
                                                                     "公式没有计算结果"],
                                       values={"S02": {"students_primary": None}, "S01": {"students_primary": 301}}),
    "merged_county_code.xlsx": dict(rows=30, rejected=0, log=["合并单元格 C2:C31 的值向下填入 29 行", "D2:D31"],
                                    values={"S30": {"county_id": "C1", "school_type": "小学"}}),
    "stray_last_row.xlsx": dict(rows=3, rejected=1, problems=["[Sheet]:1048576 A1048576"]),
    "form_item_twice.xlsx": dict(rows=1, rejected=0,
                                 problems=["E6「500」与 E8「520」", "〈S01 第1小学〉",
                                           "E3「小学」与 E9「小学」），值相同"],
                                 values={"S01": {"students_primary": None, "school_type": "小学"}}),
    "json_key_twice.json": dict(rows=2, rejected=0,
                                problems=["键「students_primary」在同一对象中出现两次（「500」与「520」）"],
                                values={"S01": {"students_primary": None}, "S02": {"students_primary": 300}}),
    "json_huge_number.json": dict(rows=2, rejected=0, problems=["equipment_value", "〈S01 第1小学〉"],
                                  values={"S01": {"equipment_value": None}}),
    "json_deep.json": dict(input_error="JSON 嵌套过深（第 1 行第 65 列起超过 64 层）"),
}


def test_every_trap_file_has_a_case():
    files = {p.name for p in TRAPS.iterdir()} - {"make_traps.py"}
    assert files == set(CASES), files ^ set(CASES)


def _load(name):
    std, compiled = prepare(STD)
    srs, crs = load_inputs(compiled, [str(TRAPS / name)], [str(COUNTIES)])
    build_spaces(std, srs, crs, True)
    return srs


def _same(got, want):
    if want is None:
        return got is None or got != got
    return got == want


@pytest.mark.parametrize("name", sorted(CASES))
def test_trap_file(name):
    spec = CASES[name]
    if "input_error" in spec:
        with pytest.raises(InputError) as exc:
            _load(name)
        assert name in str(exc.value) and spec["input_error"] in str(exc.value), str(exc.value)
        return
    rs = _load(name)
    assert rs.rows_read == spec["rows"]
    assert len(rs.rejected) == spec["rejected"]
    assert rs.rows_read == len(rs.frame) + len(rs.rejected)  # none lost
    texts = [str(p) for p in rs.problems]
    for s in spec.get("problems", []):
        assert any(s in t for t in texts), (s, texts)
    for s in spec.get("log", []):
        assert any(s in line for line in rs.log), (s, rs.log)
    for p in rs.problems:
        assert p.file.endswith(name) and p.row >= 1 and p.message
    for sid, cols in spec.get("values", {}).items():
        row = rs.frame[rs.frame["school_id"] == sid]
        assert len(row) == 1, (sid, rs.frame["school_id"].tolist())
        for col, want in cols.items():
            assert _same(row.iloc[0][col], want), (sid, col, row.iloc[0][col], want)


def test_stray_quote_rows_after_it_keep_their_line():
    rs = _load("stray_quotes.csv")
    f = rs.frame.set_index("school_id")
    assert "S06" not in f.index and "S13" not in f.index  # swallowed into S05's name: S05 rejected
    i = list(rs.frame["school_id"]).index("S14")
    assert rs.origin.iloc[i]["row"] == 15  # S14 is on line 15 (8 line breaks inside S05's cell)
    assert rs.rejected[0]["row"] == 6 and rs.rejected[0]["id"] == "S05"


def test_plain_quoted_csv_is_not_flagged(tmp_path):
    p = tmp_path / "q.csv"
    p.write_text('school_id,school_name,county_id,school_type,students_primary\nS1,"一小,东校",C1,小学,5\n'
                 'S2,"二小\n(新址)",C1,小学,6\n', encoding="utf-8")
    [raw] = read_records(p)
    assert not raw.issues  # a separator inside quotes, or a line break without separators, is a value
    assert raw.row == [2, 3]


def test_same_file_twice_counted_per_file(tmp_path):
    std, compiled = prepare(STD)
    path = str(TRAPS / "bom_then_gbk.csv")
    srs, crs = load_inputs(compiled, [path, path], [str(COUNTIES)])
    run = evaluate_records(std, compiled, srs, crs, None, True)
    s = run.input_summary()
    assert [(x["rows"], x["rows_evaluated"], x["rows_rejected"]) for x in s[:2]] == [(2, 2, 0), (2, 0, 2)]
    assert any("同一文件给了两次" in line for line in srs.log)


def test_stray_cell_at_last_row_in_bounded_memory():
    """A 5 KB workbook whose last row is 1048576: read in a fresh process, peak memory well under 300 MB
    (the dense read needed gigabytes)."""
    code = ("import resource,sys; from junheng.records.readers import read_records; "
            f"t = read_records({str(TRAPS / 'stray_last_row.xlsx')!r}); "
            "print(len(t[0].frame), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    rows, peak_mb = map(int, out.stdout.split())
    assert rows == 3 and peak_mb < 300, out


def _bomb(path: Path, strings_mb: int):
    """A real workbook whose sharedStrings.xml is replaced by strings_mb MB of repeated strings
    (compresses about 1000:1)."""
    wb = openpyxl.Workbook()
    wb.active.append(["school_id", "school_name"])
    wb.active.append(["S1", "一小"])
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            z.writestr(info, src.read(info))
        item = b"<si><t>" + b"a" * 1000 + b"</t></si>"
        n = strings_mb * 1024 * 1024 // len(item)
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as fh:
            fh.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            for _ in range(n // 1000):
                fh.write(item * 1000)
            fh.write(b"</sst>")
    return path


def test_zip_bomb_refused_from_the_directory(tmp_path):
    p = _bomb(tmp_path / "bomb.xlsx", 80)
    assert p.stat().st_size < 2 * 1024 * 1024
    with pytest.raises(InputError) as exc:
        read_records(p)
    assert "bomb.xlsx" in str(exc.value) and "共享字符串表解压后 79 MB，超过上限 64 MB" in str(exc.value)


def test_total_uncompressed_limit(tmp_path, monkeypatch):
    import junheng.records.xlsx_reader as xlsx_reader

    monkeypatch.setattr(xlsx_reader, "MAX_XLSX_UNCOMPRESSED", 4096)
    with pytest.raises(InputError) as exc:
        read_records(TRAPS / "title_rows.xlsx")
    assert "解压后共" in str(exc.value) and "超过上限" in str(exc.value)


def test_problems_name_their_record_in_json():
    from junheng.reports.files import write_json

    std, compiled = prepare(STD)
    srs, crs = load_inputs(compiled, [str(TRAPS / "formula_without_value.xlsx")], [str(COUNTIES)])
    run = evaluate_records(std, compiled, srs, crs, None, True)
    buf = io.StringIO()
    write_json(run, buf)
    doc = json.loads(buf.getvalue())
    p = next(p for p in doc["problems"] if "公式" in p["message"])
    assert (p["record_id"], p["record_name"], p["cell"], p["sheet"]) == ("S02", "第2小学", "E3", "Sheet")
    # the verdicts that need the cell are not_evaluable, with the reason
    v = [x for x in doc["verdicts"] if x["school_id"] == "S02" and x["rule_id"] == "R1"]
    assert v and v[0]["outcome"] == "not_evaluable" and "公式没有计算结果" in v[0]["reason"]


def test_control_characters_do_not_stop_any_output(tmp_path):
    for fmt in ("json", "csv", "html", "xlsx", "parquet"):
        out = tmp_path / f"o.{fmt}"
        r = subprocess.run([sys.executable, str(ROOT / "cli.py"), "evaluate", "--standard", STD, "--schools",
                            str(TRAPS / "control_characters.csv"), "--counties", str(COUNTIES), "--format", fmt,
                            "--out", str(out), "--quiet"], capture_output=True, text=True, cwd=ROOT, timeout=300)
        assert r.returncode == 0, (fmt, r.stderr[-2000:])
        assert out.stat().st_size > 1000, fmt


def test_nothing_to_evaluate_exits_non_zero(tmp_path):
    blank = tmp_path / "blank.csv"
    blank.write_text("学校代码,学校名称,区县代码,学校类型,小学学生人数\n", encoding="utf-8")
    r = subprocess.run([sys.executable, str(ROOT / "cli.py"), "evaluate", "--standard", STD, "--schools", str(blank),
                        "--format", "json", "--out", str(tmp_path / "o.json")], capture_output=True, text=True,
                       cwd=ROOT, timeout=300)
    assert r.returncode == 1, r.stderr
    assert "没有可评估的学校" in r.stderr and "blank.csv" in r.stderr
    run = evaluate_files(STD, [str(TRAPS / "stray_last_row.xlsx")], [str(COUNTIES)])
    assert run.nothing_to_evaluate() == ""


def test_nothing_to_evaluate_in_red_on_the_workbench(tmp_path):
    from junheng.web.app import Settings, create_app
    from junheng.web.workspace import Workspace

    ws = Workspace()
    try:
        app = create_app(Settings(save_dir=tmp_path / "saved"), ws)
        data = {"standard": STD, "as_of": "",
                "schools": [(io.BytesIO("学校代码,学校名称,区县代码,学校类型\n".encode()), "空表.csv")]}
        resp = app.test_client().post("/evaluate", data=data, content_type="multipart/form-data")
        page = resp.data.decode()
        assert resp.status_code == 400
        assert 'class="errors"' in page and "没有可评估的学校" in page and "空表.csv" in page
    finally:
        ws.close()
