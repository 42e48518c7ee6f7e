"""Chinese output has no internal ids and no English words: the zh terminal summary, the HTML report's visible
text, every XLSX cell and the workbench pages are scanned for snake_case identifiers and for English words
from a deny list.

Not flagged, because they are data or standard texts: the ids the standard defines (rules, parameters,
derived values: the names a reader looks up in the standard file), values of the input files, a field id in
brackets right after its Chinese label (``通过…认定的年份（basic_balance_certified_year）``, how a reason names
the field to look for), and what the HTML shows as code or as the explanation's technical text
(``<code>``, ``<pre class="explain">``: file paths, hashes, expressions).
"""
from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from junheng.evaluation.run import evaluate_files

DEMO = Path(__file__).parents[2] / "examples" / "demo-county"
STD = "national/quality-2017"
SNAKE = re.compile(r"(?<![\w./:-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/.:-])")
DENY = ("primary", "junior", "senior", "verified", "secondary", "recalled", "pass", "fail", "not_evaluable",
        "not_applicable", "resources", "government", "quality", "recognition", "eligibility", "missing",
        "threshold", "value", "school", "county", "stage", "none", "true", "false", "veto", "outcome", "area")
WORDS = re.compile(r"(?<![\w./:-])(" + "|".join(DENY) + r")(?![\w/.:-])", re.I)
TAIL = re.compile(r"[\u4e00-\u9fff）]\s?/ [a-z]{2,}")  # a "中文 / English" text (not "填报表 / JSON")
LABELLED = re.compile(r"[\u4e00-\u9fff）]（([a-z][a-z0-9_]*)）")  # 中文标签（field_id）


class _Visible(HTMLParser):
    """The text a reader sees: no styles or scripts, no <code>, no explanation <pre>, nothing inside a
    "技术细节" toggle of the plain explanation (``<details class="jx-tech">``: expressions, field ids)."""

    SKIP = ("style", "script", "code", "pre")

    def __init__(self):
        super().__init__()
        self.open: dict = {}  # tag -> per open element: does it hide its text
        self.parts: list = []

    def _hides(self, tag, attrs) -> bool:
        cls = (dict(attrs).get("class") or "").split()
        if tag == "details":
            return "jx-tech" in cls
        return tag in self.SKIP and (tag != "pre" or "explain" in cls)

    def handle_starttag(self, tag, attrs):
        if tag == "details" or tag in self.SKIP:
            self.open.setdefault(tag, []).append(self._hides(tag, attrs))

    def handle_endtag(self, tag):
        if self.open.get(tag):
            self.open[tag].pop()

    @property
    def depth(self) -> int:
        return sum(sum(v) for v in self.open.values())

    def handle_data(self, data):
        if not self.depth:
            self.parts.append(data)


def visible(html: str) -> str:
    p = _Visible()
    p.feed(html)
    return "\n".join(p.parts)


def offenders(text: str, allowed: set) -> list:
    """(word, context) for every snake_case id or denied English word that is not allowed."""
    labelled = {m.start(1) for m in LABELLED.finditer(text)}
    out = []
    for m in list(SNAKE.finditer(text)) + list(WORDS.finditer(text)):
        if m.group(0) in allowed or m.start() in labelled:
            continue
        out.append((m.group(0), text[max(0, m.start() - 30):m.end() + 15].replace("\n", " ")))
    out += [("/ English", text[max(0, m.start() - 30):m.end() + 15]) for m in TAIL.finditer(text)]
    return out


@pytest.fixture(scope="module")
def run():
    return evaluate_files(STD, [str(DEMO / "schools.csv")], [str(DEMO / "counties.csv")], as_of="2024-09-01")


@pytest.fixture(scope="module")
def allowed(run) -> set:
    std = run.standard
    ids = set(r.id for r in run.compiled.rules) | set(std.parameters) | set(getattr(std, "derived", {}) or {})
    for name in ("schools.csv", "counties.csv"):  # data values
        with open(DEMO / name, encoding="utf-8-sig", newline="") as fh:
            for row in csv.reader(fh):
                ids.update(cell for cell in row[1:] if cell)
    return ids


