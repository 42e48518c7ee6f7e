"""``--lang en`` prints no Chinese of its own.

The demo county runs through every output (terminal table, json, csv, html, xlsx, explain of a school
and of the county, ``check`` of a broken standard) in English. Chinese may remain only where it comes
from the data (school and county names, the text cells of the input files) or from the standard files
(titles, citations, document names, notes, field labels ...): those strings are collected from the
input files and the YAML files themselves, cut out of the output, and what is left must hold no CJK
character and no full-width punctuation.
"""
from __future__ import annotations

import csv
import html.parser
import re
from pathlib import Path

import pytest
import yaml

from junheng.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples/demo-county"
SCHOOLS, COUNTIES = DEMO / "schools.csv", DEMO / "counties.csv"
STANDARD_FILES = [ROOT / "standards/national/quality-2017.yaml", ROOT / "standards/fields.yaml"]
COMMON = ["--standard", "national/quality-2017", "--schools", str(SCHOOLS), "--counties", str(COUNTIES),
          "--as-of", "2024-09-01"]
# CJK ideographs, CJK punctuation (、。「」【】…) and full-width forms (，：（）；)
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


def _strings(node, out):
    if isinstance(node, str):
        out.add(node)
    elif isinstance(node, dict):
        for k, v in node.items():
            _strings(k, out)
            _strings(v, out)
    elif isinstance(node, list):
        for v in node:
            _strings(v, out)


def allowed_strings() -> list[str]:
    """Every text of the input files and of the standard files that holds a CJK character, longest
    first (so that a name is cut before a shorter name inside it)."""
    found: set[str] = set()
    for f in (SCHOOLS, COUNTIES):
        with open(f, encoding="utf-8") as fh:
            for row in csv.reader(fh):
                found.update(row)
    for f in STANDARD_FILES:
        doc = yaml.safe_load(f.read_text(encoding="utf-8"))
        _strings(doc, found)
        # a citation is written as the Chinese documents write it: 《title》number
        for d in [doc.get("document") or {}, *(doc.get("documents") or {}).values()]:
            if d.get("title"):
                found.add(f"《{d['title']}》{d.get('number') or ''}")
    texts = {s.strip() for s in found if CJK.search(s)}
    # a folded YAML text may be printed on several lines: its lines count too
    texts |= {ln.strip() for s in list(texts) for ln in s.splitlines() if CJK.search(ln)}
    return sorted(texts, key=len, reverse=True)


ALLOWED = allowed_strings()


def leftover_chinese(text: str) -> list[str]:
    """The CJK characters of text that do not come from the data or the standard, with context."""
    for s in ALLOWED:
        if s in text:
            text = text.replace(s, " ")
    bad = []
    for m in CJK.finditer(text):
        bad.append(text[max(0, m.start() - 30): m.end() + 30].replace("\n", "⏎"))
    return bad


def assert_english(text: str, what: str):
    bad = leftover_chinese(text)
    assert not bad, f"{what}: {len(bad)} Chinese characters in --lang en output, e.g.\n" + "\n".join(bad[:15])


def run_cli(capsys, argv, code=0):
    rc = main(argv)
    got = capsys.readouterr()
    assert rc == code, got.err
    return got.out, got.err


def test_checker_sees_chinese():
    """The scan itself: Chinese that is not data is found; names from the data are not."""
    assert leftover_chinese("示范县实验小学 pass") == []
    assert leftover_chinese("School 示范县实验小学：达标")
    assert leftover_chinese("（x）")


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_evaluate_text_outputs(capsys, fmt):
    out, err = run_cli(capsys, ["--lang", "en", "evaluate", *COMMON, "--format", fmt])
    assert out.strip()
    assert_english(out, f"evaluate --format {fmt}")
    assert_english(err, f"evaluate --format {fmt} (stderr)")


