"""The workbench in a real browser: upload → verdict → explanation → threshold edit → diff → save,
driven by Playwright (the Python package) in Debian's chromium (/usr/bin/chromium; no browser is
downloaded). The server runs in a thread of this process on a free port.

Expected values come from the example CSV with pandas (tests/test_web.py: expected_r4_flips).
Set JUNHENG_SCREENSHOTS=<folder> to save the screenshots used in the README and docs/.
"""
from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pandas as pd
import pytest

from conftest import find_chromium
from junheng.web.app import Settings, create_app
from junheng.web.workspace import Workspace
from test_web import DEMO, expected_r4_flips

pytestmark = pytest.mark.slow  # see pyproject's markers: CI runs it, `-m "not slow"` leaves it out

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture()
def server(tmp_path):
    from werkzeug.serving import make_server

    ws = Workspace()
    settings = Settings(save_dir=tmp_path / "saved", port=0)
    srv = make_server("127.0.0.1", 0, create_app(settings, ws), threaded=True)
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    yield f"http://127.0.0.1:{srv.server_port}", settings, ws
    srv.shutdown()
    ws.close()


@pytest.fixture()
def page():
    exe = find_chromium()
    if os.environ.get("CI"):  # in CI the test extra installs it: missing is a failure, not a skip
        import playwright.sync_api as sync_api
    else:
        sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=FLAGS)
        ctx = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
        pg = ctx.new_page()
        pg.set_default_timeout(60_000)
        errors = []
        pg.on("pageerror", lambda exc: errors.append(str(exc)))
        pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        pg.errors = errors
        yield pg
        browser.close()