def test_the_scan_finds_what_it_should(allowed):
    """Guard the guard: the texts this issue started from are flagged."""
    bad = ["未达标：teachers_bachelor、quality", "R1_min = primary 4.2, junior 5.3", "来源状态 verified",
           "basic_balance_certified_year 缺失", "标准编号无效 / not a standard id"]
    for text in bad:
        assert offenders(text, allowed), text
    assert not offenders("通过县域义务教育基本均衡发展国家认定的年份（basic_balance_certified_year） 缺失", allowed)
    assert not offenders("R1_min = 小学 4.2、初中 5.3；G13_school 不达标", allowed)


def test_terminal_summary(run, allowed):
    from rich.console import Console

    from junheng.reports.terminal import print_summary

    con = Console(file=io.StringIO(), width=100)
    print_summary(con, run, "zh")
    text = con.file.getvalue()
    assert "评估结论" in text
    assert offenders(text, allowed) == []


def test_conclusion_fits_100_columns(run):
    from rich.console import Console

    from junheng.reports.conclusion import conclusion_lines, width
    from junheng.reports.terminal import print_summary

    lines = conclusion_lines(run, "zh")
    assert lines and all(width(x) <= 100 for x in lines)
    con = Console(file=io.StringIO(), width=100)
    print_summary(con, run, "zh")
    text = con.file.getvalue()
    block = text[text.index("评估结论"):text.index("区县判定")]
    assert all(width(x) <= 100 for x in block.splitlines())
    assert "资源配置" in block and "area_" not in block


def test_html_visible_text(run, allowed):
    from junheng.reports.html_report import render_html

    text = visible(render_html(run, "zh"))
    assert "学校学段判定" in text
    assert offenders(text, allowed) == []
    # the county verdict names the areas (资源配置, …), not the ids of the area rules
    county = text[text.index("区县判定"):text.index("一票否决")]
    assert "资源配置" in county and "政府保障程度" in county and "area_" not in county


def test_xlsx_cells(run, allowed, tmp_path):
    from openpyxl import load_workbook

    from junheng.reports.xlsx_report import write_xlsx

    path = tmp_path / "r.xlsx"
    write_xlsx(run, path, "zh")
    wb = load_workbook(path)
    # 来源: paths and hashes are the provenance's data (its keys, citations and statuses are scanned); a
    # column headed 规则 holds rule ids (area_resources included: that column is the id)
    cells = []
    for ws in wb.worksheets:
        rows = list(ws.iter_rows(values_only=True))
        id_cols = {j for j, h in enumerate(rows[0]) if h == "规则"} if rows else set()
        for row in rows:
            for j, v in enumerate(row):
                if v is None or j in id_cols or (ws.title == "来源" and j in (1, 3) and row[0] != "规则"):
                    continue
                cells.append(str(v))
    text = "\n".join(cells)
    assert "评估结论" in text
    assert offenders(text, allowed) == []


def test_workbench_pages(allowed, tmp_path):
    from junheng.web.app import Settings, create_app
    from junheng.web.workspace import Workspace

    ws = Workspace()
    try:
        c = create_app(Settings(save_dir=tmp_path / "saved"), ws).test_client()
        with open(DEMO / "schools.csv", "rb") as s, open(DEMO / "counties.csv", "rb") as k:
            r = c.post("/evaluate", data={"standard": STD, "as_of": "2024-09-01", "schools": [(s, "schools.csv")],
                                          "counties": [(k, "counties.csv")]}, content_type="multipart/form-data")
        run_page = r.headers["Location"]
        for url in ("/", run_page, "/standards", f"/standards/{STD}", "/whatif", f"/whatif?run={run_page[6:]}",
                    "/monitor"):
            page = c.get(url)
            assert page.status_code == 200, url
            assert offenders(visible(page.data.decode("utf-8")), allowed) == [], url
        plan = c.post(f"{run_page}/plan", data={"costs_choice": "example", "time_limit": "30"},
                      content_type="multipart/form-data")
        assert plan.status_code == 200
        text = visible(plan.data.decode("utf-8"))
        assert "built-in method" not in text and "bound method" not in text
        assert offenders(text, allowed) == [], "plan"
        doc = c.post("/api/whatif/preview", json={"standard": "../x"}).get_json()
        assert offenders(" ".join(p["message"] for p in doc["problems"]), allowed) == []
    finally:
        ws.close()