class _Visible(html.parser.HTMLParser):
    """The text a reader sees: text nodes outside <script>/<style>, and title / placeholder /
    aria-label / alt attributes."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for k, v in attrs:
            if k in ("title", "placeholder", "aria-label", "alt") and v:
                self.parts.append(v)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def test_evaluate_html(capsys, tmp_path):
    out = tmp_path / "r.html"
    _, err = run_cli(capsys, ["--lang", "en", "evaluate", *COMMON, "--format", "html", "--out", str(out)])
    page = out.read_text(encoding="utf-8")
    v = _Visible()
    v.feed(page)
    assert_english("\n".join(v.parts), "html report")
    assert_english(err, "html (stderr)")


def test_evaluate_xlsx(capsys, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "r.xlsx"
    _, err = run_cli(capsys, ["--lang", "en", "evaluate", *COMMON, "--format", "xlsx", "--out", str(out)])
    wb = openpyxl.load_workbook(out)
    cells = []
    for ws in wb.worksheets:
        cells.append(ws.title)
        for row in ws.iter_rows(values_only=True):
            cells.extend(str(v) for v in row if isinstance(v, str))
    assert len(cells) > 100
    assert_english("\n".join(cells), "xlsx report")
    assert_english(err, "xlsx (stderr)")


@pytest.mark.parametrize("who", [["--school", "DEMO01-002", "--stage", "junior"], ["--county", "DEMO01"]])
def test_explain(capsys, who):
    out, err = run_cli(capsys, ["--lang", "en", "explain", *COMMON, *who])
    assert out.strip()
    assert_english(out, "explain " + " ".join(who))
    assert_english(err, "explain (stderr)")


def test_check_of_a_broken_standard(capsys, tmp_path):
    text = STANDARD_FILES[0].read_text(encoding="utf-8").replace("id: national/quality-2017", "id: test/broken")
    for old, new in [("value: backbone_teachers / students * 100", "value: backbone_teachrs / students * 100"),
                     ("value: multimedia_rooms / students * 100", "value: multimedia_rooms / / students")]:
        assert old in text
        text = text.replace(old, new, 1)
    bad = tmp_path / "broken.yaml"
    bad.write_text(text, encoding="utf-8")
    out, err = run_cli(capsys, ["--lang", "en", "check", str(bad)], code=2)
    assert "backbone_teachrs" in err
    assert_english(out + err, "check of a broken standard")


def test_standard_tests_report(capsys, tmp_path):
    """``junheng test`` with a failing, an ambiguous and a missing expectation: the report is English."""
    data = yaml.safe_load((ROOT / "standards/national/tests/quality-2017.yaml").read_text(encoding="utf-8"))
    data["cases"] = [{"name": "deliberately wrong", "expect": [
        {"rule": "R1", "school": "S1", "outcome": "fail", "value": 5.3, "reason_contains": "nothing like this"},
        {"rule": "R1"}, {"rule": "no_such_rule", "outcome": "pass"}]}]
    (tmp_path / "tests").mkdir()
    p = tmp_path / "tests" / "quality-2017.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out, err = run_cli(capsys, ["--lang", "en", "test", str(p)], code=1)
    assert "no verdict row" in out and "expected 5.3" in out
    # the reason shown after a failed check is the verdict's reason that reason_contains is matched
    # against: test files are written against the Chinese reasons, so the engine evaluates them in zh
    out = re.sub(r"reason=[^\n]*\)\n", "reason=…)\n", out)
    # the test file's own texts (school names, the case name) are data
    data_texts = {s for s in _all_strings(data) if CJK.search(s)}
    for s in sorted(data_texts, key=len, reverse=True):
        out = out.replace(s, " ")
    assert_english(out + err, "junheng test")


def _all_strings(node):
    found: set[str] = set()
    _strings(node, found)
    return found


@pytest.mark.parametrize("argv", [["--help"], ["evaluate", "--help"], ["new", "--help"], ["serve", "--help"]])
def test_help_in_english(capsys, argv):
    with pytest.raises(SystemExit) as exc:
        main(["--lang", "en", *argv])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "usage" in out
    assert_english(out, "junheng --lang en " + " ".join(argv))


def test_help_in_chinese_has_no_english_tails(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "评估学校与区县" in out and "evaluate schools and counties" not in out


def test_workbench_pages(tmp_path):
    """The workbench in English (``serve --lang en``): the visible text of its pages."""
    import io

    from junheng.web.app import Settings, create_app
    from junheng.web.workspace import Workspace

    ws = Workspace()
    app = create_app(Settings(save_dir=tmp_path / "saved", lang="en"), ws)
    try:
        c = app.test_client()
        data = {"standard": "national/quality-2017", "as_of": "2024-09-01",
                "schools": [(io.BytesIO(SCHOOLS.read_bytes()), "schools.csv")],
                "counties": [(io.BytesIO(COUNTIES.read_bytes()), "counties.csv")]}
        r = c.post("/evaluate", data=data, content_type="multipart/form-data")
        assert r.status_code == 302, r.data.decode()[:300]
        rid = r.headers["Location"].rsplit("/", 1)[1]
        pages = {"/": None, f"/runs/{rid}": None, f"/runs/{rid}/explain?county=DEMO01": None,
                 f"/runs/{rid}/explain?school=DEMO01-002&stage=junior": None, "/standards": None,
                 "/standards/national/quality-2017": None, f"/whatif?run={rid}": None}
        for url in pages:
            resp = c.get(url)
            assert resp.status_code == 200, url
            assert_english(_page_text(resp), f"workbench {url}")
        # an upload that is refused: the message is English
        bad = {"standard": "national/quality-2017", "schools": [(io.BytesIO(b"x"), "schools.exe")]}
        resp = c.post("/evaluate", data=bad, content_type="multipart/form-data")
        assert "unsupported file type" in _page_text(resp)
        assert_english(_page_text(resp), "workbench refused upload")
    finally:
        ws.close()


def _page_text(resp) -> str:
    v = _Visible()
    v.feed(resp.data.decode())
    text = "\n".join(v.parts)
    # the product's name in the page header, and the switch to Chinese written in Chinese
    text = text.replace("均衡 junheng", "junheng").replace("中文", " ")
    # the standards list shows every bundled standard: their titles and jurisdictions are standard texts
    return _cut_other_standards(text)


def _cut_other_standards(text: str) -> str:
    """Titles, jurisdictions and names of the other bundled standards (listed on the workbench's pages),
    cut after the data and this standard's texts (a name from the data may contain a shorter text)."""
    for s in ALLOWED:
        text = text.replace(s, " ")
    for f in sorted((ROOT / "standards").rglob("*.yaml"), key=lambda p: -len(str(p))):
        if "tests" in f.parts:
            continue
        found: set[str] = set()
        _strings(yaml.safe_load(f.read_text(encoding="utf-8")), found)
        for s in sorted((x.strip() for x in found if CJK.search(x)), key=len, reverse=True):
            text = text.replace(s, " ")
    return text
