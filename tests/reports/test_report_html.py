"""HTML and Excel reports: self-contained, escaped, explanations identical to `junheng explain`,
no formula injection, CLI formats and --quiet."""
from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

from junheng.evaluation.run import evaluate_files

ROOT = Path(__file__).parents[2]
DATA = Path(__file__).parents[1] / "data" / "reports"
STD = "national/quality-2017"
NASTY = ['=HYPERLINK("http://x","点我")<script>alert(1)</script>', "+1 小学[/b][red]x[/red]", "-2 学校 & <b>粗</b>",
         "@SUM(A1:A9)"]


@pytest.fixture(scope="module")
def run():
    return evaluate_files(STD, [str(DATA / "schools.csv")], [str(DATA / "counties.csv")])


@pytest.fixture(scope="module")
def page(run):
    from junheng.reports.html_report import render_html

    return render_html(run)


def test_self_contained(page):
    assert page.startswith("<!DOCTYPE html>")
    # no script, no external resource of any kind
    assert "<script" not in page.lower()
    assert not re.search(r'\b(src|href)\s*=', page, re.I)
    assert "@import" not in page and "url(" not in page
    assert "<svg" in page and "<table" in page and "<details" in page


def test_user_data_escaped(page):
    from markupsafe import escape  # the templates' autoescaping (quotes as &#34;, not &quot;)

    for name in NASTY:
        assert str(escape(name)) in page
    assert "<b>粗</b>" not in page and "<script>alert" not in page


def test_sections_present(page, run):
    for rid in ("R1", "R2", "R3", "R4", "R5", "R6", "R7"):
        assert f"<h3>{rid} " in page  # one chart per resource indicator
    assert "85% 底线" in page  # the floor line of the 6-of-7 rule
    assert "校际差异系数" in page
    assert "被拒绝的行（1）" in page and "T005" in page  # the row with an unknown county
    assert run.fingerprint() in page
    assert run.standard.chain[0].sha256 in page
    # the county rules that exist are shown (area and county verdicts when the standard has them)
    county_rules = {r.id for r in run.compiled.rules if r.space in ("county", "county_stage")}
    for rid in county_rules:
        assert rid in page
    # counterfactual next to the failing cell
    assert "需增加教学仪器设备资产值 10 万元" in page
    assert 'class="fail num"' in page


