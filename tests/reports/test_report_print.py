"""The HTML report printed to PDF by headless Chromium (what an official gets from 打印): the whole school
table with its 如何达标 column, school names on the chart axes, the dates in the title block.

Needs Debian's chromium and a Chinese font (without one every CJK glyph prints as .notdef and the PDF
has no Chinese text); .ci/run installs both. The PDF's text is read with pypdf.
"""
from __future__ import annotations

import csv
import re
import subprocess
from pathlib import Path

import pytest

from conftest import find_chromium
from junheng.evaluation.run import evaluate_files

pytestmark = pytest.mark.slow

ROOT = Path(__file__).parents[2]
DEMO = ROOT / "examples" / "demo-county"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--no-pdf-header-footer"]


def _cjk_font() -> bool:
    try:
        out = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return bool(out.strip())


def _demo_rows() -> list:
    with open(DEMO / "schools.csv", encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    import os

    pypdf = pytest.importorskip("pypdf")
    exe = find_chromium()
    if not _cjk_font():
        if os.environ.get("CI"):
            pytest.fail("no Chinese font (.ci/run installs fonts-wqy-microhei)")
        pytest.skip("no Chinese font: apt-get install -y fonts-wqy-microhei")
    from junheng.reports.html_report import write_html

    d = tmp_path_factory.mktemp("print")
    run = evaluate_files("national/quality-2017", [str(DEMO / "schools.csv")], [str(DEMO / "counties.csv")],
                         as_of="2024-09-01")
    page, pdf = d / "report.html", d / "report.pdf"
    write_html(run, page)
    proc = subprocess.run([exe, *FLAGS, f"--user-data-dir={d / 'profile'}", f"--print-to-pdf={pdf}", page.as_uri()],
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0 and pdf.exists(), proc.stderr[-2000:]
    reader = pypdf.PdfReader(str(pdf))
    text = "\n".join(p.extract_text() for p in reader.pages)
    return run, page.read_text(encoding="utf-8"), text


def _table_part(text: str) -> str:
    """The PDF text of the school-stage table: from its heading to the next section's."""
    start = text.index("学校学段判定")
    ends = [i for i in (text.find(h, start) for h in ("文件缺少的数据项", "被拒绝的行")) if i > 0]
    return text[start:min(ends)]


def test_every_school_stage_row_prints(printed):
    _, _, text = printed
    rows = _demo_rows()
    # counted from the CSV itself: one row per stage a school has pupils in
    units = sum(1 for r in rows for col in ("students_primary", "students_junior") if (r[col] or "0") != "0")
    assert units == 35  # the example county the issue speaks of
    table = _table_part(text)
    printed_ids = re.findall(r"DEMO01-\d{3}", table)
    assert len(printed_ids) == units  # every row, not the first 15
    for r in rows:
        assert r["school_name"] in table, r["school_name"]


def test_last_row_prints(printed):
    run, _, text = printed
    # the table puts units with a failing / not-evaluable stage rule first, the rest in input order: the last
    # row is the last all-passing unit of the verdict frame (a second route to it than the report's arrays)
    v = run.verdicts
    stage = v[v.level == "stage"]
    bad = stage[stage.outcome.isin(["fail", "not_evaluable"])]
    flagged = set(zip(bad.school_id, bad.stage))
    units = list(dict.fromkeys(zip(stage.school_id, stage.stage)))
    last = [u for u in units if u not in flagged][-1] if len(flagged) < len(units) else units[-1]
    printed_ids = re.findall(r"DEMO01-\d{3}", _table_part(text))
    assert printed_ids[-1] == last[0]


def test_to_pass_column_prints_whole(printed):
    _, page, text = printed
    table = _table_part(text)
    assert "如何达标" in table
    cells = re.findall(r'<td class="cf">(.*?)</td>', page, re.S)
    in_html = sum(c.count("需") for c in cells)
    assert in_html > 10 and re.sub(r"\s", "", table).count("需") >= in_html


def test_title_block_and_axis_names(printed):
    _, _, text = printed
    head = text[:600]
    assert "评估日期" in head and "2024-09-01" in head and "报告生成时间" in head
    assert re.search(r"报告生成时间\s*\d{4}-\d{2}-\d{2} \d{2}:\d{2}", head)
    charts = text[text.index("资源配置指标"):text.index("学校学段判定")]
    # the chart axes name the schools (before, they were only in hover tooltips, which do not print)
    for r in _demo_rows()[:5]:
        assert r["school_name"] in re.sub(r"\s", "", charts)