def _shot(pg, name):
    folder = os.environ.get("JUNHENG_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(Path(folder) / name), full_page=False)


def test_upload_verdict_edit_diff_save(server, page, tmp_path):
    base, settings, ws = server
    pg = page
    d = pd.read_csv(DEMO / "schools.csv", dtype={"school_id": str})

    # 1. upload the example county
    pg.goto(base + "/")
    assert "上传数据并评估" in pg.inner_text("h1")
    pg.set_input_files("#schools", str(DEMO / "schools.csv"))
    pg.set_input_files("#counties", str(DEMO / "counties.csv"))
    assert pg.input_value("#standard") == "national/quality-2017"
    pg.click("#go")
    pg.wait_for_url("**/runs/**")

    # 2. the verdict page: one row per school stage (a nine-year school is two stages)
    stages = len(d) + int((d["school_type"] == "九年一贯制").sum())
    assert pg.locator("table.schools tr").count() == stages + 1
    assert "schools.csv" in pg.inner_text(".runbar")
    _shot(pg, "workbench-run.png")

    # 3. an explanation on demand: R1 of DEMO01-001 = 58 teachers / 1000 students * 100
    pg.click('a.explain-link[data-school="DEMO01-001"][data-stage="primary"]')
    pg.wait_for_function("document.getElementById('explain-text').textContent.includes('R1')")
    assert pg.locator("#explain-text section.jx").count() == 1  # the plain view, rendered (not escaped)
    pg.click("#explain-text details.jx-passed > summary")  # every rule passes: folded, opened on a click
    pg.click("#explain-text details.jx-pass:first-of-type > summary")
    assert "计算值 5.8 人，要求不低于 4.2 人" in pg.inner_text("#explain-text")
    pg.keyboard.press("Escape")

    # 4. what-if: raise the primary teaching-room minimum from 4.5 to 5 m² per student
    pg.click("#to-whatif")
    pg.wait_for_url("**/whatif?run=*")
    pg.wait_for_function("document.getElementById('whatif').dataset.state === 'ready'")
    pg.fill('input[name="R1_min:junior"]', "五点三")  # not a number: named at the field
    pg.wait_for_function("document.getElementById('whatif').dataset.state === 'invalid'")
    assert "不是有限的数" in pg.inner_text('.field-error[data-for="param:R1_min:junior"]')
    pg.fill('input[name="R1_min:junior"]', "5.3")  # back to the value in force
    pg.fill('input[name="R4_min:primary"]', "5")
    pg.wait_for_function("document.getElementById('whatif').dataset.state === 'ready' && "
                         "document.getElementById('impact-summary') !== null")
    assert pg.inner_text('.field-error[data-for="param:R1_min:junior"]') == ""
    flipped = set(pg.eval_on_selector_all('tr.school-change[data-rule="R4"]', "rs => rs.map(r => r.dataset.school)"))
    # 4 since issue 20: the 16-pupil 教学点 DEMO01-022 is outside the resource evaluation
    assert flipped == expected_r4_flips(5.0) and len(flipped) == 4
    states = set(pg.eval_on_selector_all('tr.school-change[data-rule="R4"]',
                                         "rs => rs.map(r => r.dataset.a + '>' + r.dataset.b)"))
    assert states == {"pass>fail"}
    assert "R4_min" in pg.inner_text("#check-status") and "4.5→5" in pg.inner_text("#check-status")
    _shot(pg, "workbench-whatif.png")

    # 5. save: reason, citation and source status are required
    pg.click("#save")
    pg.wait_for_function("document.getElementById('whatif').dataset.state === 'save-refused'")
    assert "请填写修改理由" in pg.inner_text('.field-error[data-for="meta:reason"]')
    pg.fill("#new_id", "national/quality-2017-room5")
    pg.fill("#reason", "试算：提高小学生均教学及辅助用房面积要求")
    pg.fill("#document", "示范市教育局关于办学条件的通知（试算）")
    pg.select_option("#source_status", "secondary")
    pg.click("#save")
    pg.wait_for_function("document.getElementById('whatif').dataset.state === 'saved'")
    saved = settings.save_dir / "national" / "quality-2017-room5.yaml"
    assert saved.is_file()
    # named by the save folder's own name, never as an absolute server path (issue 14)
    assert "saved/national/quality-2017-room5.yaml" in pg.inner_text("#saved-ok")
    assert str(settings.save_dir.resolve()) not in pg.inner_text("#saved-ok")
    assert "junheng evaluate --standards-dir" in pg.inner_text("#saved-cmd")

    # 6. the saved file, evaluated by `junheng evaluate`, flips the same schools
    import junheng.cli.main as cli

    out = tmp_path / "v.json"
    assert cli.main(["--standards-dir", str(settings.save_dir), "evaluate", "--quiet", "--standard",
                     "national/quality-2017-room5", "--schools", str(DEMO / "schools.csv"), "--counties",
                     str(DEMO / "counties.csv"), "--format", "json", "--out", str(out)]) == 0
    r4 = {v["school_id"]: v["outcome"] for v in json.loads(out.read_text())["verdicts"]
          if v["rule_id"] == "R4" and v["stage"] == "primary"}
    run = ws.latest().run
    before = {v["school_id"]: v["outcome"] for v in run.verdicts.to_dict("records")
              if v["rule_id"] == "R4" and v["stage"] == "primary"}
    assert {s for s in r4 if r4[s] != before[s]} == flipped

    # 7. the standards browser lists the new file with its override's file:line
    pg.goto(base + "/standards")
    assert "national/quality-2017-room5" in pg.inner_text("#standards")
    pg.goto(base + "/standards/national/quality-2017-room5")
    text = pg.inner_text("#param-R4_min")
    assert "quality-2017-room5.yaml:" in text and "5" in text
    _shot(pg, "workbench-standard.png")
    # the one refused save answered 400, which chromium logs; nothing else went wrong on any page
    assert pg.errors == ["Failed to load resource: the server responded with a status of 400 (BAD REQUEST)"]


def test_parameter_search_filters_as_you_type(server, page):
    """Typing in the what-if search box keeps the rows holding every word typed; the expected rows are
    counted from the page's HTML in Python (id, name, citation, unit and rules of each row)."""
    import re
    import urllib.request

    url, _, _ = server
    html = urllib.request.urlopen(f"{url}/whatif").read().decode("utf-8")
    hay = dict(re.findall(r'<tr id="p-([^"]+)" class="param-row" data-search="([^"]*)"', html))
    pg = page
    pg.goto(f"{url}/whatif")
    assert pg.locator("tr.param-row:visible").count() == len(hay)
    for typed, words in (("R4", ["r4"]), ("r4 小学", None), ("生均", ["生均"]), ("ｒ４", ["r4"])):
        pg.fill("#param-search", typed)
        words = words or typed.lower().split()
        expected = sorted(pid for pid, h in hay.items() if all(w in h for w in words))
        visible = sorted(x.removeprefix("p-") for x in pg.eval_on_selector_all(
            "tr.param-row:not([hidden])", "rows => rows.map(r => r.id)"))
        assert visible == expected and 0 < len(expected) < len(hay), typed
    pg.fill("#param-search", "没有这个参数zzz")
    assert pg.locator("tr.param-row:visible").count() == 0 and pg.is_visible("#param-none")
    pg.fill("#param-search", "")
    assert pg.locator("tr.param-row:visible").count() == len(hay)
    # long commands and YAML wrap inside their box instead of widening the page
    assert pg.eval_on_selector("#yaml", "e => getComputedStyle(e).whiteSpace") == "pre-wrap"
    assert pg.errors == []
