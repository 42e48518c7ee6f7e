"""Mistakes in standard files give file:line:col errors, all at once, exit code 2, never a traceback."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

from junheng.errors import StandardError
from junheng.standard.loader import load_standard
from junheng.standard.checker import compile_standard
from junheng.language.parser import ExprSyntaxError, parse_expression

ROOT = Path(__file__).resolve().parents[2]
GOOD = (ROOT / "standards/national/quality-2017.yaml").read_text(encoding="utf-8")


def broken(tmp_path, replacements, name="broken.yaml"):
    text = GOOD.replace("id: national/quality-2017", "id: test/broken")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p, text


def line_col(text, needle):
    i = text.index(needle)
    line = text.count("\n", 0, i) + 1
    col = i - (text.rfind("\n", 0, i) + 1) + 1
    return line, col


def errors_of(path):
    with pytest.raises(StandardError) as exc:
        compile_standard(load_standard(str(path), collect=True))
    return exc.value.errors


def test_unknown_field_syntax_error_and_cycle_all_reported(tmp_path):
    p, text = broken(tmp_path, [
        ("value: backbone_teachers / students * 100", "value: backbone_teachrs / students * 100"),
        ("value: multimedia_rooms / students * 100", "value: multimedia_rooms / / students"),
    ])
    errs = errors_of(p)
    # the syntax error is found while loading; fix nothing else and all are reported together
    msgs = [str(e) for e in errs]
    line, col = line_col(text, "multimedia_rooms / / students")
    assert any(f"{p}:{line}:{col + len('multimedia_rooms / ')}" in m for m in msgs), msgs


def test_unknown_name_located(tmp_path):
    p, text = broken(tmp_path, [("value: backbone_teachers / students * 100",
                                 "value: backbone_teachrs / students * 100")])
    errs = errors_of(p)
    line, col = line_col(text, "backbone_teachrs")
    assert [(e.loc.line, e.loc.col) for e in errs] == [(line, col)]
    assert "backbone_teachrs" in errs[0].message


def test_cycle_reported(tmp_path):
    p, text = broken(tmp_path, [("expr: gym_area + sports_ground_area", "expr: gym_area + value(R5)")])
    errs = errors_of(p)
    assert any("循环" in e.message and "R5" in e.message for e in errs), [str(e) for e in errs]


def test_wrong_arity_and_unknown_function(tmp_path):
    p, text = broken(tmp_path, [
        ("value: weighted_cv(value(R1), weight = students)", "value: weighted_cv(value(R1))"),
        ("value: weighted_cv(value(R2), weight = students)", "value: wcv(value(R2), weight = students)"),
    ])
    msgs = [str(e) for e in errors_of(p)]
    assert any("weight" in m and "weighted_cv" in m for m in msgs), msgs
    assert any("wcv" in m for m in msgs), msgs


def test_level_mistake(tmp_path):
    # a county rule cannot read a stage-level value without an aggregate
    p, text = broken(tmp_path, [("value: weighted_cv(value(R3), weight = students)", "value: value(R3)")])
    msgs = [str(e) for e in errors_of(p)]
    assert any("汇总" in m for m in msgs), msgs


def test_duplicate_key_is_an_error(tmp_path):
    p, text = broken(tmp_path, [("    values: {primary: 4.2, junior: 5.3}\n",
                                 "    values: {primary: 4.2, junior: 5.3}\n    values: {primary: 4.0, junior: 5.3}\n")])
    errs = errors_of(p)
    assert "重复" in errs[0].message and errs[0].loc.line > 0


@pytest.mark.parametrize("text,col", [("a +", 4), ("(a", 3), ("a $ b", 3), ("f(x,", 5)])
def test_parse_errors_have_positions(text, col):
    with pytest.raises(ExprSyntaxError) as exc:
        parse_expression(text)
    assert exc.value.col == col


def test_cli_check_exit_code_and_no_traceback(tmp_path):
    p, _ = broken(tmp_path, [("value: backbone_teachers / students * 100", "value: backbone_teachrs / / 100"),
                             ("expr: gym_area + sports_ground_area", "expr: gym_area + value(R5)")])
    r = subprocess.run([sys.executable, str(ROOT / "cli.py"), "check", str(p)], capture_output=True, text=True,
                       cwd=tmp_path)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr + r.stdout
    assert re.search(re.escape(str(p)) + r":\d+:\d+", r.stderr), r.stderr


def test_cli_check_bundled_standards_clean():
    r = subprocess.run([sys.executable, str(ROOT / "cli.py"), "check", str(ROOT / "standards")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_syntax_and_name_errors_reported_together(tmp_path):
    p, text = broken(tmp_path, [
        ("value: backbone_teachers / students * 100", "value: backbone_teachrs / students * 100"),
        ("value: multimedia_rooms / students * 100", "value: multimedia_rooms / / students"),
    ], name="two.yaml")
    errs = errors_of(p)
    assert len(errs) == 2
    assert {e.loc.line for e in errs} == {line_col(text, "backbone_teachrs")[0],
                                          line_col(text, "multimedia_rooms / /")[0]}
