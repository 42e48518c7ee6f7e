"""Hostile files (project issue 8, part 3): each gives a clean, located error or safe output.

YAML alias bombs, !!python/object tags, duplicate keys (an error naming both lines), enormous
numbers, NaN/Infinity literals, deep nesting, path traversal in ``extends``, and formula injection in
record cells (kept as text in CSV/JSON; never a live formula in XLSX).
"""
from __future__ import annotations

import contextlib
import io
import json
import re
import zipfile
from pathlib import Path

import pytest

import junheng.cli.main as cli
from junheng.reports.files import write_csv, write_json
from junheng.evaluation.run import evaluate_files

HERE = Path(__file__).parents[1]  # tests/
HOSTILE = HERE / "data" / "hostile"
FUZZ = HERE / "data" / "fuzz"
STD = "national/quality-2017"

HEAD = """id: hostile/x
title: 恶意文件
version: "1"
jurisdiction: {code: X, name: 测试}
documents:
  d: {title: t, source_status: secondary}
"""


def run_cli(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(argv)
    return code, out.getvalue() + err.getvalue()


CASES = {
    "alias_bomb.yaml": HEAD + "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                       "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                       "e: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n",
    "python_object.yaml": HEAD + "notes: !!python/object/apply:os.system ['echo pwned']\n",
    "python_name.yaml": HEAD + "notes: !!python/name:os.system\n",
    "duplicate_key.yaml": HEAD + "parameters:\n  P1:\n    value: 1\n    citation: {document: d}\n  P1:\n"
                          "    value: 2\n    citation: {document: d}\n",
    "nan_literal.yaml": HEAD + "parameters:\n  P1:\n    value: .nan\n    citation: {document: d}\n",
    "inf_literal.yaml": HEAD + "parameters:\n  P1:\n    value: .inf\n    citation: {document: d}\n",
    "float_overflow.yaml": HEAD + "parameters:\n  P1:\n    value: 1.0e+400\n    citation: {document: d}\n",
    "int_400_digits.yaml": HEAD + "parameters:\n  P1:\n    value: " + "9" * 400 + "\n    citation: {document: d}\n",
    "int_10000_digits.yaml": HEAD + "parameters:\n  P1:\n    value: " + "9" * 10000 + "\n    citation: {document: d}\n",
    "deep_nesting.yaml": HEAD + "notes: " + "[" * 500 + "]" * 500 + "\n",
    "deep_mapping.yaml": HEAD + "".join("  " * i + f"k{i}:\n" for i in range(60)) + "  " * 60 + "v: 1\n",
    "extends_etc_passwd.yaml": HEAD + "extends: ../../etc/passwd\n",
    "extends_absolute.yaml": HEAD + "extends: /etc/passwd\n",
    "extends_traversal_id.yaml": HEAD + "extends: national/../../../../etc/passwd\n",
    "expr_1e400.yaml": HEAD + "rules:\n  - id: R1\n    level: stage\n    name: r\n    value: students\n"
                       "    operator: \">=\"\n    threshold: \"1e400\"\n    citation: {document: d}\n",
}


def _write_cases():
    HOSTILE.mkdir(parents=True, exist_ok=True)
    for name, text in CASES.items():
        p = HOSTILE / name
        if not p.exists() or p.read_text(encoding="utf-8") != text:
            p.write_text(text, encoding="utf-8")


_write_cases()


@pytest.mark.parametrize("name,pattern", [
    ("alias_bomb.yaml", r"别名|锚点|alias|anchor"),
    ("python_object.yaml", r"标签.*python|tag.*python"),
    ("python_name.yaml", r"python|tag|标签|YAML"),
    ("duplicate_key.yaml", r"重复的键 'P1'.*第 8 行|duplicate key 'P1'"),
    ("nan_literal.yaml", r"NaN"),
    ("inf_literal.yaml", r"NaN|Infinity"),
    ("float_overflow.yaml", r"NaN|Infinity"),
    ("int_400_digits.yaml", r"过大|too large"),
    ("int_10000_digits.yaml", r"过大|too large|无效|invalid"),
    ("deep_nesting.yaml", r"嵌套|nest"),
    ("deep_mapping.yaml", r"嵌套|nest"),
    ("extends_etc_passwd.yaml", r"找不到|cannot find|不允许|not allowed|不能写路径|not a path"),
    ("extends_absolute.yaml", r"找不到|cannot find|不允许|not allowed|不能写路径|not a path"),
    ("extends_traversal_id.yaml", r"找不到|cannot find|不允许|not allowed|不能写路径|not a path"),
    ("expr_1e400.yaml", r"过大|too large"),
])
def test_hostile_standard_file(name, pattern):
    p = HOSTILE / name
    code, output = run_cli(["check", str(p)])
    assert code == 2, output
    assert "Traceback" not in output
    line = next((ln for ln in output.splitlines() if ln.startswith(str(p))), "")
    assert re.match(re.escape(str(p)) + r":\d+:\d+: ", line), output
    assert re.search(pattern, output), output
    if name == "duplicate_key.yaml":  # both lines named: the duplicate at 11, the first at 8
        assert line.startswith(f"{p}:11:") and "第 8 行" in line, line
    if name.startswith("extends"):
        assert "root:" not in output  # nothing of /etc/passwd is echoed


def test_alias_bomb_is_fast():
    import time

    t = time.perf_counter()
    run_cli(["check", str(HOSTILE / "alias_bomb.yaml")])
    assert time.perf_counter() - t < 5


FORMULAS = ['=HYPERLINK("http://evil.example/x","点我")', "+1+1", "-1+1", "@SUM(A1:A2)", "=1+2"]


@pytest.fixture(scope="module")
def formula_run(tmp_path_factory):
    d = tmp_path_factory.mktemp("formula")
    lines = (FUZZ / "base_schools.csv").read_text(encoding="utf-8").splitlines()
    out = [lines[0]]
    for i, ln in enumerate(lines[1:]):
        cells = ln.split(",")
        cells[1] = '"' + FORMULAS[i % len(FORMULAS)].replace('"', '""') + '"'  # school_name
        out.append(",".join(cells))
    out.append("S9," + '"=HYPERLINK(""http://x"",""y"")"' + ",C1,小学,=1+2" + "," * (len(lines[0].split(",")) - 5))
    p = d / "schools.csv"
    p.write_text("\n".join(out) + "\n", encoding="utf-8")
    return evaluate_files(STD, [str(p)], [str(FUZZ / "base_counties.csv")]), d


def test_formula_cells_stay_text_in_json_and_neutralised_in_csv(formula_run):
    run, d = formula_run
    buf = io.StringIO()
    write_json(run, buf)
    doc = json.loads(buf.getvalue())
    names = {v["school_name"] for v in doc["verdicts"] if v["school_name"]}
    assert set(FORMULAS[:4]) <= names  # kept verbatim as JSON strings
    # a formula in a number cell is not a number: a located problem, the cell is missing
    assert any(p["value"] == "=1+2" and p["action"] == "cell ignored" for p in doc["problems"]), doc["problems"]
    c = io.StringIO()
    write_csv(run, c)
    import csv
    rows = list(csv.DictReader(io.StringIO(c.getvalue())))
    # CSV: neutralised as OWASP recommends (a leading '), so a spreadsheet never runs them (issue 14)
    assert {r["school_name"] for r in rows} >= {"'" + f for f in FORMULAS[:4]}
    assert not ({r["school_name"] for r in rows} & set(FORMULAS))
    # numbers stay numbers: the float columns are never prefixed
    assert all(not r[k].startswith("'") for r in rows for k in ("value", "threshold", "margin"))


def test_formula_cells_never_live_formulas_in_xlsx(formula_run):
    pytest.importorskip("junheng.reports.xlsx_report")
    from junheng.reports.xlsx_report import write_xlsx

    run, d = formula_run
    p = d / "report.xlsx"
    write_xlsx(run, p)
    with zipfile.ZipFile(p) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        for n in sheets:
            xml = z.read(n).decode("utf-8")
            for f in re.findall(r"<f>(.*?)</f>", xml):
                assert "HYPERLINK" not in f and "SUM(A1" not in f, (n, f)
    import openpyxl
    wb = openpyxl.load_workbook(p)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value in FORMULAS:
                    assert cell.data_type == "s", (ws.title, cell.coordinate, cell.value)