def test_explanation_matches_cli(page, run):
    """The text explanation is what `junheng explain --school ID --stage S --all` prints; the report's
    <details> holds the plain view of the same unit (explain/plain.py)."""
    from junheng.explain.plain import explain_html
    from junheng.reports.html_report import _explain_text

    for sid, stage in (("T003", "junior"), ("T006", "primary")):
        proc = subprocess.run([sys.executable, str(ROOT / "cli.py"), "explain", "--standard", STD, "--schools",
                               str(DATA / "schools.csv"), "--counties", str(DATA / "counties.csv"), "--school", sid,
                               "--stage", stage, "--all", "--quiet"], capture_output=True, text=True, cwd=ROOT,
                              env={"COLUMNS": "100000", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
        assert proc.returncode == 0, proc.stderr
        cli_lines = [x.rstrip() for x in proc.stdout.splitlines()]
        ours = [x.rstrip() for x in _explain_text(run, sid, stage, "zh").splitlines()]
        assert len(cli_lines) == len(ours)
        for a, b in zip(cli_lines, ours):
            # the CLI crops lines at its console width when piped; the report keeps the whole line
            assert b.startswith(a), (a, b)
        assert explain_html(run, sid, stage, "zh", style=False) in page


def test_explanation_matches_explain_render_exactly(run):
    from rich.console import Console

    from junheng.explain.derivation import explain_school, render
    from junheng.reports.html_report import _explain_text

    for sid in ("T001", "T003", "T004", "T007"):
        buf = io.StringIO()
        render(explain_school(run, sid, None, "zh"), Console(file=buf, soft_wrap=True, width=100000, emoji=False,
                                                             color_system=None), "zh", full=True)
        assert [x.rstrip() for x in buf.getvalue().splitlines()] == \
               [x.rstrip() for x in _explain_text(run, sid, None, "zh").splitlines()]


def test_english(run):
    from junheng.reports.html_report import render_html

    page = render_html(run, "en")
    assert '<html lang="en">' in page and "School-stage verdicts" in page
    assert "increase value of teaching instruments and equipment (original book value) by 100000 yuan" in page


def test_many_schools_readable():
    """300 schools: charts scroll horizontally, bars sorted, explanations embedded up to the cap."""
    import numpy as np

    from junheng.reports import html_report as R

    vals = np.linspace(0, 10, 300)
    svg = R.bar_chart(vals[::-1], np.full(300, 4.2), [f"s{i}" for i in range(300)], "人", 0.85)
    heights = [float(h) for h in re.findall(r'<rect [^>]*height="([0-9.]+)"', svg)]
    assert len(heights) == 300 and heights == sorted(heights)  # sorted ascending
    assert 'width="' in svg and "n=300" in svg


def test_xlsx(run, tmp_path):
    from openpyxl import load_workbook

    from junheng.reports.xlsx_report import write_xlsx

    path = tmp_path / "r.xlsx"
    write_xlsx(run, path)
    wb = load_workbook(path)
    assert wb.sheetnames == ["评估结论", "区县汇总", "学校学段判定", "差异系数", "被拒绝的行", "来源"]
    ws = wb["学校学段判定"]
    assert ws.freeze_panes == "E2" and ws.column_dimensions["C"].width >= 20
    assert ws.conditional_formatting  # outcome colours
    names = {ws.cell(row=i, column=3).value: ws.cell(row=i, column=3) for i in range(2, ws.max_row + 1)}
    for name in NASTY:
        cell = names[name]
        assert cell.data_type == "s" and cell.value == name  # text, not a formula
    # no formula anywhere in the workbook
    import zipfile

    with zipfile.ZipFile(path) as z:
        for n in z.namelist():
            if n.startswith("xl/worksheets/"):
                assert "<f>" not in z.read(n).decode("utf-8")
    hints = [ws.cell(row=i, column=ws.max_column).value for i in range(2, ws.max_row + 1)]
    assert any(h and "需增加教学仪器设备资产值 10 万元" in h for h in hints)
    rej = wb["被拒绝的行"]
    assert rej.max_row == 2 and rej.cell(row=2, column=4).value == "T005"
    prov = wb["来源"]
    texts = " ".join(str(c.value) for row in prov.iter_rows() for c in row if c.value)
    assert run.fingerprint() in texts and run.standard.chain[0].sha256 in texts and "R3_min" in texts
    cv = wb["差异系数"]
    assert cv.max_row > 1 and cv.cell(row=2, column=4).value.endswith("_cv")


@pytest.mark.slow
def test_cli_formats_and_quiet(tmp_path):
    base = [sys.executable, str(ROOT / "cli.py"), "evaluate", "--standard", STD, "--schools", str(DATA / "schools.csv"),
            "--counties", str(DATA / "counties.csv")]
    out = tmp_path / "r.html"
    p = subprocess.run(base + ["--format", "html", "--out", str(out), "--quiet"], capture_output=True, text=True,
                       cwd=ROOT)
    assert p.returncode == 0, p.stderr
    assert p.stderr == ""  # --quiet: no progress, no summary
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    x = tmp_path / "r.xlsx"
    p = subprocess.run(base + ["--format", "xlsx", "--out", str(x), "--quiet"], capture_output=True, text=True,
                       cwd=ROOT)
    assert p.returncode == 0 and x.stat().st_size > 0
    p = subprocess.run(base + ["--format", "xlsx", "--quiet"], capture_output=True, text=True, cwd=ROOT)
    assert p.returncode == 2


def test_progress_bar_renders_on_a_terminal():
    from rich.console import Console

    from junheng.reports.progress import Steps, evaluate_with_progress

    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=100)
    steps = Steps(console, enabled=True, transient=False)
    assert steps.enabled
    with steps:
        run = evaluate_with_progress(STD, [str(DATA / "schools.csv")], [str(DATA / "counties.csv")], steps=steps)
        steps.start("报告", total=3)
        steps.advance(3)
    assert len(run.verdicts) and "评估" in buf.getvalue()
    assert not Steps(console, enabled=False).enabled  # --quiet


def test_terminal_table_names_a_county_relaxation(monkeypatch):
    """A county verdict that passes only under a relaxation says so in the terminal table, in each
    language (the line once raised NameError: ruff F821 found it). The test data's school named
    "[/b][red]x[/red]" is printed as text, not read as rich markup (it once raised MarkupError)."""
    import io

    from rich.console import Console

    import junheng
    from junheng.evaluation.run import Run
    from junheng.reports.terminal import print_summary

    run = junheng.evaluate_files(STD, str(DATA / "schools.csv"), str(DATA / "counties.csv"), as_of="2020-09-01")
    frame = run.verdicts.copy()
    row = frame.index[(frame.level == "county") & (frame.rule_id == "G1")][0]
    frame.loc[row, "relaxation"] = "G1_RELAXED_TEST（2019-01-01 ~ 2022-12-31）"
    monkeypatch.setattr(Run, "verdicts", property(lambda self: frame))
    for lang, words in (("zh", "仅因过渡期放宽"), ("en", "only under a relaxation")):
        c = Console(file=io.StringIO(), width=300)
        print_summary(c, run, lang)
        assert f"{words}" in c.file.getvalue() and "G1_RELAXED_TEST" in c.file.getvalue()
        assert "[/b][red]x[/red]" in c.file.getvalue()
